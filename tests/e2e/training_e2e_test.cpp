// The main job end to end: configs/quickstart.toml on a generated dataset with the real binary,
// plugins and FFmpeg — outputs, overfitting, exact resume after kill -9, kills during a checkpoint
// write, SIGTERM, and refusal of incompatible checkpoints.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "e2e_run.hpp"
#include "finetrain/safetensors.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace finetrain::testing;

namespace {

constexpr int kTimeout = 600;

// The settings every test shares: short, deterministic at a fixed thread count.
E2eRun short_run(const std::string& tag, int64_t steps) {
  E2eRun run;
  run.output_dir = make_temp_dir(tag);
  run.sets = {"training.max_steps=" + std::to_string(steps),
              "runtime.threads=2",
              "checkpoints.every_steps=5",
              "checkpoints.keep_last=0",
              "validation.every_steps=0",
              "validation.prompts=[]"};
  return run;
}

int run_to_end(const E2eRun& run, const std::string& extra = "") {
  pid_t pid = spawn(run.command(extra), run.output_dir + "/stdout.log");
  return wait_for(pid, kTimeout);
}

std::string log_of(const E2eRun& run) { return read_file(run.output_dir + "/stdout.log"); }

int64_t logged_steps(const std::string& output_dir) {
  std::ifstream in(fs::path(output_dir) / "train_log.jsonl");
  return std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n');
}

// The uninterrupted 30-step run the resume tests compare with (computed once).
const E2eRun& reference_run() {
  static const E2eRun run = [] {
    E2eRun r = short_run("e2e-reference", 30);
    const int rc = run_to_end(r);
    if (rc != 0) throw std::runtime_error("reference run failed:\n" + log_of(r));
    return r;
  }();
  return run;
}

void expect_same_losses_and_lora(const E2eRun& resumed) {
  const auto expected = logged_losses(reference_run().output_dir);
  const auto actual = logged_losses(resumed.output_dir);
  ASSERT_EQ(actual.size(), expected.size());
  for (const auto& [step, loss] : expected) EXPECT_EQ(actual.at(step), loss) << "step " << step;  // bit for bit
  for (const char* file : {"lora_weights.safetensors", "lora_weights_comfy.safetensors"})         // byte for byte
    EXPECT_TRUE(read_file(resumed.output_dir + "/" + file) == read_file(reference_run().output_dir + "/" + file))
        << file;
}

std::string probe(const std::string& path) {
  std::string out;
  run_command(
      "ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames,width,height "
      "-of csv=p=0 '" +
          path + "'",
      &out, 60);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

TEST(TrainingE2eTest, QuickstartWritesEveryOutput) {
  E2eRun run = short_run("e2e-outputs", 10);
  run.sets.push_back(R"(validation.prompts=[{prompt="a red square", num_inference_steps=3, seed=1}])");
  ASSERT_EQ(run_to_end(run), 0) << log_of(run);

  // LoRA files: exactly the keys diffusers' LTX pipeline loads, and the same under ComfyUI's prefix.
  const int64_t layers = 4, rank = 16, width = 256;  // the tiny preset
  std::set<std::string> expected, expected_comfy;
  for (int64_t i = 0; i < layers; ++i)
    for (const char* attn : {"attn1", "attn2"})
      for (const char* proj : {"to_q", "to_k", "to_v", "to_out.0"})
        for (const char* factor : {"lora_A", "lora_B"}) {
          const std::string module = "transformer_blocks." + std::to_string(i) + "." + attn + "." + proj;
          expected.insert("transformer." + module + "." + factor + ".weight");
          expected_comfy.insert("diffusion_model." + module + "." + factor + ".weight");
        }
  auto lora = finetrain::safetensors::File::open(run.output_dir + "/lora_weights.safetensors");
  auto comfy = finetrain::safetensors::File::open(run.output_dir + "/lora_weights_comfy.safetensors");
  std::set<std::string> keys, comfy_keys;
  for (const auto& t : lora->tensors()) {
    keys.insert(t.name);
    const bool is_a = t.name.find(".lora_A.") != std::string::npos;
    EXPECT_EQ(t.shape, is_a ? std::vector<int64_t>({rank, width}) : std::vector<int64_t>({width, rank})) << t.name;
  }
  for (const auto& t : comfy->tensors()) comfy_keys.insert(t.name);
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(comfy_keys, expected_comfy);
  EXPECT_EQ(lora->metadata().at("finetrain.model"), "ltx-video");

  // Validation video: the configured frame count and size.
  EXPECT_EQ(probe(run.output_dir + "/validation_samples/step_10_0.mp4"), "192,128,25");
  // Checkpoints with their per-checkpoint LoRA exports, the log, the resolved config.
  for (const char* file : {"checkpoints/step_5/trainable.safetensors", "checkpoints/step_10/optimizer.safetensors",
                           "checkpoints/step_10/lora_weights.safetensors", "checkpoints/step_10/state.json",
                           "training_config.toml", "finetrain.log"})
    EXPECT_TRUE(fs::exists(run.output_dir + "/" + file)) << file;
  EXPECT_EQ(logged_steps(run.output_dir), 10);
  fs::remove_all(run.output_dir);
}

TEST(TrainingE2eTest, OverfittingOneClipCutsTheLossTenfold) {
  // A dataset of one clip, trained on repeatedly with the full denoiser.
  const std::string data = make_temp_dir("e2e-one-clip");
  fs::copy(quickstart_dataset(), data, fs::copy_options::recursive);
  { std::ofstream(data + "/prompts.txt") << "a colorful mandelbrot fractal zooming in slowly\n"; }
  { std::ofstream(data + "/videos.txt") << "videos/mandelbrot.mp4\n"; }
  E2eRun run = short_run("e2e-overfit", 400);
  run.sets.push_back("data.path=" + data);
  run.sets.push_back("sft.mode=full");
  run.sets.push_back("optimizer.learning_rate=2e-3");
  run.sets.push_back("checkpoints.every_steps=0");
  ASSERT_EQ(run_to_end(run), 0) << log_of(run);
  const auto losses = logged_losses(run.output_dir);
  ASSERT_EQ(losses.size(), 400u);
  double first = 0, last = 0;
  for (int64_t s = 1; s <= 20; ++s) first += losses.at(s) / 20;
  for (int64_t s = 381; s <= 400; ++s) last += losses.at(s) / 20;
  EXPECT_GE(first / last, 10.0) << "mean loss of steps 1-20: " << first << ", of steps 381-400: " << last;
  fs::remove_all(run.output_dir);
  fs::remove_all(data);
}

// ctest runs every test in its own process: both kill scenarios share one reference run here.
TEST(TrainingE2eTest, KilledRunsResumeBitForBit) {
  const E2eRun& reference = reference_run();
  ASSERT_EQ(logged_steps(reference.output_dir), 30);
  {
    SCOPED_TRACE("kill -9 at a random step");
    E2eRun run = short_run("e2e-kill", 30);
    std::mt19937 random(std::random_device{}());
    const int64_t kill_after = std::uniform_int_distribution<int64_t>(7, 27)(random);
    pid_t pid = spawn(run.command(), run.output_dir + "/stdout.log");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kTimeout);
    while (logged_steps(run.output_dir) < kill_after && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    kill(-pid, SIGKILL);
    wait_for(pid, 30);
    SCOPED_TRACE("killed after step " + std::to_string(logged_steps(run.output_dir)));
    ASSERT_EQ(run_to_end(run, "--resume latest"), 0) << log_of(run);
    expect_same_losses_and_lora(run);
    fs::remove_all(run.output_dir);
  }
  SCOPED_TRACE("kill -9 while a checkpoint is being written");
  // Kill the moment a checkpoint after step 5 starts being written; retry if the write won the race.
  for (int attempt = 0; attempt < 8; ++attempt) {
    E2eRun run = short_run("e2e-kill-write", 30);
    const fs::path checkpoints = fs::path(run.output_dir) / "checkpoints";
    pid_t pid = spawn(run.command(), run.output_dir + "/stdout.log");
    const std::regex in_progress(R"(\.incomplete-step_(\d+)-.*)");
    std::string caught;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kTimeout);
    while (caught.empty() && std::chrono::steady_clock::now() < deadline) {
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(checkpoints, ec)) {
        std::smatch m;
        const std::string name = e.path().filename().string();
        if (std::regex_match(name, m, in_progress) && std::stoll(m[1]) > 5) caught = name;
      }
    }
    kill(-pid, SIGKILL);
    wait_for(pid, 30);
    ASSERT_FALSE(caught.empty()) << "no checkpoint write seen";
    if (!fs::exists(checkpoints / caught)) {  // the write finished before the kill landed
      fs::remove_all(run.output_dir);
      continue;
    }
    // The half-written checkpoint is ignored; the newest complete one is used.
    ASSERT_EQ(run_to_end(run, "--resume latest"), 0) << log_of(run);
    EXPECT_NE(log_of(run).find("removing incomplete checkpoint"), std::string::npos) << log_of(run);
    expect_same_losses_and_lora(run);
    fs::remove_all(run.output_dir);
    return;
  }
  GTEST_FAIL() << "every kill landed after the checkpoint write finished";
}

