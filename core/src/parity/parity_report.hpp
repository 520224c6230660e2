// Results of comparing our implementation of a component or scheduler with a reference fixture
// (`../shared/fixtures/<family>/<component>/`, format in docs/parity.md).
#pragma once

#include <string>
#include <vector>

#include "parity/tolerances.hpp"

namespace finetrain::host {

struct ParityRow {
  std::string tensor;         // "out.sample", "grad.param.proj_in.weight", "flux_dynamic.sigmas"
  double max_abs_diff = 0.0;  // max |ours - ref| (NaN when ours has a NaN: never passes)
  double max_ref = 0.0;       // max |ref|
  Tolerance tolerance;
  double bound = 0.0;  // tolerance.bound(max_ref)
  bool passed = false;
  std::string error;  // why no comparison was possible: not produced, shape mismatch, ...
};

enum class FixtureKind { Component, Scheduler };
const char* to_string(FixtureKind kind);

struct ParityReport {
  std::string directory;
  std::string class_name;
  FixtureKind kind = FixtureKind::Component;
  std::string error;  // set when the fixture could not be read, built, loaded or run
  // weights.safetensors against the built module (component fixtures); any entry fails the run.
  std::vector<std::string> missing_keys;     // in the module, not in the file
  std::vector<std::string> unexpected_keys;  // in the file, not in the module
  std::vector<std::string> mismatched_keys;  // "name: checkpoint [..], model [..]"
  std::vector<ParityRow> rows;               // one per reference out.* / grad.* (schedulers: every reference)
  // On a failure: our captured intermediates compared with the fixture's aux.* tensors at the output
  // tolerance, in forward order, and the first of them that differs (e.g. "transformer_blocks.1").
  std::vector<ParityRow> intermediates;
  std::string first_divergence;

  size_t failed_rows() const;
  // No error, no key problems, at least one row, every row passed.
  bool passed() const;
};

}  // namespace finetrain::host
