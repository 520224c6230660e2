// Literal keyword arguments of a reference call as written in a fixture's metadata, e.g.
//   "out.sample = model(hidden_states=in.hidden_states, num_frames=2, rope_interpolation_scale=(0.32, 32.0, 32.0))"
// gives num_frames -> "2", rope_interpolation_scale -> "(0.32, 32.0, 32.0)". Arguments bound to
// fixture tensors (in.*) are not literals and are skipped.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "finetrain/export.hpp"

namespace finetrain {

class FT_SDK_API CallLiterals {
 public:
  explicit CallLiterals(const std::string& call);

  bool has(const std::string& key) const;
  int64_t get_int(const std::string& key) const;         // throws naming the key when absent / not an int
  double get_float(const std::string& key) const;
  bool get_bool(const std::string& key) const;           // Python True / False
  std::vector<double> get_floats(const std::string& key) const;  // tuple or list of numbers
  const std::map<std::string, std::string>& raw() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace finetrain
