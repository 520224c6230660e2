#include "training/checkpoint_store.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "test_support.hpp"

namespace fs = std::filesystem;
using finetrain::host::CheckpointStore;

namespace {
void write_file(const std::string& dir, const std::string& name, const std::string& text) {
  std::ofstream(fs::path(dir) / name) << text;
}
std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
}  // namespace

TEST(CheckpointStoreTest, SavesAtomicallyAndRotates) {
  const std::string root = finetrain::testing::make_temp_dir("ckpt-rotate");
  CheckpointStore store(root + "/checkpoints", 2);
  EXPECT_FALSE(store.latest().has_value());
  for (int step : {10, 20, 30}) store.save(step, [&](const std::string& d) { write_file(d, "a.txt", std::to_string(step)); });
  EXPECT_EQ(store.steps(), (std::vector<int64_t>{20, 30}));
  EXPECT_EQ(read_file(*store.latest() + "/a.txt"), "30");
  // Saving a step again replaces it.
  store.save(30, [&](const std::string& d) { write_file(d, "a.txt", "again"); });
  EXPECT_EQ(read_file(store.path_for(30) + "/a.txt"), "again");
  fs::remove_all(root);
}

TEST(CheckpointStoreTest, AWriterKilledMidSaveLeavesThePreviousCheckpointAsLatest) {
  const std::string root = finetrain::testing::make_temp_dir("ckpt-kill");
  CheckpointStore store(root + "/checkpoints", 0);
  store.save(1, [&](const std::string& d) { write_file(d, "w", "one"); });

  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    CheckpointStore inner(root + "/checkpoints", 0);
    inner.save(2, [&](const std::string& d) {
      write_file(d, "w", "partial");
      raise(SIGKILL);  // dies in the middle of writing step 2
    });
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));

  EXPECT_EQ(store.steps(), (std::vector<int64_t>{1}));
  EXPECT_EQ(read_file(*store.latest() + "/w"), "one");
  size_t leftovers = 0;
  for (const auto& e : fs::directory_iterator(root + "/checkpoints")) leftovers += e.path().filename().string()[0] == '.';
  EXPECT_EQ(leftovers, 1u);
  store.remove_incomplete();
  leftovers = 0;
  for (const auto& e : fs::directory_iterator(root + "/checkpoints")) leftovers += e.path().filename().string()[0] == '.';
  EXPECT_EQ(leftovers, 0u);
  fs::remove_all(root);
}
