// Video and image I/O on FFmpeg (libavformat, libavcodec, libswscale).
//
// Reading samples frames evenly over a clip and resizes them to cover the target size, then
// center-crops: what training buckets need. Writing produces H.264 mp4 (libx264, yuv420p) that
// every player opens, and GIF for quick previews. Errors are finetrain::Error naming the file.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

#include "finetrain/export.hpp"

namespace finetrain {

struct FT_SDK_API VideoInfo {
  int64_t frames = 0;  // decodable frames (counted by demuxing when the container does not say)
  int64_t width = 0;
  int64_t height = 0;
  double fps = 0.0;
};

// Opens the file and reads its video stream's facts.
FT_SDK_API VideoInfo probe_video(const std::string& path);

struct FT_SDK_API FrameRequest {
  int64_t num_frames = 1;  // frames to return, sampled evenly over the clip (first and last included)
  int64_t height = 0;      // output size: frames are scaled to cover it, then center-cropped
  int64_t width = 0;
};

// Decodes `request.num_frames` frames as uint8 RGB [F, H, W, 3]. Images (png, jpg, ...) are
// one-frame videos. A clip with fewer frames than requested is an error naming both counts.
FT_SDK_API at::Tensor read_frames(const std::string& path, const FrameRequest& request);

// frames: [F, H, W, 3] uint8, or [C=3, F, H, W] floating in [-1, 1] (the models' pixel layout).
FT_SDK_API at::Tensor frames_to_uint8_fhwc(const at::Tensor& frames);

// Writes H.264 mp4 at `fps`. Height and width must be even (yuv420p). Every packet carries its
// duration, so the container keeps the last frame.
FT_SDK_API void write_mp4(const std::string& path, const at::Tensor& frames, double fps);

// Writes an animated GIF at `fps` (frame delays are in 1/100 s, as GIF stores them).
FT_SDK_API void write_gif(const std::string& path, const at::Tensor& frames, double fps);

}  // namespace finetrain
