#include "parity/scheduler_parity.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "finetrain/safetensors.hpp"
#include "parity/compare_tensors.hpp"

namespace finetrain::host {
namespace {

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

std::string case_prefix(const SchedulerCase& c) { return c.name.empty() ? "" : c.name + "."; }

// Builds and runs one case; returns its outputs, or sets `error`.
TensorMap run_case(const SchedulerCase& c, const ComponentBuilder& builder, const safetensors::File& io,
                   const std::string& call, std::string* error) {
  const std::string input_prefix = "in." + case_prefix(c);
  TensorMap inputs;
  for (const auto& info : io.tensors())
    if (starts_with(info.name, input_prefix))
      inputs.emplace(info.name.substr(input_prefix.size()), io.tensor(info.name));
  try {
    return builder.build(c.json, c10::Device(c10::kCPU))->run(inputs, call);
  } catch (const std::exception& e) {
    *error = c.name.empty() ? e.what() : fmt::format("case '{}': {}", c.name, e.what());
    return {};
  }
}

}  // namespace

ParityReport run_scheduler_parity(const FixtureFolder& folder, const ComponentBuilder& builder,
                                  const QuantityTolerances& tolerances) {
  ParityReport report;
  report.directory = folder.directory;
  report.class_name = folder.class_name;
  report.kind = FixtureKind::Scheduler;
  try {
    auto io = safetensors::File::open((std::filesystem::path(folder.directory) / "io.safetensors").string());
    const auto& metadata = io->metadata();
    const std::string call = metadata.count("call") ? metadata.at("call") : "";
    std::set<std::string> claimed;
    for (const SchedulerCase& c : folder.cases) {
      std::string error;
      const TensorMap outputs = run_case(c, builder, *io, call, &error);
      const std::string prefix = case_prefix(c);
      for (const auto& info : io->tensors()) {
        if (starts_with(info.name, "in.") || !starts_with(info.name, prefix)) continue;
        claimed.insert(info.name);
        const std::string name = info.name.substr(prefix.size());
        auto it = outputs.find(name);
        ParityRow row = compare_tensors(info.name, it == outputs.end() ? at::Tensor() : it->second,
                                        io->tensor(info.name), tolerances.for_tensor(name));
        if (!error.empty()) row.error = error;
        report.rows.push_back(std::move(row));
      }
    }
    // A reference outside every case would otherwise go unchecked.
    for (const auto& info : io->tensors()) {
      if (starts_with(info.name, "in.") || claimed.count(info.name)) continue;
      ParityRow row;
      row.tensor = info.name;
      row.error = "belongs to no case of config.json";
      report.rows.push_back(std::move(row));
    }
  } catch (const std::exception& e) {
    report.error = e.what();
  }
  return report;
}

}  // namespace finetrain::host
