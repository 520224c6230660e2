#include "transformer_init.hpp"

#include <c10/core/GradMode.h>
#include <torch/nn/module.h>

#include <cmath>

namespace finetrain::ltx_video {
namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

void init_transformer_randomly(torch::nn::Module& transformer, at::Generator generator) {
  c10::AutoGradMode no_grad(false);
  for (auto& item : transformer.named_parameters(/*recurse=*/true)) {
    const std::string& name = item.key();
    at::Tensor p = item.value();
    if (ends_with(name, "scale_shift_table")) {
      p.normal_(0.0, 1.0 / std::sqrt(static_cast<double>(p.size(-1))), generator);
    } else if (p.dim() >= 2) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(p.size(1)));
      p.uniform_(-bound, bound, generator);
    } else if (ends_with(name, ".bias")) {
      p.zero_();
    } else {
      p.fill_(1.0);  // norm gains
    }
  }
}

}  // namespace finetrain::ltx_video
