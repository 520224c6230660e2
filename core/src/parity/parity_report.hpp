// Results of comparing our implementation of a component with a reference fixture
// (`../shared/fixtures/<family>/<component>/`, format in DESIGN §5).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace finetrain::host {

struct Tolerance {
  double atol = 0.0;
  double rtol = 0.0;
  double bound(double max_ref) const { return atol + rtol * max_ref; }
};

struct ParityTolerances {
  Tolerance outputs;
  Tolerance gradients;
};

// Reads the fixture README's suggested check, e.g.
// "outputs `atol=2.5e-05, rtol=1e-4`; gradients `atol=0.00025, rtol=1e-3`".
std::optional<ParityTolerances> tolerances_from_readme(const std::string& readme_text);

struct ParityRow {
  std::string tensor;          // "out.sample", "grad.in.hidden_states", "grad.param.proj_in.weight"
  double max_abs_diff = 0.0;   // max |ours - ref|
  double max_ref = 0.0;        // max |ref|
  double bound = 0.0;          // atol + rtol * max_ref
  bool passed = false;
  std::string error;           // shape mismatch, missing tensor, ...
};

struct ParityReport {
  std::string directory;
  std::string class_name;
  std::string error;  // set when the component could not be built, loaded or run
  std::vector<ParityRow> rows;
  // On a failure: the first captured intermediate (forward order) that differs from its aux.*
  // reference beyond the output tolerance, e.g. "transformer_blocks.1".
  std::string first_divergence;
  bool passed() const;
};

}  // namespace finetrain::host
