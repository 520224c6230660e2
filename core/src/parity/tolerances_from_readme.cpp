#include <regex>

#include "parity/tolerances.hpp"

namespace finetrain::host {

std::optional<ParityTolerances> tolerances_from_readme(const std::string& text) {
  static const std::regex pattern(R"(outputs\s+`atol=([0-9.eE+-]+),\s*rtol=([0-9.eE+-]+)`;\s*)"
                                  R"(gradients\s+`atol=([0-9.eE+-]+),\s*rtol=([0-9.eE+-]+)`)");
  std::smatch m;
  if (!std::regex_search(text, m, pattern)) return std::nullopt;
  ParityTolerances t;
  t.outputs = {std::stod(m[1]), std::stod(m[2])};
  t.gradients = {std::stod(m[3]), std::stod(m[4])};
  return t;
}

std::string parity_quantity(const std::string& tensor_name) {
  static const std::regex step(R"(step[0-9]+)");
  const std::string first = tensor_name.substr(0, tensor_name.find('.'));
  return std::regex_match(first, step) ? "steps" : first;
}

Tolerance QuantityTolerances::default_for(const std::string& quantity) {
  static const std::map<std::string, Tolerance> defaults{{"sigmas", {1e-6, 0.0}},
                                                         {"timesteps", {1e-4, 0.0}},
                                                         {"alphas_cumprod", {1e-6, 0.0}},
                                                         {"betas", {1e-6, 0.0}},
                                                         {"steps", {1e-5, 0.0}}};
  auto it = defaults.find(quantity);
  return it == defaults.end() ? Tolerance{1e-5, 0.0} : it->second;
}

Tolerance QuantityTolerances::for_tensor(const std::string& tensor_name) const {
  const std::string quantity = parity_quantity(tensor_name);
  auto it = stated.find(quantity);
  return it == stated.end() ? default_for(quantity) : it->second;
}

QuantityTolerances quantity_tolerances_from_readme(const std::string& text) {
  static const std::regex pattern(
      R"(`atol=([0-9.eE+-]+)(?:,\s*rtol=([0-9.eE+-]+))?`\s*(?:on\s+([A-Za-z_]+)|\(([A-Za-z_]+)\)))");
  QuantityTolerances t;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern); it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    const std::string quantity = m[3].matched ? m[3].str() : m[4].str();
    t.stated[quantity] = {std::stod(m[1]), m[2].matched ? std::stod(m[2]) : 0.0};
  }
  return t;
}

}  // namespace finetrain::host
