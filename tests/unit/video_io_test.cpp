#include "finetrain/video_io.hpp"

#include <ATen/TensorOperators.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/zeros.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "finetrain/error.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using finetrain::testing::run_command;

namespace {

// A clip whose frame i is filled with gray level 10 * i: frame identity survives encoding.
std::string make_numbered_clip(const std::string& dir, int frames, int w, int h) {
  std::string path = dir + "/numbered.mp4";
  at::Tensor t = at::zeros({frames, h, w, 3}, at::kByte);
  for (int i = 0; i < frames; ++i) t[i].fill_(10 * i);
  finetrain::write_mp4(path, t, 24.0);
  return path;
}

std::string probe(const std::string& path, const std::string& entries) {
  std::string out;
  run_command("ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=" + entries +
                  " -of csv=p=0 '" + path + "'",
              &out, 60);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace

TEST(VideoIoTest, Mp4KeepsEveryFrameAndSize) {
  const std::string dir = finetrain::testing::make_temp_dir("video-mp4");
  const std::string path = make_numbered_clip(dir, 9, 64, 48);
  EXPECT_EQ(probe(path, "nb_read_frames,width,height,codec_name"), "h264,64,48,9");
  auto info = finetrain::probe_video(path);
  EXPECT_EQ(info.frames, 9);
  EXPECT_EQ(info.width, 64);
  EXPECT_EQ(info.height, 48);
  EXPECT_NEAR(info.fps, 24.0, 1e-6);
  fs::remove_all(dir);
}

TEST(VideoIoTest, ReadFramesSamplesEvenlyIncludingFirstAndLast) {
  const std::string dir = finetrain::testing::make_temp_dir("video-read");
  const std::string path = make_numbered_clip(dir, 9, 64, 48);
  at::Tensor frames = finetrain::read_frames(path, {5, 48, 64});
  ASSERT_EQ(frames.sizes(), (std::vector<int64_t>{5, 48, 64, 3}));
  // Frames 0, 2, 4, 6, 8 -> gray 0, 20, 40, 60, 80 (H.264 at crf 18 keeps flat gray within a few levels).
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(frames[i].to(at::kFloat).mean().item<float>(), 20.0f * i, 3.0f) << i;
  fs::remove_all(dir);
}

TEST(VideoIoTest, CoverResizeThenCenterCrop) {
  const std::string dir = finetrain::testing::make_temp_dir("video-crop");
  // Left half black, right half white, 128x32: cropping a 32x32 center after cover-resizing to
  // height 32 keeps the middle columns, so the boundary sits in the middle of the crop.
  at::Tensor t = at::zeros({1, 32, 128, 3}, at::kByte);
  t.narrow(2, 64, 64).fill_(255);
  const std::string path = dir + "/halves.mp4";
  finetrain::write_mp4(path, t.repeat({2, 1, 1, 1}), 24.0);
  at::Tensor f = finetrain::read_frames(path, {1, 32, 32}).to(at::kFloat);
  EXPECT_LT(f[0].narrow(1, 0, 12).mean().item<float>(), 20.0f);
  EXPECT_GT(f[0].narrow(1, 20, 12).mean().item<float>(), 235.0f);
  fs::remove_all(dir);
}

TEST(VideoIoTest, ImagesAreOneFrameVideos) {
  const std::string dir = finetrain::testing::make_temp_dir("video-image");
  std::string out;
  ASSERT_EQ(run_command("ffmpeg -v error -f lavfi -i testsrc2=size=80x60:rate=1 -frames:v 1 '" + dir + "/a.png'", &out, 60), 0) << out;
  at::Tensor f = finetrain::read_frames(dir + "/a.png", {1, 30, 40});
  EXPECT_EQ(f.sizes(), (std::vector<int64_t>{1, 30, 40, 3}));
  EXPECT_THROW(finetrain::read_frames(dir + "/a.png", {2, 30, 40}), finetrain::Error);
  fs::remove_all(dir);
}

TEST(VideoIoTest, CorruptAndMissingFilesNameTheFile) {
  const std::string dir = finetrain::testing::make_temp_dir("video-bad");
  std::ofstream(dir + "/junk.mp4") << "this is not a video";
  try {
    finetrain::read_frames(dir + "/junk.mp4", {1, 8, 8});
    FAIL();
  } catch (const finetrain::Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/junk.mp4: "), std::string::npos) << e.what();
  }
  EXPECT_THROW(finetrain::probe_video(dir + "/missing.mp4"), finetrain::Error);
  fs::remove_all(dir);
}

TEST(VideoIoTest, FloatFramesInModelLayoutAndGif) {
  const std::string dir = finetrain::testing::make_temp_dir("video-gif");
  at::Tensor pixels = at::arange(3 * 4 * 16 * 16, at::kFloat).reshape({3, 4, 16, 16}) / (3 * 4 * 16 * 16) * 2 - 1;
  finetrain::write_gif(dir + "/a.gif", pixels, 10.0);
  EXPECT_EQ(probe(dir + "/a.gif", "nb_read_frames,width,height,codec_name"), "gif,16,16,4");
  EXPECT_THROW(finetrain::write_mp4(dir + "/odd.mp4", at::zeros({1, 15, 16, 3}, at::kByte), 24), finetrain::Error);
  fs::remove_all(dir);
}
