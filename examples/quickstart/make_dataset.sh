#!/usr/bin/env bash
# Generates the quickstart dataset with FFmpeg's test sources: short clips, each with a caption,
# in the prompts.txt + videos.txt layout, plus a SentencePiece tokenizer trained on the captions
# (the tiny model has no pretrained tokenizer of its own). No downloads.
#
#   make_dataset.sh OUT_DIR [SECONDS]
set -euo pipefail
out="${1:?usage: make_dataset.sh OUT_DIR [SECONDS]}"
seconds="${2:-2}"
mkdir -p "$out/videos"
: > "$out/prompts.txt"
: > "$out/videos.txt"

# name | lavfi source | caption
clips=(
  "testsrc2|testsrc2=size=192x128:rate=25|a test pattern with a moving counter and color bars"
  "mandelbrot|mandelbrot=size=192x128:rate=25|a colorful mandelbrot fractal zooming in slowly"
  "life|life=size=192x128:rate=25:mold=10:life_color=#ff8000:death_color=#202080|cells of the game of life growing and dying"
  "cellauto|cellauto=size=192x128:rate=25:rule=110|a black and white cellular automaton scrolling down"
  "rgbtestsrc|rgbtestsrc=size=192x128:rate=25|red green and blue stripes on a test card"
  "smptebars|smptebars=size=192x128:rate=25|broadcast color bars with a gray band"
  "gradients|gradients=size=192x128:rate=25:speed=0.05|smooth color gradients slowly rotating"
  "sierpinski|sierpinski=size=192x128:rate=25|a sierpinski fractal pattern shifting across the frame"
  "yuvtestsrc|yuvtestsrc=size=192x128:rate=25|a luma and chroma test pattern"
  "colorspectrum|colorspectrum=size=192x128:rate=25|a rainbow color spectrum from dark to bright"
)

for entry in "${clips[@]}"; do
  IFS='|' read -r name source caption <<<"$entry"
  file="videos/$name.mp4"
  if [ ! -s "$out/$file" ]; then
    ffmpeg -nostdin -v error -y -f lavfi -i "$source" -t "$seconds" -pix_fmt yuv420p -c:v libx264 -crf 20 "$out/$file"
  fi
  echo "$caption" >> "$out/prompts.txt"
  echo "$file" >> "$out/videos.txt"
done

# T5's special ids (pad 0, eos 1, unk 2, no bos), as the text encoder expects them.
if [ ! -s "$out/tokenizer/spiece.model" ]; then
  mkdir -p "$out/tokenizer"
  spm_train --input="$out/prompts.txt" --model_prefix="$out/tokenizer/spiece" --vocab_size=96 \
    --model_type=unigram --character_coverage=1.0 --pad_id=0 --eos_id=1 --unk_id=2 --bos_id=-1 \
    --hard_vocab_limit=false --minloglevel=2 > /dev/null 2>&1
fi
echo "dataset: $(wc -l < "$out/videos.txt") clips in $out (tokenizer: $out/tokenizer/spiece.model)"