TEST(TrainingE2eTest, ValidationDoesNotChangeTheTrainingStream) {
  E2eRun run = short_run("e2e-validation-stream", 10);
  run.sets.push_back("validation.every_steps=3");
  run.sets.push_back(R"(validation.prompts=[{prompt="a red square", num_inference_steps=2, seed=1}])");
  ASSERT_EQ(run_to_end(run), 0) << log_of(run);
  EXPECT_TRUE(fs::exists(run.output_dir + "/validation_samples/step_9_0.mp4"));
  // The schedule (constant after warm-up) and the data order do not depend on max_steps, so the first
  // ten steps of the validation-free reference must be these, bit for bit.
  const auto expected = logged_losses(reference_run().output_dir);
  const auto actual = logged_losses(run.output_dir);
  ASSERT_EQ(actual.size(), 10u);
  for (const auto& [step, loss] : actual) EXPECT_EQ(loss, expected.at(step)) << "step " << step;
  fs::remove_all(run.output_dir);
}

TEST(TrainingE2eTest, SigtermFinishesTheStepWritesACheckpointAndExitsZero) {
  E2eRun run = short_run("e2e-sigterm", 200);
  pid_t pid = spawn(run.command(), run.output_dir + "/stdout.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kTimeout);
  while (logged_steps(run.output_dir) < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // Signal finetrain itself (the group's other member is the shell around it).
  std::string pids;
  run_command("pgrep -g " + std::to_string(pid) + " -x finetrain", &pids, 10);
  ASSERT_FALSE(pids.empty());
  kill(std::stoi(pids), SIGTERM);
  ASSERT_EQ(wait_for(pid, 120), 0) << log_of(run);
  const int64_t last = logged_steps(run.output_dir);
  EXPECT_LT(last, 200);
  EXPECT_TRUE(fs::exists(run.output_dir + "/checkpoints/step_" + std::to_string(last) + "/state.json")) << log_of(run);
  EXPECT_NE(log_of(run).find("resume with --resume latest"), std::string::npos);
  fs::remove_all(run.output_dir);
}

TEST(TrainingE2eTest, ResumeRefusesACheckpointOfAnotherConfiguration) {
  E2eRun run = short_run("e2e-incompatible", 5);
  ASSERT_EQ(run_to_end(run), 0) << log_of(run);
  run.sets.push_back("lora.rank=8");
  run.sets.push_back("training.max_steps=10");
  EXPECT_EQ(run_to_end(run, "--resume latest"), 1);
  const std::string log = log_of(run);
  EXPECT_NE(log.find("it was written with a different configuration"), std::string::npos) << log;
  EXPECT_NE(log.find("lora.rank: checkpoint 16, now 8"), std::string::npos) << log;
  EXPECT_EQ(log.find("training.max_steps:"), std::string::npos) << log;  // allowed to change
  fs::remove_all(run.output_dir);
}
