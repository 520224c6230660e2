// Decoding: even frame sampling, cover-resize and center crop, straight into an RGB tensor.
#include <ATen/TensorOperators.h>
#include <ATen/ops/empty.h>
#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <set>

#include "finetrain/error.hpp"
#include "finetrain/video_io.hpp"
#include "video/ffmpeg_util.hpp"

namespace finetrain {
namespace {

using namespace video;

struct OpenStream {
  InputPtr input;
  int stream_index = -1;
  const AVCodec* codec = nullptr;
};

OpenStream open_video_stream(const std::string& path) {
  AVFormatContext* raw = nullptr;
  av_log_set_level(AV_LOG_ERROR);
  if (int rc = avformat_open_input(&raw, path.c_str(), nullptr, nullptr); rc < 0)
    throw Error(fmt::format("{}: cannot open: {}", path, av_error_text(rc)));
  OpenStream s;
  s.input.reset(raw);
  if (int rc = avformat_find_stream_info(raw, nullptr); rc < 0)
    throw Error(fmt::format("{}: cannot read stream info: {}", path, av_error_text(rc)));
  s.stream_index = av_find_best_stream(raw, AVMEDIA_TYPE_VIDEO, -1, -1, &s.codec, 0);
  if (s.stream_index < 0) throw Error(fmt::format("{}: no video stream", path));
  return s;
}

int64_t count_packets(const std::string& path) {
  OpenStream s = open_video_stream(path);
  PacketPtr packet(av_packet_alloc());
  int64_t count = 0;
  while (av_read_frame(s.input.get(), packet.get()) >= 0) {
    if (packet->stream_index == s.stream_index && packet->size > 0) ++count;
    av_packet_unref(packet.get());
  }
  return count;
}

CodecPtr open_decoder(const OpenStream& s, const std::string& path) {
  CodecPtr decoder(avcodec_alloc_context3(s.codec));
  if (!decoder) throw Error(fmt::format("{}: out of memory for the decoder", path));
  avcodec_parameters_to_context(decoder.get(), s.input->streams[s.stream_index]->codecpar);
  decoder->thread_count = 1;  // deterministic and no oversubscription with prefetch threads
  if (int rc = avcodec_open2(decoder.get(), s.codec, nullptr); rc < 0)
    throw Error(fmt::format("{}: cannot open the {} decoder: {}", path, s.codec->name, av_error_text(rc)));
  return decoder;
}

std::set<int64_t> evenly_spaced(int64_t total, int64_t n) {
  std::set<int64_t> out;
  for (int64_t i = 0; i < n; ++i)
    out.insert(
        n == 1 ? 0
               : std::llround(static_cast<double>(i) * static_cast<double>(total - 1) / static_cast<double>(n - 1)));
  return out;
}

// Scales `frame` to cover height x width and copies the centered crop into `out` ([H, W, 3] uint8).
void cover_and_crop(const AVFrame* frame, const FrameRequest& r, SwsPtr& sws, at::Tensor out, const std::string& path) {
  const double scale =
      std::max(static_cast<double>(r.height) / frame->height, static_cast<double>(r.width) / frame->width);
  const int scaled_w =
      std::max<int>(static_cast<int>(r.width), static_cast<int>(std::ceil(frame->width * scale - 1e-9)));
  const int scaled_h =
      std::max<int>(static_cast<int>(r.height), static_cast<int>(std::ceil(frame->height * scale - 1e-9)));
  sws.reset(sws_getCachedContext(sws.release(), frame->width, frame->height, static_cast<AVPixelFormat>(frame->format),
                                 scaled_w, scaled_h, AV_PIX_FMT_RGB24, SWS_BICUBIC | SWS_ACCURATE_RND, nullptr, nullptr,
                                 nullptr));
  if (!sws) throw Error(fmt::format("{}: cannot convert pixel format {}", path, frame->format));
  std::vector<uint8_t> rgb(static_cast<size_t>(scaled_w) * scaled_h * 3);
  // sws_scale reads four plane pointers and strides whatever the format: unused ones must be set
  // (uninitialised ones were measured to change the decoded pixels from run to run).
  uint8_t* dst[4] = {rgb.data(), nullptr, nullptr, nullptr};
  int dst_stride[4] = {scaled_w * 3, 0, 0, 0};
  sws_scale(sws.get(), frame->data, frame->linesize, 0, frame->height, dst, dst_stride);
  const int x0 = (scaled_w - static_cast<int>(r.width)) / 2;
  const int y0 = (scaled_h - static_cast<int>(r.height)) / 2;
  uint8_t* target = out.data_ptr<uint8_t>();
  for (int64_t y = 0; y < r.height; ++y)
    std::memcpy(target + y * r.width * 3, rgb.data() + ((y0 + y) * scaled_w + x0) * 3, r.width * 3);
}

}  // namespace

VideoInfo probe_video(const std::string& path) {
  OpenStream s = open_video_stream(path);
  const AVStream* stream = s.input->streams[s.stream_index];
  VideoInfo info;
  info.width = stream->codecpar->width;
  info.height = stream->codecpar->height;
  const AVRational rate = stream->avg_frame_rate.num ? stream->avg_frame_rate : stream->r_frame_rate;
  info.fps = rate.den ? av_q2d(rate) : 0.0;
  info.frames = count_packets(path);
  return info;
}

at::Tensor read_frames(const std::string& path, const FrameRequest& r) {
  if (r.num_frames < 1 || r.height < 1 || r.width < 1)
    throw Error(fmt::format("{}: invalid frame request {} x {} x {}", path, r.num_frames, r.height, r.width));
  const int64_t total = count_packets(path);
  if (total < r.num_frames) throw Error(fmt::format("{}: has {} frames, {} requested", path, total, r.num_frames));
  const std::set<int64_t> wanted = evenly_spaced(total, r.num_frames);

  OpenStream s = open_video_stream(path);
  CodecPtr decoder = open_decoder(s, path);
  PacketPtr packet(av_packet_alloc());
  FramePtr frame(av_frame_alloc());
  SwsPtr sws;
  at::Tensor out = at::empty({r.num_frames, r.height, r.width, 3}, at::kByte);
  int64_t index = 0, filled = 0;

  auto drain = [&] {
    while (filled < r.num_frames) {
      int rc = avcodec_receive_frame(decoder.get(), frame.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
      if (rc < 0) throw Error(fmt::format("{}: decoding frame {} failed: {}", path, index, av_error_text(rc)));
      if (wanted.count(index)) cover_and_crop(frame.get(), r, sws, out[filled++], path);
      ++index;
      av_frame_unref(frame.get());
    }
  };
  while (filled < r.num_frames && av_read_frame(s.input.get(), packet.get()) >= 0) {
    if (packet->stream_index == s.stream_index) {
      int rc = avcodec_send_packet(decoder.get(), packet.get());
      av_packet_unref(packet.get());
      if (rc < 0 && rc != AVERROR(EAGAIN))
        throw Error(fmt::format("{}: corrupt packet near frame {}: {}", path, index, av_error_text(rc)));
      drain();
    } else {
      av_packet_unref(packet.get());
    }
  }
  avcodec_send_packet(decoder.get(), nullptr);  // flush frames held back for reordering
  drain();
  if (filled < r.num_frames)
    throw Error(
        fmt::format("{}: decoded {} frames, the container announced {} ({} needed)", path, index, total, r.num_frames));
  return out;
}

at::Tensor frames_to_uint8_fhwc(const at::Tensor& frames) {
  if (frames.scalar_type() == at::kByte) {
    if (frames.dim() != 4 || frames.size(3) != 3) throw Error("uint8 frames must be [F, H, W, 3]");
    return frames.contiguous();
  }
  if (frames.dim() != 4 || frames.size(0) != 3) throw Error("floating frames must be [3, F, H, W] in [-1, 1]");
  return ((frames.detach().to(at::kFloat).clamp(-1, 1) + 1) * 127.5)
      .round()
      .to(at::kByte)
      .permute({1, 2, 3, 0})
      .contiguous();
}

}  // namespace finetrain
