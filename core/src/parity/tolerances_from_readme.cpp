#include <regex>

#include "parity/parity_report.hpp"

namespace finetrain::host {

std::optional<ParityTolerances> tolerances_from_readme(const std::string& text) {
  static const std::regex pattern(
      R"(outputs\s+`atol=([0-9.eE+-]+),\s*rtol=([0-9.eE+-]+)`;\s*gradients\s+`atol=([0-9.eE+-]+),\s*rtol=([0-9.eE+-]+)`)");
  std::smatch m;
  if (!std::regex_search(text, m, pattern)) return std::nullopt;
  ParityTolerances t;
  t.outputs = {std::stod(m[1]), std::stod(m[2])};
  t.gradients = {std::stod(m[3]), std::stod(m[4])};
  return t;
}

bool ParityReport::passed() const {
  if (!error.empty() || rows.empty()) return false;
  for (const auto& r : rows)
    if (!r.passed) return false;
  return true;
}

}  // namespace finetrain::host
