#include "training/step_log.hpp"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "finetrain/error.hpp"

namespace finetrain::host {
namespace {
// JSON has no NaN/Inf: write them as strings so the line stays valid JSON.
nlohmann::json number(double v) {
  if (std::isfinite(v)) return v;
  return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
}
}  // namespace

StepLog::StepLog(const std::string& path) : out_(path, std::ios::app) {
  if (!out_) throw Error(fmt::format("{}: cannot open for appending", path));
}

void StepLog::write(const StepRecord& r) {
  nlohmann::json j;
  j["step"] = r.step;
  j["loss"] = number(r.loss);  // nlohmann writes doubles in shortest round-trip form: exact
  j["lr"] = number(r.learning_rate);
  j["grad_norm"] = number(r.grad_norm);
  j["seconds"] = number(r.seconds);
  j["epoch"] = r.epoch;
  if (r.skipped) j["skipped"] = true;
  for (const auto& [k, v] : r.metrics) j[k] = number(v);
  out_ << j.dump() << '\n';
  out_.flush();
}

}  // namespace finetrain::host
