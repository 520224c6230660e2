#include "attention/chunked_attention_kernel.hpp"

#include <ATen/ExpandUtils.h>
#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/full.h>
#include <ATen/ops/matmul.h>
#include <ATen/ops/maximum.h>
#include <ATen/ops/where.h>
#include <ATen/ops/zeros.h>
#include <ATen/ops/zeros_like.h>

#include <algorithm>
#include <limits>
#include <vector>

namespace finetrain {
namespace {

constexpr double kMinusInf = -std::numeric_limits<double>::infinity();

// Grouped-query attention without copying k/v: the G = Hq / Hkv query heads that share one k/v
// head are folded into the row dimension, so q rows [i0, i0+n) of all heads become one
// [B, Hkv, G*n, D] operand whose matmul with a [B, Hkv, n_k, D] key block needs no broadcast.
class Geometry {
 public:
  Geometry(const at::Tensor& q, const at::Tensor& k)
      : B_(q.size(0)), Hq_(q.size(1)), Hkv_(k.size(1)), G_(q.size(1) / k.size(1)) {}

  // [B, Hq, L, ...] rows [i0, i0+n) -> [B, Hkv, G*n, ...] (copies only the block when needed).
  at::Tensor fold(const at::Tensor& x, int64_t i0, int64_t n) const {
    at::Tensor rows = x.narrow(2, i0, n);
    return x.dim() == 4 ? rows.reshape({B_, Hkv_, G_ * n, x.size(3)}) : rows.reshape({B_, Hkv_, G_ * n});
  }
  // Inverse of fold for a [B, Hkv, G*n, D] block: [B, Hq, n, D].
  at::Tensor unfold(const at::Tensor& x, int64_t n) const { return x.view({B_, Hq_, n, x.size(3)}); }
  // A [B, Hkv, G*n, m] score tile as [B, Hkv, G, n, m], the shape masks broadcast against.
  at::Tensor tile5(const at::Tensor& s, int64_t n) const { return s.view({B_, Hkv_, G_, n, s.size(3)}); }
  // The same tile as [B, Hq, n, m], the shape of the mask's gradient.
  at::Tensor tile4(const at::Tensor& s, int64_t n) const { return s.view({B_, Hq_, n, s.size(3)}); }
  // A mask block [Bm, Hm, n|1, m|1] with Hm in {1, Hq} as 5-D, broadcastable to tile5.
  at::Tensor mask5(const at::Tensor& m) const {
    return m.size(1) == 1 ? m.unsqueeze(2) : m.view({m.size(0), Hkv_, G_, m.size(2), m.size(3)});
  }

