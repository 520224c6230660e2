#!/usr/bin/env bash
# The quickstart (README command 1): installs what is missing, builds finetrain, generates a small
# dataset and trains a tiny LTX-Video LoRA with configs/quickstart.toml. Extra arguments go to
# finetrain, e.g. `run.sh --set training.max_steps=50`.
set -euo pipefail
cd "$(dirname "$0")/../.."

bash .ci/install-deps
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build --parallel "$(nproc)" --target finetrain ft_model_ltx_video ft_trainer_sft ft_tokenizer_sentencepiece

bash examples/quickstart/make_dataset.sh outputs/quickstart/data
build/bin/finetrain configs/quickstart.toml "$@"

echo
echo "Outputs in outputs/quickstart/:"
echo "  lora_weights.safetensors        LoRA for diffusers (pipe.load_lora_weights)"
echo "  lora_weights_comfy.safetensors  LoRA for ComfyUI"
echo "  validation_samples/             videos sampled during training"
echo "  checkpoints/                    resume with: build/bin/finetrain configs/quickstart.toml --resume latest"
echo "  train_log.jsonl, finetrain.log, training_config.toml"
