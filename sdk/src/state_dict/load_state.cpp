// Loading a module's parameters and buffers from a TensorSource, one tensor at a time.
#include <ATen/core/Tensor.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/nn/module.h>

#include <algorithm>
#include <set>

#include "finetrain/error.hpp"
#include "finetrain/state_dict.hpp"

namespace finetrain {
namespace {

// copy_ casts between any two dtypes; only casts within one kind of number keep the values' meaning.
const char* number_kind(c10::ScalarType type) {
  if (type == c10::ScalarType::Bool) return "bool";
  if (c10::isComplexType(type)) return "complex";
  if (c10::isFloatingType(type)) return "floating point";
  return "integer";
}

std::string shape_text(at::IntArrayRef sizes) { return fmt::format("[{}]", fmt::join(sizes, ", ")); }

// Why `value` cannot be copied into `target`, or "" when it can.
std::string mismatch(const std::string& name, const at::Tensor& value, const at::Tensor& target) {
  if (value.sizes() != target.sizes())
    return fmt::format("{}: checkpoint {}, model {}", name, shape_text(value.sizes()), shape_text(target.sizes()));
  const std::string from = number_kind(value.scalar_type());
  const std::string to = number_kind(target.scalar_type());
  if (from != to)
    return fmt::format("{}: checkpoint {} ({}), model {} ({})", name, c10::toString(value.scalar_type()), from,
                       c10::toString(target.scalar_type()), to);
  return "";
}

}  // namespace

std::string LoadReport::describe() const {
  std::string out =
      fmt::format("{} missing, {} unexpected, {} mismatched", missing.size(), unexpected.size(), mismatched.size());
  auto list = [&out](const char* title, const std::vector<std::string>& names) {
    if (names.empty()) return;
    constexpr size_t kShown = 20;
    out += fmt::format("\n  {}:", title);
    for (size_t i = 0; i < std::min(names.size(), kShown); ++i) out += "\n    " + names[i];
    if (names.size() > kShown) out += fmt::format("\n    ... and {} more", names.size() - kShown);
  };
  list("missing (in the model, not in the checkpoint)", missing);
  list("unexpected (in the checkpoint, not in the model)", unexpected);
  list("mismatched (shape or kind of number)", mismatched);
  return out;
}

TensorMap module_state(const torch::nn::Module& module) {
  TensorMap out;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) out.emplace(item.key(), item.value());
  for (const auto& item : module.named_buffers(/*recurse=*/true)) out.emplace(item.key(), item.value());
  return out;
}

LoadReport load_state(torch::nn::Module& module, const TensorSource& source, bool strict, const std::string& label) {
  TensorMap targets = module_state(module);
  const std::set<std::string> available(source.names.begin(), source.names.end());
  LoadReport report;
  for (const auto& [name, target] : targets)
    if (!available.count(name)) report.missing.push_back(name);
  for (const auto& name : available)
    if (!targets.count(name)) report.unexpected.push_back(name);
  auto throw_if_strict = [&] {
    if (strict && !report.ok()) throw Error(fmt::format("{}: state dict does not match: {}", label, report.describe()));
  };
  throw_if_strict();

  c10::NoGradGuard no_grad;
  for (auto& [name, target] : targets) {
    if (!available.count(name)) continue;
    // Fetched here and released at the end of the iteration: with a checkpoint source, peak memory
    // is the module plus the largest tensor.
    const at::Tensor value = source.get(name);
    std::string why = mismatch(name, value, target);
    if (!why.empty()) {
      report.mismatched.push_back(std::move(why));
      continue;
    }
    target.copy_(value);
  }
  throw_if_strict();
  return report;
}

}  // namespace finetrain
