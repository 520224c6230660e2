#include "parity/parity_output.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace finetrain::host {
namespace {

std::string number(double v) { return fmt::format("{:.3e}", v); }

nlohmann::json row_json(const ParityRow& r) {
  return {{"tensor", r.tensor},
          {"max_abs_diff", r.max_abs_diff},
          {"max_abs_ref", r.max_ref},
          {"atol", r.tolerance.atol},
          {"rtol", r.tolerance.rtol},
          {"bound", r.bound},
          {"passed", r.passed},
          {"error", r.error}};
}

void key_list(std::string& out, const char* title, const std::vector<std::string>& keys) {
  if (keys.empty()) return;
  out += fmt::format("{} ({}):\n", title, keys.size());
  for (const auto& k : keys) out += "    " + k + "\n";
}

}  // namespace

std::string parity_table(const ParityReport& report) {
  std::string out = fmt::format("check-parity {}\nclass {} ({} fixture)\n", report.directory,
                                report.class_name.empty() ? "?" : report.class_name, to_string(report.kind));
  if (!report.error.empty()) out += "error: " + report.error + "\n";
  key_list(out, "weights: missing keys (in the model, not in weights.safetensors)", report.missing_keys);
  key_list(out, "weights: unexpected keys (in weights.safetensors, not in the model)", report.unexpected_keys);
  key_list(out, "weights: shape mismatches", report.mismatched_keys);

  size_t width = 6;
  for (const auto& r : report.rows) width = std::max(width, r.tensor.size());
  if (!report.rows.empty()) {
    out += fmt::format("{:<{}}  {:>12}  {:>12}  {:>12}  {}\n", "TENSOR", width, "MAX|DIFF|", "BOUND", "MAX|REF|",
                       "RESULT");
    for (const auto& r : report.rows) {
      out += fmt::format("{:<{}}  {:>12}  {:>12}  {:>12}  {}\n", r.tensor, width,
                         r.error.empty() ? number(r.max_abs_diff) : "-", number(r.bound), number(r.max_ref),
                         r.passed ? "pass" : "FAIL");
      if (!r.error.empty()) out += "    " + r.error + "\n";
    }
  }
  if (!report.first_divergence.empty()) {
    out += "first diverging intermediate: " + report.first_divergence + "\n";
  } else if (!report.intermediates.empty()) {
    out += fmt::format("all {} captured intermediates match; the difference arises after {}\n",
                       report.intermediates.size(), report.intermediates.back().tensor);
  }
  const size_t failed = report.failed_rows();
  out += fmt::format("{}: {} of {} tensors within tolerance{}\n", report.passed() ? "PASS" : "FAIL",
                     report.rows.size() - failed, report.rows.size(),
                     report.error.empty() ? "" : " (the run did not complete)");
  return out;
}

nlohmann::json parity_json(const ParityReport& report) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : report.rows) rows.push_back(row_json(r));
  nlohmann::json intermediates = nlohmann::json::array();
  for (const auto& r : report.intermediates) intermediates.push_back(row_json(r));
  return {{"directory", report.directory},
          {"class_name", report.class_name},
          {"kind", to_string(report.kind)},
          {"passed", report.passed()},
          {"error", report.error},
          {"keys",
           {{"missing", report.missing_keys},
            {"unexpected", report.unexpected_keys},
            {"mismatched", report.mismatched_keys}}},
          {"rows", rows},
          {"intermediates", intermediates},
          {"first_divergence", report.first_divergence},
          {"summary", {{"rows", report.rows.size()}, {"failed", report.failed_rows()}}}};
}

}  // namespace finetrain::host
