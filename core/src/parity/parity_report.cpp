#include "parity/parity_report.hpp"

#include <algorithm>

namespace finetrain::host {

const char* to_string(FixtureKind kind) { return kind == FixtureKind::Scheduler ? "scheduler" : "component"; }

size_t ParityReport::failed_rows() const {
  return static_cast<size_t>(std::count_if(rows.begin(), rows.end(), [](const ParityRow& r) { return !r.passed; }));
}

bool ParityReport::passed() const {
  return error.empty() && missing_keys.empty() && unexpected_keys.empty() && mismatched_keys.empty() && !rows.empty() &&
         failed_rows() == 0;
}

}  // namespace finetrain::host
