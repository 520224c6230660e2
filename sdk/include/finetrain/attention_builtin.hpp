// The built-in attention backends. The process-wide registry holds one of each; these factories
// exist for tests and benchmarks that need an instance with other options.
#pragma once

#include <cstdint>
#include <memory>

#include "finetrain/attention_backend.hpp"
#include "finetrain/export.hpp"

namespace finetrain {

// Priorities under `auto` (higher wins among backends that accept a problem).
constexpr int kSdpaAttentionPriority = 300;
constexpr int kChunkedAttentionPriority = 200;
constexpr int kMathAttentionPriority = 100;

// `math`: plain ATen (scores = q k^T * scale + mask, softmax in float32 for low-precision inputs).
// The reference every other backend is tested against.
FT_SDK_API std::shared_ptr<AttentionBackend> make_math_attention();

// `sdpa`: LibTorch's scaled-dot-product attention op (fused kernels where the linked LibTorch has
// them for the device).
FT_SDK_API std::shared_ptr<AttentionBackend> make_sdpa_attention();

struct FT_SDK_API ChunkedAttentionOptions {
  int64_t query_block = 256;  // query rows per block
  int64_t key_block = 1024;   // keys per online-softmax step
  // Matmul precision for bfloat16/float16 inputs. Softmax statistics and the output are always
  // accumulated in float32. Auto: native on CUDA, and on CPU only under LibTorch >= 2 on a CPU with
  // bf16 dot-product instructions (elsewhere a CPU bf16 matmul is several times slower than fp32).
  enum class LowPrecisionMatmul { Auto, Native, Float32 };
  LowPrecisionMatmul low_precision_matmul = LowPrecisionMatmul::Auto;
};

// `chunked`: query-block / online-softmax attention, memory O(L * block) in forward and backward
// (the backward recomputes the scores block by block).
FT_SDK_API std::shared_ptr<AttentionBackend> make_chunked_attention(ChunkedAttentionOptions options = {});

}  // namespace finetrain