 private:
  int64_t B_, Hq_, Hkv_, G_;
};

// The mask as 4-D (leading broadcast dimensions made explicit; a view).
at::Tensor as_4d(const at::Tensor& mask) {
  if (!mask.defined()) return mask;
  at::Tensor m = mask;
  while (m.dim() < 4) m = m.unsqueeze(0);
  return m;
}

// Rows [i0, i0+n) and columns [j0, j0+m) of a 4-D mask, leaving broadcast (size-1) dims alone.
at::Tensor mask_block(const at::Tensor& mask4, int64_t i0, int64_t n, int64_t j0, int64_t m) {
  at::Tensor b = mask4.size(2) == 1 ? mask4 : mask4.narrow(2, i0, n);
  return b.size(3) == 1 ? b : b.narrow(3, j0, m);
}

// Keys a query block may see: all of them, or with causal masking those up to its last row.
int64_t key_end(const ChunkedAttentionConfig& config, int64_t Lkv, int64_t i0, int64_t n) {
  return config.causal ? std::min(Lkv, i0 + n) : Lkv;
}

// Scaled and masked scores of query block [i0, i0+n) against key block [j0, j0+m): one tile
// [B, Hkv, G*n, m] in the accumulation dtype. Forward and backward both call this, so the
// recomputed scores are exactly the forward's.
at::Tensor score_tile(const Geometry& g, const at::Tensor& qb, const at::Tensor& kb, const at::Tensor& mask4,
                      int64_t i0, int64_t n, int64_t j0, int64_t m, const ChunkedAttentionConfig& config) {
  at::Tensor s = at::matmul(qb, kb.transpose(-2, -1)).to(config.accum_dtype).mul_(config.scale);
  at::Tensor s5 = g.tile5(s, n);
  if (mask4.defined()) {
    at::Tensor mb = g.mask5(mask_block(mask4, i0, n, j0, m));
    if (mb.scalar_type() == at::kBool) {
      s5.masked_fill_(mb.logical_not(), kMinusInf);
    } else {
      s5.add_(mb);
    }
  }
  if (config.causal && j0 + m - 1 > i0) {  // some key of the tile lies after some query
    auto index = at::TensorOptions().dtype(at::kLong).device(s.device());
    at::Tensor future = at::arange(j0, j0 + m, index).unsqueeze(0).gt(at::arange(i0, i0 + n, index).unsqueeze(1));
    s5.masked_fill_(future, kMinusInf);
  }
  return s;
}

// Query blocks of at most config.query_block rows, but small enough that every intra-op thread
// gets at least one block.
int64_t query_block_rows(const ChunkedAttentionConfig& config, const at::Tensor& q) {
  const int64_t Lq = q.size(2);
  const int64_t threads = q.device().is_cpu() ? at::get_num_threads() : 1;
  return std::max<int64_t>(1, std::min(config.query_block, (Lq + threads - 1) / threads));
}

// Runs fn(block) for every query block. On CPU the blocks are spread over the intra-op threads,
// one whole block per call: the ATen ops and BLAS calls inside then run single-threaded (neither
// nests), which avoids one parallel region per small op. Blocks are handed out in zigzag order
// (0, N-1, 1, N-2, ...) so that under causal masking each thread's contiguous share mixes short
// and long rows. Elsewhere (one device stream) the blocks run in order.
template <class F>
void for_each_query_block(const at::Tensor& q, int64_t blocks, const F& fn) {
  if (!q.device().is_cpu()) {
    for (int64_t b = 0; b < blocks; ++b) fn(b);
    return;
  }
  const at::ThreadLocalState caller;  // grad mode, inference mode, ... of the calling thread
  at::parallel_for(0, blocks, 1, [&](int64_t begin, int64_t end) {
    at::ThreadLocalStateGuard guard(caller);
    for (int64_t i = begin; i < end; ++i) fn(i % 2 == 0 ? i / 2 : blocks - 1 - i / 2);
  });
}

// A per-thread accumulator (zeros on first use) for gradients that several query blocks add to.
class PerThreadSum {
 public:
  PerThreadSum(c10::IntArrayRef sizes, at::TensorOptions options, bool shared_by_threads)
      : sizes_(sizes.vec()), options_(options), parts_(shared_by_threads ? at::get_num_threads() : 1) {}
  at::Tensor& mine() {
    at::Tensor& part = parts_[parts_.size() == 1 ? 0 : at::get_thread_num()];
    if (!part.defined()) part = at::zeros(sizes_, options_);
    return part;
  }
  at::Tensor total() const {
    at::Tensor sum = at::zeros(sizes_, options_);
    for (const at::Tensor& part : parts_)
      if (part.defined()) sum.add_(part);
    return sum;
  }

 private:
  std::vector<int64_t> sizes_;
  at::TensorOptions options_;
  std::vector<at::Tensor> parts_;
};

}  // namespace

ChunkedForward chunked_attention_forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                         const at::Tensor& mask, const ChunkedAttentionConfig& config) {
  const Geometry g(q, k);
  const int64_t Lq = q.size(2), Lkv = k.size(2);
  const at::Tensor mask4 = as_4d(mask);
  const auto accum = q.options().dtype(config.accum_dtype);
  const int64_t rows = query_block_rows(config, q);

  ChunkedForward result;
  result.out = at::empty(q.sizes(), q.options());
  result.lse = at::empty({q.size(0), q.size(1), Lq}, accum);
  for_each_query_block(q, (Lq + rows - 1) / rows, [&](int64_t block) {
    const int64_t i0 = block * rows, n = std::min(rows, Lq - i0);
    const at::Tensor qb = g.fold(q, i0, n).to(config.matmul_dtype);
    // Online softmax: running row max, running sum of exp(score - max), unnormalised output.
    at::Tensor row_max = at::full({qb.size(0), qb.size(1), qb.size(2)}, kMinusInf, accum);
    at::Tensor row_sum = at::zeros_like(row_max);
    at::Tensor acc = at::zeros({qb.size(0), qb.size(1), qb.size(2), qb.size(3)}, accum);
    at::Tensor safe_max = row_max;
    const int64_t end = key_end(config, Lkv, i0, n);
    for (int64_t j0 = 0; j0 < end; j0 += config.key_block) {
      const int64_t m = std::min(config.key_block, end - j0);
      const at::Tensor kb = k.narrow(2, j0, m).to(config.matmul_dtype);
      const at::Tensor vb = v.narrow(2, j0, m).to(config.matmul_dtype);
      at::Tensor s = score_tile(g, qb, kb, mask4, i0, n, j0, m, config);
      at::Tensor new_max = at::maximum(row_max, std::get<0>(s.max(-1)));
      // Rows that have seen only masked keys keep max -inf; shift them by 0 so exp gives 0, not NaN.
      safe_max = at::where(new_max.eq(kMinusInf), at::zeros_like(new_max), new_max);
      at::Tensor correction = row_max.sub(safe_max).exp_();
      at::Tensor p = s.sub_(safe_max.unsqueeze(-1)).exp_();
      row_sum.mul_(correction).add_(p.sum(-1));
      acc.mul_(correction.unsqueeze(-1)).add_(at::matmul(p.to(config.matmul_dtype), vb).to(config.accum_dtype));
      row_max = new_max;
    }
    at::Tensor out_block = acc.div_(row_sum.unsqueeze(-1));
    result.out.narrow(2, i0, n).copy_(g.unfold(out_block, n));
    result.lse.narrow(2, i0, n).copy_(g.unfold(safe_max.add(row_sum.log()).unsqueeze(-1), n).squeeze(-1));
  });
  return result;
}

