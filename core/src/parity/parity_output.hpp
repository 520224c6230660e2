// How `finetrain check-parity` prints a ParityReport: a table for people, JSON for tools.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "parity/parity_report.hpp"

namespace finetrain::host {

// One row per compared tensor (TENSOR, MAX|DIFF|, BOUND, MAX|REF|, RESULT), key problems and
// errors above it, the first diverging intermediate and a summary line below it.
std::string parity_table(const ParityReport& report);

// The same data: directory, class_name, kind, passed, error, keys {missing, unexpected,
// mismatched}, rows [{tensor, max_abs_diff, max_abs_ref, atol, rtol, bound, passed, error}],
// intermediates (same row form), first_divergence, summary {rows, failed}.
nlohmann::json parity_json(const ParityReport& report);

}  // namespace finetrain::host
