// `chunked`: query-block / online-softmax attention as an autograd Function whose backward
// recomputes the scores block by block (memory O(L * block) in both directions). Supports every
// mask kind, GQA and causal masking, on any device ATen runs on.
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/version.h>

#include "attention/attention_names.hpp"
#include "attention/chunked_attention_kernel.hpp"
#include "finetrain/attention_builtin.hpp"
#include "finetrain/attention_checks.hpp"
#include "finetrain/error.hpp"
#include "finetrain/torch_compat.hpp"

namespace finetrain {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

class ChunkedAttentionFunction : public torch::autograd::Function<ChunkedAttentionFunction> {
 public:
  // The mask is optional<> because an undefined tensor cannot be an autograd input.
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                            const c10::optional<at::Tensor>& optional_mask, ChunkedAttentionConfig config) {
    const at::Tensor mask = optional_mask.value_or(at::Tensor());
    ChunkedForward result = chunked_attention_forward(q, k, v, mask, config);
    ctx->save_for_backward({q, k, v, mask, result.out, result.lse});
    ctx->saved_data["query_block"] = config.query_block;
    ctx->saved_data["key_block"] = config.key_block;
    ctx->saved_data["scale"] = config.scale;
    ctx->saved_data["causal"] = config.causal;
    ctx->saved_data["matmul_dtype"] = static_cast<int64_t>(config.matmul_dtype);
    ctx->saved_data["accum_dtype"] = static_cast<int64_t>(config.accum_dtype);
    return result.out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    // The backward is built from raw block loops, not from differentiable ops of the inputs.
    if (c10::GradMode::is_enabled())
      throw Error("attention backend 'chunked' has no double backward (create_graph); use 'math' for that");
    ChunkedAttentionConfig config;
    config.query_block = ctx->saved_data["query_block"].toInt();
    config.key_block = ctx->saved_data["key_block"].toInt();
    config.scale = ctx->saved_data["scale"].toDouble();
    config.causal = ctx->saved_data["causal"].toBool();
    config.matmul_dtype = static_cast<c10::ScalarType>(ctx->saved_data["matmul_dtype"].toInt());
    config.accum_dtype = static_cast<c10::ScalarType>(ctx->saved_data["accum_dtype"].toInt());
    variable_list saved = ctx->get_saved_variables();
    const at::Tensor& mask = saved[3];
    const bool want_mask_grad = mask.defined() && at::isFloatingType(mask.scalar_type()) && ctx->needs_input_grad(3);
    ChunkedGradients g = chunked_attention_backward(grad_outputs[0], saved[0], saved[1], saved[2], mask, saved[4],
                                                    saved[5], config, want_mask_grad);
    return {g.dq, g.dk, g.dv, g.dmask, at::Tensor()};
  }
};

// A CPU whose bf16 matmul is at least as fast as fp32: LibTorch >= 2 routes CPU bf16 GEMM to
// oneDNN, which is fast with AVX512-BF16 (or AMX, which implies it). Elsewhere (e.g. LibTorch
// 1.13's generic loop: 3-5 GFLOP/s against 20-80 in fp32 on a Zen 3 core) fp32 blocks win.
bool cpu_has_fast_bf16_matmul() {
#if FT_TORCH_AT_LEAST(2, 0) && (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
  static const bool fast = __builtin_cpu_supports("avx512bf16");
  return fast;
#else
  return false;
#endif
}

c10::ScalarType matmul_dtype(const AttentionProblem& p, ChunkedAttentionOptions::LowPrecisionMatmul mode) {
  using Mode = ChunkedAttentionOptions::LowPrecisionMatmul;
  if (!is_low_precision(p.dtype) || mode == Mode::Native) return p.dtype;
  if (mode == Mode::Float32) return at::kFloat;
  if (p.device.is_cuda()) return p.dtype;
  return p.dtype == at::kBFloat16 && cpu_has_fast_bf16_matmul() ? p.dtype : at::kFloat;
}

class ChunkedAttention final : public CheckedAttentionBackend {
 public:
  explicit ChunkedAttention(ChunkedAttentionOptions options)
      : CheckedAttentionBackend({dtype_in({at::kDouble, at::kFloat, at::kBFloat16, at::kHalf}),
                                 device_type_in({c10::DeviceType::CPU, c10::DeviceType::CUDA})}),
        options_(options) {
    if (options_.query_block < 1 || options_.key_block < 1)
      throw Error("chunked attention: query_block and key_block must be >= 1");
  }

  std::string name() const override { return "chunked"; }
  int priority() const override { return kChunkedAttentionPriority; }

  at::Tensor forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                     const AttentionProblem& problem) override {
    ChunkedAttentionConfig config;
    config.query_block = options_.query_block;
    config.key_block = options_.key_block;
    config.scale = problem.scale;
    config.causal = problem.causal;
    config.matmul_dtype = matmul_dtype(problem, options_.low_precision_matmul);
    config.accum_dtype = problem.dtype == at::kDouble ? at::kDouble : at::kFloat;
    c10::optional<at::Tensor> optional_mask;
    if (mask.defined()) optional_mask = mask;
    return ChunkedAttentionFunction::apply(q, k, v, optional_mask, config);
  }

 private:
  ChunkedAttentionOptions options_;
};

}  // namespace

std::shared_ptr<AttentionBackend> make_chunked_attention(ChunkedAttentionOptions options) {
  return std::make_shared<ChunkedAttention>(options);
}

}  // namespace finetrain
