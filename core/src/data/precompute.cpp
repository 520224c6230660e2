#include "data/precompute.hpp"

#include <ATen/TensorOperators.h>
#include <ATen/ops/cat.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "finetrain/error.hpp"
#include "finetrain/video_io.hpp"

namespace finetrain::host {

at::Tensor to_model_pixels(const at::Tensor& frames_fhwc) {
  return (frames_fhwc.to(at::kFloat) / 127.5 - 1.0).permute({3, 0, 1, 2}).unsqueeze(0).contiguous();
}

TensorMap collate(const std::vector<const TensorMap*>& parts) {
  if (parts.empty()) throw Error("cannot collate an empty batch");
  TensorMap out;
  for (const auto& [key, first] : *parts.front()) {
    std::vector<at::Tensor> pieces;
    for (const TensorMap* p : parts) {
      auto it = p->find(key);
      if (it == p->end()) throw Error(fmt::format("sample has no '{}' while others do", key));
      pieces.push_back(it->second);
    }
    out.emplace(key, at::cat(pieces, 0));
  }
  return out;
}

PrecomputeResult precompute_samples(const PluginObject<ModelSpec>& model, const std::vector<MediaItem>& items,
                                    const FrameBucket& bucket, bool strict) {
  c10::AutoGradMode no_grad(false);
  PrecomputeResult result;
  for (size_t i = 0; i < items.size(); ++i) {
    const MediaItem& item = items[i];
    at::Tensor frames;
    try {
      frames = read_frames(item.media_path, {bucket.frames, bucket.height, bucket.width});
    } catch (const Error& e) {
      if (strict) throw Error(fmt::format("{}: {} (data.strict = true)", item.origin, e.what()));
      spdlog::warn("skipping {}: {}", item.origin, e.what());
      result.skipped.push_back(fmt::format("{}: {}", item.origin, e.what()));
      continue;
    }
    EncodedSample sample;
    sample.origin = item.origin;
    sample.latents = model.call("encode_latents", [&](ModelSpec& m) { return m.encode_latents(to_model_pixels(frames)); });
    sample.conditions =
        model.call("encode_conditions", [&](ModelSpec& m) { return m.encode_conditions({item.caption}); });
    result.samples.push_back(std::move(sample));
    spdlog::info("encoded {}/{}: {}", i + 1, items.size(), item.media_path);
  }
  return result;
}

}  // namespace finetrain::host
