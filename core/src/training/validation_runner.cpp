#include "training/validation_runner.hpp"

#include <c10/core/GradMode.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/nn/module.h>

#include <chrono>
#include <filesystem>

#include "finetrain/video_io.hpp"
#include "training/rng_streams.hpp"

namespace finetrain::host {

std::vector<std::string> run_validation(const PluginObject<ModelSpec>& model,
                                        const std::vector<ValidationPrompt>& prompts, int64_t step,
                                        const std::string& output_dir, bool gif) {
  std::vector<std::string> written;
  if (prompts.empty()) return written;
  const auto dir = std::filesystem::path(output_dir) / "validation_samples";
  std::filesystem::create_directories(dir);
  DefaultRngIsolation rng;
  c10::AutoGradMode no_grad(false);
  const double default_fps = model.call("traits", [](ModelSpec& m) { return m.traits().default_frame_rate; });
  model.call("load", [](ModelSpec& m) { m.load(kTextEncoder | kVae); });
  torch::nn::Module& denoiser = model.call("denoiser", [](ModelSpec& m) -> torch::nn::Module& { return m.denoiser(); });
  denoiser.eval();
  for (size_t i = 0; i < prompts.size(); ++i) {
    SampleRequest request = prompts[i].request;
    if (request.frame_rate <= 0) request.frame_rate = default_fps;
    const auto start = std::chrono::steady_clock::now();
    at::Tensor pixels = model.call("sample", [&](ModelSpec& m) { return m.sample(request); });
    const std::string base = (dir / fmt::format("step_{}_{}", step, i)).string();
    write_mp4(base + ".mp4", pixels[0], request.frame_rate);
    written.push_back(base + ".mp4");
    if (gif) {
      write_gif(base + ".gif", pixels[0], request.frame_rate);
      written.push_back(base + ".gif");
    }
    spdlog::info("validation {} \"{}\": {} ({:.1f} s)", i, prompts[i].label, base + ".mp4",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  denoiser.train();
  model.call("release", [](ModelSpec& m) { m.release(kTextEncoder | kVae); });
  return written;
}

}  // namespace finetrain::host
