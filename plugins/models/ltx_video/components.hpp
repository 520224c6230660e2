// Where the family's components come from: a diffusers directory, an original single-file
// checkpoint, or a preset with random weights — and building each component from there.
#pragma once

#include <c10/core/ScalarType.h>

#include <cstdint>
#include <memory>
#include <string>

#include "finetrain/host_services.hpp"
#include "family_presets.hpp"
#include "options.hpp"
#include "text_conditioning.hpp"
#include "transformer/transformer.hpp"
#include "vae/autoencoder.hpp"

namespace finetrain::ltx_video {

enum class WeightsSource { RandomInit, DiffusersDirectory, SingleFile };

struct Architecture {
  WeightsSource source = WeightsSource::RandomInit;
  std::string path;
  LtxTransformerConfig transformer;
  vae::LtxVaeConfig vae;
  T5EncoderConfig text_encoder;  // used for random initialisation only; checkpoints bring their config
  std::string scheduler_json;
};

// Reads transformer/, vae/ and scheduler/ configs from a diffusers directory, else takes the preset's.
Architecture resolve_architecture(const LtxVideoOptions& options);

std::shared_ptr<LtxVideoTransformer3DModelImpl> build_transformer(const Architecture& a, c10::ScalarType dtype,
                                                                   uint64_t seed);
std::shared_ptr<vae::AutoencoderKLLTXVideo> build_vae(const Architecture& a, c10::ScalarType dtype, uint64_t seed,
                                                      bool tiling);
std::unique_ptr<TextConditioner> build_text_conditioner(const Architecture& a, const LtxVideoOptions& options,
                                                        c10::ScalarType dtype, uint64_t seed, HostServices& host);

}  // namespace finetrain::ltx_video
