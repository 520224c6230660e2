#include "parity/component_parity.hpp"

#include <ATen/ops/zeros_like.h>
#include <fmt/format.h>
#include <torch/nn/module.h>

#include <filesystem>

#include "finetrain/error.hpp"
#include "finetrain/parity_capture.hpp"
#include "finetrain/safetensors.hpp"
#include "finetrain/state_dict.hpp"
#include "finetrain/text_file.hpp"
#include "parity/compare_tensors.hpp"
#include "parity/fixture_folder.hpp"

namespace finetrain::host {
namespace {

namespace fs = std::filesystem;

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// The fixture's in.* tensors without the prefix; those with a stored gradient require grad.
TensorMap read_inputs(const safetensors::File& io) {
  TensorMap inputs;
  for (const auto& info : io.tensors()) {
    if (!starts_with(info.name, "in.")) continue;
    const std::string name = info.name.substr(3);
    at::Tensor value = io.tensor(info.name).clone();
    if (io.find("grad.in." + name) && at::isFloatingType(value.scalar_type())) value.requires_grad_(true);
    inputs.emplace(name, value);
  }
  return inputs;
}

void load_weights(torch::nn::Module& module, const fs::path& dir, ParityReport& report) {
  const fs::path weights = dir / "weights.safetensors";
  if (!fs::exists(weights)) throw Error(fmt::format("{}: missing (the component has parameters)", weights.string()));
  LoadReport load =
      load_state(module, TensorSource::from_checkpoint(weights.string()), /*strict=*/false, weights.string());
  report.missing_keys = load.missing;
  report.unexpected_keys = load.unexpected;
  report.mismatched_keys = load.mismatched;
}

// Compares every out.* and adds out.k * R.k to the loss where both fit.
at::Tensor compare_outputs(const safetensors::File& io, const TensorMap& outputs, const Tolerance& tol,
                           ParityReport& report) {
  at::Tensor loss;
  for (const auto& info : io.tensors()) {
    if (!starts_with(info.name, "out.")) continue;
    const std::string name = info.name.substr(4);
    auto it = outputs.find(name);
    const at::Tensor ours = it == outputs.end() ? at::Tensor() : it->second;
    report.rows.push_back(compare_tensors(info.name, ours, io.tensor(info.name), tol));
    const auto* cotangent = io.find("R." + name);
    if (ours.defined() && cotangent && ours.sizes() == at::IntArrayRef(cotangent->shape)) {
      at::Tensor term = ours.mul(io.tensor("R." + name).to(ours.scalar_type())).sum();
      loss = loss.defined() ? loss.add(term) : term;
    }
  }
  return loss;
}

// Our gradient for a grad.* reference, or an error text when there is none to compare.
at::Tensor our_gradient(const std::string& name, const TensorMap& inputs, const TensorMap& params, std::string* why) {
  if (starts_with(name, "grad.in.")) {
    auto it = inputs.find(name.substr(8));
    if (it == inputs.end()) {
      *why = "no input of this name";
      return {};
    }
    return it->second.grad();
  }
  auto it = params.find(name.substr(11));
  if (it == params.end()) {
    *why = "no parameter of this name";
    return {};
  }
  // A parameter outside the graph has no gradient; the reference stores zeros for it.
  return it->second.grad().defined() ? it->second.grad() : at::zeros_like(it->second);
}

void compare_gradients(const safetensors::File& io, at::Tensor loss, const TensorMap& inputs, torch::nn::Module* module,
                       const Tolerance& tol, ParityReport& report) {
  std::string no_loss;
  if (!loss.defined()) {
    no_loss = "no loss: no out.* tensor with a matching R.* was produced";
  } else if (!loss.requires_grad()) {
    no_loss = "no loss gradient: the outputs do not depend on any parameter or input";
  } else {
    loss.backward();
  }
  const TensorMap params = module ? module_state(*module) : TensorMap{};
  for (const auto& info : io.tensors()) {
    if (!starts_with(info.name, "grad.in.") && !starts_with(info.name, "grad.param.")) continue;
    std::string why = no_loss;
    const at::Tensor ours = why.empty() ? our_gradient(info.name, inputs, params, &why) : at::Tensor();
    ParityRow row = compare_tensors(info.name, ours, io.tensor(info.name), tol);
    if (!why.empty()) row.error = why;
    report.rows.push_back(std::move(row));
  }
}

void locate_divergence(const safetensors::File& io, const std::vector<std::pair<std::string, at::Tensor>>& captured,
                       const Tolerance& tol, ParityReport& report) {
  for (const auto& [name, ours] : captured) {
    const std::string key = "aux." + name;
    if (!io.find(key)) continue;
    report.intermediates.push_back(compare_tensors(key, ours, io.tensor(key), tol));
    if (!report.intermediates.back().passed && report.first_divergence.empty()) report.first_divergence = name;
  }
}

}  // namespace

ParityReport run_component_parity(const std::string& directory, const ComponentBuilder& builder,
                                  const ParityTolerances& tolerances) {
  ParityReport report;
  report.directory = directory;
  report.class_name = builder.class_name;
  report.kind = FixtureKind::Component;
  try {
    const fs::path dir(directory);
    auto component = builder.build(read_text_file((dir / "config.json").string()), c10::Device(c10::kCPU));
    torch::nn::Module* module = component->module();
    if (module) {
      load_weights(*module, dir, report);
      module->eval();
      module->zero_grad();
    }
    auto io = safetensors::File::open((dir / "io.safetensors").string());
    const auto& metadata = io->metadata();
    const std::string call = metadata.count("call") ? metadata.at("call") : "";
    TensorMap inputs = read_inputs(*io);

    TensorMap outputs;
    std::vector<std::pair<std::string, at::Tensor>> captured;
    {
      ParityCapture capture;
      outputs = component->run(inputs, call);
      captured = capture.tensors();
    }
    at::Tensor loss = compare_outputs(*io, outputs, tolerances.outputs, report);
    compare_gradients(*io, loss, inputs, module, tolerances.gradients, report);
    if (!report.passed()) locate_divergence(*io, captured, tolerances.outputs, report);
  } catch (const std::exception& e) {
    report.error = e.what();
  }
  return report;
}

}  // namespace finetrain::host
