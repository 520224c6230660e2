#include "finetrain/state_dict.hpp"

#include <ATen/core/Tensor.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>
#include <torch/nn/module.h>

#include <algorithm>
#include <set>

#include "finetrain/error.hpp"
#include "finetrain/safetensors.hpp"

namespace finetrain {

TensorSource TensorSource::from_map(const TensorMap& map) {
  TensorSource s;
  for (const auto& [name, t] : map) s.names.push_back(name);
  auto shared = std::make_shared<TensorMap>(map);
  s.get = [shared](const std::string& name) { return shared->at(name); };
  return s;
}

TensorSource TensorSource::from_checkpoint(const std::string& path) {
  auto checkpoint = safetensors::Checkpoint::open(path);
  TensorSource s;
  s.names = checkpoint->names();
  s.get = [checkpoint](const std::string& name) { return checkpoint->tensor(name); };
  return s;
}

TensorSource TensorSource::renamed(const std::function<std::string(const std::string&)>& rename) const {
  auto to_old = std::make_shared<std::map<std::string, std::string>>();
  TensorSource s;
  for (const auto& old_name : names) {
    std::string new_name = rename(old_name);
    if (new_name.empty()) continue;
    if (!to_old->emplace(new_name, old_name).second)
      throw Error(fmt::format("keys '{}' and '{}' both map to '{}'", to_old->at(new_name), old_name, new_name));
    s.names.push_back(new_name);
  }
  auto inner = get;
  s.get = [inner, to_old](const std::string& name) { return inner(to_old->at(name)); };
  return s;
}

TensorSource TensorSource::with_prefix_removed(const std::string& prefix) const {
  return renamed([&prefix](const std::string& name) {
    return name.compare(0, prefix.size(), prefix) == 0 ? name.substr(prefix.size()) : std::string();
  });
}

std::string LoadReport::describe() const {
  std::string out = fmt::format("{} missing, {} unexpected, {} shape mismatches", missing.size(), unexpected.size(),
                                mismatched.size());
  auto list = [&out](const char* title, const std::vector<std::string>& names) {
    if (names.empty()) return;
    out += fmt::format("\n  {}:", title);
    for (size_t i = 0; i < std::min<size_t>(names.size(), 20); ++i) out += "\n    " + names[i];
    if (names.size() > 20) out += fmt::format("\n    ... and {} more", names.size() - 20);
  };
  list("missing (in the model, not in the checkpoint)", missing);
  list("unexpected (in the checkpoint, not in the model)", unexpected);
  list("shape mismatches", mismatched);
  return out;
}

TensorMap module_state(const torch::nn::Module& module) {
  TensorMap out;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) out.emplace(item.key(), item.value());
  for (const auto& item : module.named_buffers(/*recurse=*/true)) out.emplace(item.key(), item.value());
  return out;
}

namespace {
std::string shape_text(at::IntArrayRef sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "]";
}
}  // namespace

LoadReport load_state(torch::nn::Module& module, const TensorSource& source, bool strict, const std::string& label) {
  TensorMap targets = module_state(module);
  std::set<std::string> available(source.names.begin(), source.names.end());
  LoadReport report;
  c10::AutoGradMode no_grad(false);
  for (auto& [name, target] : targets) {
    if (!available.count(name)) {
      report.missing.push_back(name);
      continue;
    }
    // One tensor at a time: the source is usually a memory map, so peak memory stays ~ one tensor.
    at::Tensor value = source.get(name);
    if (value.sizes() != target.sizes()) {
      report.mismatched.push_back(fmt::format("{}: checkpoint {}, model {}", name, shape_text(value.sizes()),
                                              shape_text(target.sizes())));
      continue;
    }
    target.copy_(value);
  }
  for (const auto& name : source.names)
    if (!targets.count(name)) report.unexpected.push_back(name);
  if (strict && !report.ok()) throw Error(fmt::format("{}: state dict does not match: {}", label, report.describe()));
  return report;
}

}  // namespace finetrain
