#include "training/latent_shape.hpp"

#include <fmt/format.h>

#include "finetrain/error.hpp"

namespace finetrain::host {

LatentShape latent_shape_for(const TrainingSettings& s, const ModelTraits& t) {
  const int64_t f = s.bucket.frames, h = s.bucket.height, w = s.bucket.width;
  const bool frames_fit = f >= t.frame_count_offset && (f - t.frame_count_offset) % t.vae_temporal_compression == 0;
  if (!frames_fit || h % t.spatial_multiple || w % t.spatial_multiple)
    throw Error(fmt::format("data.frames = {}, data.height = {}, data.width = {} do not fit this model: frames must be "
                            "{}k + {} and sizes multiples of {}",
                            f, h, w, t.vae_temporal_compression, t.frame_count_offset, t.spatial_multiple));
  LatentShape shape;
  shape.batch = s.batch_size;
  shape.channels = t.latent_channels;
  shape.frames = (f - t.frame_count_offset) / t.vae_temporal_compression + 1;
  shape.height = h / t.vae_spatial_compression;
  shape.width = w / t.vae_spatial_compression;
  return shape;
}

}  // namespace finetrain::host
