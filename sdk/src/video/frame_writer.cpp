// Encoding RGB frames into a container: one writer, parameterised by format and codec, serves mp4
// (libx264) and GIF.
#include <fmt/format.h>

extern "C" {
#include <libavutil/opt.h>
}

#include <cmath>
#include <cstring>
#include <functional>
#include <map>

#include "finetrain/error.hpp"
#include "finetrain/video_io.hpp"
#include "video/ffmpeg_util.hpp"

namespace finetrain {
namespace {

using namespace video;

struct EncoderSpec {
  const char* container;  // "mp4", "gif"
  const char* encoder;    // "libx264", "gif"
  AVPixelFormat pixel_format;
  AVRational time_base;
  // Presentation time (in time_base units) of frame i.
  std::function<int64_t(int64_t i)> pts;
  std::function<void(AVCodecContext*)> configure;
};

struct OutputCloser {
  void operator()(AVFormatContext* c) const {
    if (c->pb) avio_closep(&c->pb);
    avformat_free_context(c);
  }
};

void write_video(const std::string& path, const at::Tensor& frames_in, const EncoderSpec& spec) {
  const at::Tensor frames = frames_to_uint8_fhwc(frames_in);
  const int64_t count = frames.size(0), height = frames.size(1), width = frames.size(2);
  if (count == 0) throw Error(fmt::format("{}: no frames to write", path));

  AVFormatContext* raw = nullptr;
  if (int rc = avformat_alloc_output_context2(&raw, nullptr, spec.container, path.c_str()); rc < 0 || !raw)
    throw Error(fmt::format("{}: cannot create a {} container: {}", path, spec.container, av_error_text(rc)));
  std::unique_ptr<AVFormatContext, OutputCloser> output(raw);

  const AVCodec* codec = avcodec_find_encoder_by_name(spec.encoder);
  if (!codec) throw Error(fmt::format("{}: this FFmpeg has no {} encoder", path, spec.encoder));
  AVStream* stream = avformat_new_stream(output.get(), nullptr);
  CodecPtr encoder(avcodec_alloc_context3(codec));
  if (!stream || !encoder) throw Error(fmt::format("{}: out of memory", path));
  encoder->width = static_cast<int>(width);
  encoder->height = static_cast<int>(height);
  encoder->pix_fmt = spec.pixel_format;
  encoder->time_base = spec.time_base;
  encoder->thread_count = 1;  // byte-identical output for identical input
  if (output->oformat->flags & AVFMT_GLOBALHEADER) encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if (spec.configure) spec.configure(encoder.get());
  if (int rc = avcodec_open2(encoder.get(), codec, nullptr); rc < 0)
    throw Error(fmt::format("{}: cannot open the {} encoder ({}x{}): {}", path, spec.encoder, width, height,
                            av_error_text(rc)));
  avcodec_parameters_from_context(stream->codecpar, encoder.get());
  stream->time_base = encoder->time_base;
  if (int rc = avio_open(&output->pb, path.c_str(), AVIO_FLAG_WRITE); rc < 0)
    throw Error(fmt::format("{}: cannot open for writing: {}", path, av_error_text(rc)));
  if (int rc = avformat_write_header(output.get(), nullptr); rc < 0)
    throw Error(fmt::format("{}: cannot write the header: {}", path, av_error_text(rc)));

  std::map<int64_t, int64_t> durations;  // presentation time -> duration of that frame
  for (int64_t i = 0; i < count; ++i) durations[spec.pts(i)] = std::max<int64_t>(1, spec.pts(i + 1) - spec.pts(i));

  PacketPtr packet(av_packet_alloc());
  auto drain = [&] {
    for (;;) {
      int rc = avcodec_receive_packet(encoder.get(), packet.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
      if (rc < 0) throw Error(fmt::format("{}: encoding failed: {}", path, av_error_text(rc)));
      // The muxer needs each packet's duration; without it the mp4 drops the last frame.
      if (packet->duration <= 0) {
        auto it = durations.find(packet->pts);
        packet->duration = it == durations.end() ? 1 : it->second;
      }
      av_packet_rescale_ts(packet.get(), encoder->time_base, stream->time_base);
      packet->stream_index = stream->index;
      if (int wrc = av_interleaved_write_frame(output.get(), packet.get()); wrc < 0)
        throw Error(fmt::format("{}: writing a packet failed: {}", path, av_error_text(wrc)));
    }
  };

  FramePtr frame(av_frame_alloc());
  frame->format = spec.pixel_format;
  frame->width = static_cast<int>(width);
  frame->height = static_cast<int>(height);
  if (int rc = av_frame_get_buffer(frame.get(), 0); rc < 0)
    throw Error(fmt::format("{}: cannot allocate a frame: {}", path, av_error_text(rc)));
  SwsPtr sws(sws_getContext(static_cast<int>(width), static_cast<int>(height), AV_PIX_FMT_RGB24,
                            static_cast<int>(width), static_cast<int>(height), spec.pixel_format,
                            SWS_BICUBIC | SWS_ACCURATE_RND, nullptr, nullptr, nullptr));
  if (!sws) throw Error(fmt::format("{}: cannot convert RGB to the encoder's pixel format", path));
  for (int64_t i = 0; i < count; ++i) {
    av_frame_make_writable(frame.get());
    // sws_scale reads four plane pointers and strides whatever the format (see frame_reader.cpp).
    const uint8_t* src[4] = {frames[i].data_ptr<uint8_t>(), nullptr, nullptr, nullptr};
    int src_stride[4] = {static_cast<int>(width * 3), 0, 0, 0};
    sws_scale(sws.get(), src, src_stride, 0, static_cast<int>(height), frame->data, frame->linesize);
    frame->pts = spec.pts(i);
    if (int rc = avcodec_send_frame(encoder.get(), frame.get()); rc < 0)
      throw Error(fmt::format("{}: encoding frame {} failed: {}", path, i, av_error_text(rc)));
    drain();
  }
  avcodec_send_frame(encoder.get(), nullptr);
  drain();
  if (int rc = av_write_trailer(output.get()); rc < 0)
    throw Error(fmt::format("{}: cannot finish the file: {}", path, av_error_text(rc)));
}

}  // namespace

void write_mp4(const std::string& path, const at::Tensor& frames, double fps) {
  if (!(fps > 0)) throw Error(fmt::format("{}: frame rate must be positive, got {}", path, fps));
  const AVRational rate = av_d2q(fps, 100000);
  EncoderSpec spec{"mp4",
                   "libx264",
                   AV_PIX_FMT_YUV420P,
                   av_inv_q(rate),
                   [](int64_t i) { return i; },
                   [rate](AVCodecContext* c) {
                     c->framerate = rate;
                     c->gop_size = 12;
                     av_opt_set(c->priv_data, "preset", "medium", 0);
                     av_opt_set(c->priv_data, "crf", "18", 0);
                   }};
  const at::Tensor u8 = frames_to_uint8_fhwc(frames);
  if (u8.size(1) % 2 || u8.size(2) % 2)
    throw Error(fmt::format("{}: H.264 (yuv420p) needs even sizes, got {}x{}", path, u8.size(2), u8.size(1)));
  write_video(path, u8, spec);
}

void write_gif(const std::string& path, const at::Tensor& frames, double fps) {
  if (!(fps > 0)) throw Error(fmt::format("{}: frame rate must be positive, got {}", path, fps));
  // GIF delays are centiseconds; rounding the presentation times keeps the average rate exact.
  EncoderSpec spec{
      "gif",
      "gif",
      AV_PIX_FMT_RGB8,
      AVRational{1, 100},
      [fps](int64_t i) { return static_cast<int64_t>(std::llround(static_cast<double>(i) * 100.0 / fps)); },
      nullptr};
  write_video(path, frames, spec);
}

}  // namespace finetrain