ChunkedGradients chunked_attention_backward(const at::Tensor& grad_out, const at::Tensor& q, const at::Tensor& k,
                                            const at::Tensor& v, const at::Tensor& mask, const at::Tensor& out,
                                            const at::Tensor& lse, const ChunkedAttentionConfig& config,
                                            bool want_mask_grad) {
  const Geometry g(q, k);
  const int64_t Lq = q.size(2), Lkv = k.size(2);
  const at::Tensor mask4 = as_4d(mask);
  const auto accum = q.options().dtype(config.accum_dtype);
  const int64_t rows = query_block_rows(config, q);
  const bool threaded = q.device().is_cpu();

  // dS = P * (dP - delta) with delta_i = sum_d dO_id O_id (the softmax Jacobian's row term).
  const at::Tensor delta = grad_out.to(config.accum_dtype).mul(out.to(config.accum_dtype)).sum(-1);
  // Query blocks own disjoint rows of dq (and of a mask gradient with a query dimension); dk, dv
  // and a mask gradient broadcast over queries collect from every block: one partial per thread.
  at::Tensor dq = at::empty(q.sizes(), accum);
  PerThreadSum dk(k.sizes(), accum, threaded), dv(v.sizes(), accum, threaded);
  const bool mask_rows_shared = want_mask_grad && mask4.size(2) == 1;
  at::Tensor dmask_rows = want_mask_grad && !mask_rows_shared ? at::zeros(mask4.sizes(), accum) : at::Tensor();
  PerThreadSum dmask_shared(mask_rows_shared ? mask4.sizes() : c10::IntArrayRef{}, accum, threaded);

  for_each_query_block(q, (Lq + rows - 1) / rows, [&](int64_t block) {
    const int64_t i0 = block * rows, n = std::min(rows, Lq - i0);
    const at::Tensor qb = g.fold(q, i0, n).to(config.matmul_dtype);
    const at::Tensor dob = g.fold(grad_out, i0, n).to(config.matmul_dtype);
    const at::Tensor lse_b = g.fold(lse, i0, n).unsqueeze(-1);
    const at::Tensor delta_b = g.fold(delta, i0, n).unsqueeze(-1);
    at::Tensor dqb = at::zeros({qb.size(0), qb.size(1), qb.size(2), qb.size(3)}, accum);
    at::Tensor& dk_part = dk.mine();
    at::Tensor& dv_part = dv.mine();
    const int64_t end = key_end(config, Lkv, i0, n);
    for (int64_t j0 = 0; j0 < end; j0 += config.key_block) {
      const int64_t m = std::min(config.key_block, end - j0);
      const at::Tensor kb = k.narrow(2, j0, m).to(config.matmul_dtype);
      const at::Tensor vb = v.narrow(2, j0, m).to(config.matmul_dtype);
      at::Tensor p = score_tile(g, qb, kb, mask4, i0, n, j0, m, config).sub_(lse_b).exp_();
      dv_part.narrow(2, j0, m).add_(
          at::matmul(p.transpose(-2, -1).to(config.matmul_dtype), dob).to(config.accum_dtype));
      at::Tensor dp = at::matmul(dob, vb.transpose(-2, -1)).to(config.accum_dtype);
      at::Tensor ds = p.mul_(dp.sub_(delta_b));  // gradient w.r.t. the scaled, masked scores
      if (want_mask_grad) {
        at::Tensor target = mask_block(mask_rows_shared ? dmask_shared.mine() : dmask_rows, i0, n, j0, m);
        target.add_(at::sum_to(g.tile4(ds, n), target.sizes()));
      }
      const at::Tensor ds_mm = ds.mul_(config.scale).to(config.matmul_dtype);
      dqb.add_(at::matmul(ds_mm, kb).to(config.accum_dtype));
      dk_part.narrow(2, j0, m).add_(at::matmul(ds_mm.transpose(-2, -1), qb).to(config.accum_dtype));
    }
    dq.narrow(2, i0, n).copy_(g.unfold(dqb, n));
  });

  ChunkedGradients grads;
  grads.dq = dq.to(q.scalar_type());
  grads.dk = dk.total().to(k.scalar_type());
  grads.dv = dv.total().to(v.scalar_type());
  if (want_mask_grad) {
    at::Tensor dmask4 = mask_rows_shared ? dmask_shared.total() : dmask_rows;
    grads.dmask = dmask4.view(mask.sizes()).to(mask.scalar_type());
  }
  return grads;
}

}  // namespace finetrain
