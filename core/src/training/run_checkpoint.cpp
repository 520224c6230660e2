#include "training/run_checkpoint.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/toml_reader.hpp"
#include "config/validation.hpp"
#include "finetrain/build_config.h"
#include "finetrain/error.hpp"
#include "finetrain/safetensors.hpp"
#include "training/checkpoint_store.hpp"

namespace finetrain::host {
namespace {

namespace fs = std::filesystem;

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw Error(fmt::format("{}: write failed", path.string()));
}

TensorMap load_all(const fs::path& path) {
  if (!fs::exists(path)) throw Error(fmt::format("{}: missing from the checkpoint", path.string()));
  return safetensors::load(path.string());
}

}  // namespace

void write_run_checkpoint(const std::string& directory, const RunCheckpoint& c, const std::string& resolved_config_toml) {
  const fs::path dir(directory);
  safetensors::save((dir / "trainable.safetensors").string(), c.trainable);
  safetensors::save((dir / "optimizer.safetensors").string(), c.optimizer);
  safetensors::save((dir / "rng.safetensors").string(), c.rng);
  nlohmann::json state;
  state["step"] = c.progress.step;
  state["data_epoch"] = c.progress.data.epoch;
  state["data_offset"] = c.progress.data.offset;
  state["bad_steps"] = c.progress.bad_steps;
  state["model"] = c.model;
  state["trainer"] = c.trainer;
  state["finetrain_version"] = FT_SDK_VERSION;
  write_text(dir / "state.json", state.dump(2) + "\n");
  write_text(dir / "training_config.toml", resolved_config_toml);
}

RunCheckpoint read_run_checkpoint(const std::string& directory) {
  const fs::path dir(directory);
  if (!fs::is_directory(dir)) throw Error(fmt::format("{}: no such checkpoint directory", directory));
  RunCheckpoint c;
  std::ifstream in(dir / "state.json");
  if (!in) throw Error(fmt::format("{}: missing from the checkpoint", (dir / "state.json").string()));
  nlohmann::json state;
  try {
    state = nlohmann::json::parse(in);
    c.progress.step = state.at("step").get<int64_t>();
    c.progress.data = {state.at("data_epoch").get<int64_t>(), state.at("data_offset").get<int64_t>()};
    c.progress.bad_steps = state.at("bad_steps").get<int64_t>();
    c.model = state.at("model").get<std::string>();
    c.trainer = state.at("trainer").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: not a finetrain checkpoint state: {}", (dir / "state.json").string(), e.what()));
  }
  c.trainable = load_all(dir / "trainable.safetensors");
  c.optimizer = load_all(dir / "optimizer.safetensors");
  c.rng = load_all(dir / "rng.safetensors");
  return c;
}

bool may_change_on_resume(const std::string& key) {
  for (const char* prefix : {"checkpoints.", "validation.", "runtime.", "attention."})
    if (key.rfind(prefix, 0) == 0) return true;
  return key == "training.max_steps" || key == "output_dir" || key == "data.strict";
}

void check_resume_compatible(const std::string& directory, const Options& current, const ConfigSchema& schema) {
  const std::string path = (fs::path(directory) / "training_config.toml").string();
  if (!fs::exists(path)) throw Error(fmt::format("{}: missing from the checkpoint", path));
  const Options stored = validate_config(schema, read_toml_file(path), path);
  std::vector<std::string> differences;
  auto value_of = [](const Options& o, const std::string& key) {
    return o.has(key) ? to_toml_literal(o.get(key)) : std::string("(unset)");
  };
  for (const OptionSpec& spec : schema.keys()) {
    if (may_change_on_resume(spec.key)) continue;
    const std::string before = value_of(stored, spec.key), now = value_of(current, spec.key);
    if (before != now) differences.push_back(fmt::format("  {}: checkpoint {}, now {}", spec.key, before, now));
  }
  if (differences.empty()) return;
  std::string text;
  for (const auto& d : differences) text += "\n" + d;
  throw Error(fmt::format("cannot resume from {}: it was written with a different configuration:{}\n(keys under "
                          "checkpoints., validation., runtime., attention. and training.max_steps, output_dir, "
                          "data.strict may change on resume)",
                          directory, text));
}

std::string resolve_resume_path(const std::string& resume, const std::string& checkpoints_dir) {
  if (resume != "latest") return resume;
  CheckpointStore store(checkpoints_dir, 0);
  auto latest = store.latest();
  if (!latest) throw Error(fmt::format("--resume latest: no complete checkpoint in {}", checkpoints_dir));
  return *latest;
}

}  // namespace finetrain::host
