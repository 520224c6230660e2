#include "finetrain/nn/linear.hpp"

#include <ATen/TensorOperators.h>
#include <ATen/ops/dropout.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/matmul.h>
#include <ATen/ops/zeros.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>

#include <cmath>

#include "finetrain/error.hpp"

namespace finetrain {
namespace {

// Holds one factor as a child module so its parameter is named "<child>.weight".
class FactorImpl : public torch::nn::Module {
 public:
  explicit FactorImpl(at::Tensor w) { weight = register_parameter("weight", std::move(w)); }
  at::Tensor weight;
};

// PyTorch's kaiming_uniform_(a=sqrt(5)) bound for a [out, in] matrix: 1 / sqrt(in).
void kaiming_uniform_a_sqrt5(at::Tensor& w, at::Generator gen) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(w.size(1)));
  w.uniform_(-bound, bound, gen);
}

}  // namespace

LinearImpl::LinearImpl(int64_t in_features, int64_t out_features, bool with_bias)
    : in_features_(in_features), out_features_(out_features) {
  c10::AutoGradMode no_grad(false);
  // Default initialisation as torch.nn.Linear (kaiming_uniform a = sqrt(5), bias U(-1/sqrt(in), 1/sqrt(in)));
  // real weights are loaded over it.
  weight = register_parameter("weight", at::empty({out_features, in_features}));
  const double bound = in_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in_features)) : 0.0;
  weight.uniform_(-bound, bound);
  if (with_bias) {
    bias = register_parameter("bias", at::empty({out_features}));
    bias.uniform_(-bound, bound);
  }
}

LinearImpl::LinearImpl(const torch::nn::LinearOptions& options)
    : LinearImpl(options.in_features(), options.out_features(), options.bias()) {}

at::Tensor LinearImpl::forward(const at::Tensor& x) {
  at::Tensor y = at::linear(x, weight, bias);
  if (lora_rank_ > 0 && lora_active_ && !lora_merged_) {
    at::Tensor h = lora_dropout_ > 0 ? at::dropout(x, lora_dropout_, is_training()) : x;
    h = at::linear(h.to(lora_A.scalar_type()), lora_A);
    y = y + (at::linear(h, lora_B) * lora_scale()).to(y.scalar_type());
  }
  return y;
}

void LinearImpl::enable_lora(const LoraSettings& s, at::Generator generator, c10::ScalarType dtype) {
  if (lora_rank_ > 0) throw Error("LoRA is already enabled on this layer");
  if (s.rank < 1) throw Error(fmt::format("LoRA rank must be at least 1, got {}", s.rank));
  c10::AutoGradMode no_grad(false);
  const auto options = weight.options().dtype(dtype);
  at::Tensor a = at::empty({s.rank, in_features_}, options);
  if (s.init == "kaiming") {
    kaiming_uniform_a_sqrt5(a, generator);
  } else if (s.init == "gaussian") {
    a.normal_(0.0, 1.0 / static_cast<double>(s.rank), generator);
  } else {
    throw Error(fmt::format("unknown LoRA init '{}' (kaiming, gaussian)", s.init));
  }
  auto factor_a = register_module("lora_A", std::make_shared<FactorImpl>(a));
  auto factor_b = register_module("lora_B", std::make_shared<FactorImpl>(at::zeros({out_features_, s.rank}, options)));
  lora_A = factor_a->weight;
  lora_B = factor_b->weight;
  lora_rank_ = s.rank;
  lora_alpha_ = s.alpha;
  lora_dropout_ = s.dropout;
}

void LinearImpl::merge_lora() {
  if (lora_rank_ == 0 || lora_merged_) return;
  c10::AutoGradMode no_grad(false);
  weight.add_((at::matmul(lora_B, lora_A) * lora_scale()).to(weight.scalar_type()));
  lora_merged_ = true;
}

void LinearImpl::unmerge_lora() {
  if (!lora_merged_) return;
  c10::AutoGradMode no_grad(false);
  weight.sub_((at::matmul(lora_B, lora_A) * lora_scale()).to(weight.scalar_type()));
  lora_merged_ = false;
}

}  // namespace finetrain
