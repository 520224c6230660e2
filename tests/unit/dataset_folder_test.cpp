#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "data/epoch_sampler.hpp"
#include "data/prompt_video_folder.hpp"
#include "finetrain/error.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace finetrain::host;

namespace {
void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

using finetrain::testing::error_of;
}  // namespace

TEST(PromptVideoFolderTest, PairsLinesAndSkipsMissingMedia) {
  const fs::path dir = finetrain::testing::make_temp_dir("folder-scan");
  write(dir / "prompts.txt", "one\ntwo\nthree\n\n");
  write(dir / "videos.txt", "a.mp4\nsub/b.mp4\nmissing.mp4\n/abs/none.mp4\n");
  fs::create_directories(dir / "sub");
  write(dir / "a.mp4", "x");
  write(dir / "sub/b.mp4", "x");
  EXPECT_EQ(error_of([&] { scan_prompt_video_folder(dir.string(), false); }),
            (dir / "prompts.txt").string() + " has 3 lines but " + (dir / "videos.txt").string() +
                " has 4: they must be line-aligned");
  // A blank caption is allowed (an unconditional sample); Windows line ends are accepted.
  write(dir / "prompts.txt", "a red fox\r\n  a blue bird \n\nfourth\n");
  FolderScan scan = scan_prompt_video_folder(dir.string(), false);
  ASSERT_EQ(scan.items.size(), 2u);
  EXPECT_EQ(scan.items[0].caption, "a red fox");
  EXPECT_EQ(scan.items[1].caption, "a blue bird");
  EXPECT_EQ(scan.items[1].media_path, (dir / "sub/b.mp4").string());
  EXPECT_EQ(scan.items[1].origin, (dir / "videos.txt").string() + ":2");
  ASSERT_EQ(scan.skipped.size(), 2u);
  EXPECT_EQ(scan.skipped[0],
            (dir / "videos.txt").string() + ":3: " + (dir / "missing.mp4").string() + " does not exist");
  EXPECT_EQ(error_of([&] { scan_prompt_video_folder(dir.string(), true); }), scan.skipped[0] + " (data.strict = true)");
  fs::remove_all(dir);
}

TEST(PromptVideoFolderTest, StructuralErrorsNameTheFile) {
  const fs::path dir = finetrain::testing::make_temp_dir("folder-bad");
  write(dir / "prompts.txt", "one\n");
  EXPECT_EQ(error_of([&] { scan_prompt_video_folder(dir.string(), false); }),
            (dir / "videos.txt").string() +
                ": missing; a dataset folder needs prompts.txt and videos.txt (one entry per line)");
  write(dir / "videos.txt", "   \n");
  write(dir / "prompts.txt", "x\n");
  EXPECT_EQ(error_of([&] { scan_prompt_video_folder(dir.string(), false); }),
            (dir / "videos.txt").string() + ":1: empty media path");
  fs::remove_all(dir);
}

TEST(EpochSamplerTest, EveryEpochIsAPermutationAndEpochsDiffer) {
  EpochSampler s(10, 3, 42, true);
  std::vector<int64_t> seen;
  for (int i = 0; i < 3; ++i)
    for (int64_t x : s.next_batch()) seen.push_back(x);
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 9u);  // drop_last: 1 sample left out
  EXPECT_EQ(s.position(), (DataPosition{0, 9}));
  s.next_batch();
  EXPECT_EQ(s.position(), (DataPosition{1, 3}));
  EXPECT_NE(s.epoch_order(0), s.epoch_order(1));
  EXPECT_EQ(EpochSampler(10, 3, 42, false).epoch_order(5), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(EpochSamplerTest, RestoringAPositionReplaysTheSameBatches) {
  EpochSampler a(7, 2, 9, true);
  std::vector<std::vector<int64_t>> reference;
  DataPosition mid;
  for (int i = 0; i < 12; ++i) {
    if (i == 5) mid = a.position();
    reference.push_back(a.next_batch());
  }
  EpochSampler b(7, 2, 9, true);
  b.restore(mid);
  for (int i = 5; i < 12; ++i) EXPECT_EQ(b.next_batch(), reference[i]) << i;
  EXPECT_THROW(EpochSampler(1, 2, 0, true), finetrain::Error);
  EXPECT_THROW(b.restore({0, 99}), finetrain::Error);
}
