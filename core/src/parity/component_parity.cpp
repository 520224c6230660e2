#include "parity/component_parity.hpp"

#include <ATen/ops/zeros_like.h>
#include <fmt/format.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/nn/module.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "finetrain/error.hpp"
#include "finetrain/parity_capture.hpp"
#include "finetrain/safetensors.hpp"
#include "finetrain/state_dict.hpp"

namespace finetrain::host {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{}: cannot open", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

std::string shape_text(at::IntArrayRef sizes) {
  std::ostringstream ss;
  ss << sizes;
  return ss.str();
}

ParityRow compare(const std::string& name, const at::Tensor& ours, const at::Tensor& ref, const Tolerance& tol) {
  ParityRow row;
  row.tensor = name;
  if (!ours.defined()) {
    row.error = "not produced";
    return row;
  }
  if (ours.sizes() != ref.sizes()) {
    row.error = fmt::format("shape {} vs reference {}", shape_text(ours.sizes()), shape_text(ref.sizes()));
    return row;
  }
  const at::Tensor a = ours.detach().to(at::kDouble);
  const at::Tensor b = ref.detach().to(at::kDouble);
  row.max_ref = b.numel() ? b.abs().max().item<double>() : 0.0;
  row.max_abs_diff = b.numel() ? (a - b).abs().max().item<double>() : 0.0;
  row.bound = tol.bound(row.max_ref);
  row.passed = row.max_abs_diff <= row.bound;  // NaN compares false: a NaN never passes
  return row;
}

std::string first_divergence(const std::vector<std::pair<std::string, at::Tensor>>& captured,
                             const safetensors::File& io, const Tolerance& tol) {
  for (const auto& [name, ours] : captured) {
    const std::string key = "aux." + name;
    if (!io.find(key)) continue;
    ParityRow row = compare(key, ours, io.tensor(key), tol);
    if (!row.passed) return name;
  }
  return "";
}

}  // namespace

ParityReport run_component_parity(const std::string& directory, const ComponentBuilder& builder,
                                  const ParityTolerances& tolerances) {
  ParityReport report;
  report.directory = directory;
  report.class_name = builder.class_name;
  try {
    const fs::path dir(directory);
    auto component = builder.build(read_text(dir / "config.json"), c10::Device(c10::kCPU));
    torch::nn::Module* module = component->module();
    if (module) {
      load_state(*module, TensorSource::from_checkpoint((dir / "weights.safetensors").string()), /*strict=*/true,
                 (dir / "weights.safetensors").string());
      module->eval();
      module->zero_grad();
    }

    auto io = safetensors::File::open((dir / "io.safetensors").string());
    const auto& metadata = io->metadata();
    const std::string call = metadata.count("call") ? metadata.at("call") : "";

    TensorMap inputs;
    for (const auto& info : io->tensors()) {
      if (!starts_with(info.name, "in.")) continue;
      const std::string name = info.name.substr(3);
      at::Tensor value = io->tensor(info.name).clone();
      if (io->find("grad.in." + name)) value.requires_grad_(true);
      inputs.emplace(name, value);
    }

    TensorMap outputs;
    std::vector<std::pair<std::string, at::Tensor>> captured;
    {
      ParityCapture capture;
      outputs = component->run(inputs, call);
      captured = capture.tensors();
    }

    at::Tensor loss;
    for (const auto& info : io->tensors()) {
      if (!starts_with(info.name, "out.")) continue;
      const std::string name = info.name.substr(4);
      auto it = outputs.find(name);
      at::Tensor ours = it == outputs.end() ? at::Tensor() : it->second;
      report.rows.push_back(compare(info.name, ours, io->tensor(info.name), tolerances.outputs));
      if (ours.defined() && io->find("R." + name) && ours.sizes() == at::IntArrayRef(io->find("R." + name)->shape)) {
        at::Tensor term = (ours * io->tensor("R." + name).to(ours.scalar_type())).sum();
        loss = loss.defined() ? loss + term : term;
      }
    }

    const bool outputs_ok = std::all_of(report.rows.begin(), report.rows.end(), [](auto& r) { return r.passed; });
    if (!outputs_ok) report.first_divergence = first_divergence(captured, *io, tolerances.outputs);

    if (loss.defined() && loss.requires_grad()) {
      loss.backward();
      TensorMap params = module ? module_state(*module) : TensorMap{};
      for (const auto& info : io->tensors()) {
        at::Tensor ours;
        if (starts_with(info.name, "grad.in.")) {
          auto it = inputs.find(info.name.substr(8));
          if (it != inputs.end()) ours = it->second.grad();
        } else if (starts_with(info.name, "grad.param.")) {
          auto it = params.find(info.name.substr(11));
          if (it != params.end()) ours = it->second.grad();
          // A parameter outside the graph has no gradient; the reference stores zeros for it.
          if (it != params.end() && !ours.defined()) ours = at::zeros_like(it->second);
        } else {
          continue;
        }
        report.rows.push_back(compare(info.name, ours, io->tensor(info.name), tolerances.gradients));
      }
    }
  } catch (const std::exception& e) {
    report.error = e.what();
  }
  return report;
}

}  // namespace finetrain::host
