// The tolerances a fixture folder states in its README.md, and the defaults where it states none.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace finetrain::host {

// A tensor passes when max|ours - ref| <= atol + rtol * max|ref|.
struct Tolerance {
  double atol = 0.0;
  double rtol = 0.0;
  double bound(double max_ref) const { return atol + rtol * max_ref; }
};

// Component fixtures: one tolerance for outputs (out.*, and aux.* intermediates), one for gradients.
struct ParityTolerances {
  Tolerance outputs;
  Tolerance gradients;
};

// Reads the README's suggested check, e.g.
// "outputs `atol=2.5e-05, rtol=1e-4`; gradients `atol=0.00025, rtol=1e-3`".
std::optional<ParityTolerances> tolerances_from_readme(const std::string& readme_text);

// Scheduler fixtures: one tolerance per quantity. The quantity of a reference tensor is its name's
// first component after the case prefix ("sigmas", "timesteps", "alphas_cumprod", "betas"), with
// every "step<i>" counted as "steps".
std::string parity_quantity(const std::string& tensor_name);

struct QuantityTolerances {
  std::map<std::string, Tolerance> stated;  // from the README
  // The stated tolerance of the tensor's quantity, else the default one.
  Tolerance for_tensor(const std::string& tensor_name) const;
  // atol for closed-form float32/float64 schedule values: sigmas 1e-6, timesteps 1e-4 (values up to
  // 1000), alphas_cumprod and betas 1e-6, steps 1e-5, anything else 1e-5; rtol 0.
  static Tolerance default_for(const std::string& quantity);
};

// Reads statements like "`atol=1e-6` on sigmas" and "`atol=1e-5` (steps)" (an rtol may follow the
// atol inside the backticks: "`atol=1e-6, rtol=1e-4` on sigmas").
QuantityTolerances quantity_tolerances_from_readme(const std::string& readme_text);

}  // namespace finetrain::host
