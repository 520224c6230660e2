// Every attention backend against `math`, forward and gradients, over a grid of problems.
//
// Tolerances, per dtype:
//   float32:  elementwise |backend - math| <= atol + rtol * |math|; forward atol 2e-5 rtol 1e-4,
//             gradients atol 1e-4 rtol 1e-3. Only the summation order differs.
//   bfloat16: relative RMS error ||backend - math|| / ||math|| <= 2.5e-2 for the output and each
//             gradient. Elementwise bounds do not fit bf16: math's own gradients come from bf16
//             autograd (measured against a float64 math: up to 0.16 absolute on dv, where chunked,
//             accumulating in float32, stays under 0.03), so backends that are more exact than math
//             still differ from it by a few bf16 ulps. Measured relative RMS: <= 1.2e-2.
#include <ATen/Parallel.h>
#include <ATen/ops/allclose.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/randn.h>
#include <c10/core/InferenceMode.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>

#include <map>
#include <string>
#include <vector>

#include "finetrain/attention.hpp"
#include "finetrain/attention_builtin.hpp"

using namespace finetrain;

namespace {

struct Cell {
  MaskKind mask;
  int64_t Hkv;  // Hq is 4
  bool causal;
  int64_t Lq, Lkv;
  int64_t D;
  c10::ScalarType dtype;

  std::string name() const {
    return fmt::format("mask={} Hkv={} causal={} Lq={} Lkv={} D={} {}", to_string(mask), Hkv, causal, Lq, Lkv, D,
                       c10::toString(dtype));
  }
};

std::vector<Cell> grid() {
  std::vector<Cell> cells;
  for (MaskKind mask : {MaskKind::None, MaskKind::Boolean, MaskKind::Additive})
    for (int64_t hkv : {4, 2})
      for (bool causal : {false, true})
        for (auto [lq, lkv] : {std::pair<int64_t, int64_t>{32, 32}, {37, 53}, {53, 37}})
          for (int64_t d : {16, 64})
            for (auto dtype : {at::kFloat, at::kBFloat16}) cells.push_back({mask, hkv, causal, lq, lkv, d, dtype});
  return cells;
}

struct Inputs {
  at::Tensor q, k, v, mask, grad_out;
};

Inputs make_inputs(const Cell& c, uint64_t seed) {
  at::manual_seed(seed);
  const int64_t B = 2, Hq = 4;
  auto f64 = at::TensorOptions().dtype(at::kDouble);
  Inputs in;
  in.q = at::randn({B, Hq, c.Lq, c.D}, f64).to(c.dtype);
  in.k = at::randn({B, c.Hkv, c.Lkv, c.D}, f64).to(c.dtype);
  in.v = at::randn({B, c.Hkv, c.Lkv, c.D}, f64).to(c.dtype);
  in.grad_out = at::randn({B, Hq, c.Lq, c.D}, f64).to(c.dtype);
  if (c.mask == MaskKind::Boolean) {
    // Broadcast over heads; key 0 always visible so no query row is fully masked.
    in.mask = at::rand({B, 1, c.Lq, c.Lkv}, f64).gt(0.3);
    in.mask.select(3, 0).fill_(true);
  } else if (c.mask == MaskKind::Additive) {
    in.mask = at::randn({B, Hq, c.Lq, c.Lkv}, f64).mul(2.0).to(at::kFloat);
  }
  return in;
}

struct Result {
  at::Tensor out, dq, dk, dv;
};

Result run(AttentionBackend& backend, const Inputs& in, const AttentionProblem& problem) {
  at::Tensor q = in.q.detach().requires_grad_(true);
  at::Tensor k = in.k.detach().requires_grad_(true);
  at::Tensor v = in.v.detach().requires_grad_(true);
  at::Tensor out = backend.forward(q, k, v, in.mask, problem);
  auto grads = torch::autograd::grad({out}, {q, k, v}, {in.grad_out});
  return {out.detach(), grads[0], grads[1], grads[2]};
}

// How far `got` is outside the tolerance (<= 0: within).
struct Tolerance {
  double atol = 0, rtol = 0;  // elementwise
  double rms = 0;             // relative RMS, used when atol and rtol are 0

  double excess(const at::Tensor& got, const at::Tensor& want) const {
    at::Tensor g = got.to(at::kDouble), w = want.to(at::kDouble);
    if (atol == 0 && rtol == 0) return g.sub(w).norm().item<double>() / w.norm().item<double>() - rms;
    return g.sub(w).abs().sub(w.abs().mul(rtol).add(atol)).max().item<double>();
  }
};

struct Backend {
  std::string label;
  std::shared_ptr<AttentionBackend> backend;
};

std::vector<Backend> backends_under_test() {
  std::vector<Backend> list;
  for (auto& b : attention_registry().backends())
    if (b->name() != "math") list.push_back({b->name(), b});
  // Small blocks so that every cell spans several query and key blocks (online softmax, causal
  // block skipping, partial tiles), and once more with native bf16 matmuls.
  ChunkedAttentionOptions small;
  small.query_block = 16;
  small.key_block = 8;
  list.push_back({"chunked[q16,k8]", make_chunked_attention(small)});
  small.low_precision_matmul = ChunkedAttentionOptions::LowPrecisionMatmul::Native;
  list.push_back({"chunked[q16,k8,native-bf16]", make_chunked_attention(small)});
  return list;
}

}  // namespace

TEST(AttentionConsistency, EveryBackendMatchesMathOnTheGrid) {
  auto math = attention_registry().find("math");
  ASSERT_TRUE(math);
  const auto backends = backends_under_test();
  std::map<std::string, int> ran, refused;
  uint64_t seed = 1;
  for (const Cell& cell : grid()) {
    SCOPED_TRACE(cell.name());
    Inputs in = make_inputs(cell, seed++);
    AttentionProblem problem = make_attention_problem(in.q, in.k, in.v, in.mask, std::nullopt, cell.causal);
    problem.requires_grad = true;
    std::string why;
    ASSERT_TRUE(math->supports(problem, &why)) << why;
    Result want = run(*math, in, problem);
    ASSERT_FALSE(want.out.isnan().any().item<bool>());

    const bool f32 = cell.dtype == at::kFloat;
    const Tolerance fwd = f32 ? Tolerance{2e-5, 1e-4} : Tolerance{0, 0, 2.5e-2};
    const Tolerance bwd = f32 ? Tolerance{1e-4, 1e-3} : Tolerance{0, 0, 2.5e-2};
    int covered = 0;
    for (const Backend& b : backends) {
      SCOPED_TRACE(b.label);
      if (!b.backend->supports(problem, &why)) {
        EXPECT_FALSE(why.empty()) << b.label << " refused without a reason";
        ++refused[b.label];
        continue;
      }
      Result got = run(*b.backend, in, problem);
      EXPECT_LE(fwd.excess(got.out, want.out), 0.0) << "forward";
      EXPECT_LE(bwd.excess(got.dq, want.dq), 0.0) << "dq";
      EXPECT_LE(bwd.excess(got.dk, want.dk), 0.0) << "dk";
      EXPECT_LE(bwd.excess(got.dv, want.dv), 0.0) << "dv";
      ++ran[b.label];
      ++covered;
    }
    EXPECT_GE(covered, 1) << "no backend other than math runs this cell";
  }
  for (const Backend& b : backends)
    std::cout << fmt::format("{:<28} ran {:>3} cells, refused {:>3}\n", b.label, ran[b.label], refused[b.label]);
  // chunked accepts every cell; sdpa must at least run the cells without GQA.
  EXPECT_EQ(ran["chunked"], static_cast<int>(grid().size()));
  EXPECT_GT(ran["sdpa"], 0);
}

TEST(AttentionConsistency, AdditiveMaskGradientMatchesMath) {
  // An additive mask that requires grad gets the same gradient from chunked as from math,
  // including when it broadcasts over batch and heads (the gradient is summed over them).
  at::manual_seed(7);
  at::Tensor q = at::randn({2, 4, 37, 16}), k = at::randn({2, 2, 53, 16}), v = at::randn({2, 2, 53, 16});
  at::Tensor grad_out = at::randn({2, 4, 37, 16});
  ChunkedAttentionOptions small;
  small.query_block = 16;
  small.key_block = 8;
  auto chunked = make_chunked_attention(small);
  auto math = attention_registry().find("math");
  for (std::vector<int64_t> shape : {std::vector<int64_t>{2, 4, 37, 53}, {37, 53}, {1, 1, 1, 53}}) {
    SCOPED_TRACE(fmt::format("mask shape [{}]", fmt::join(shape, ", ")));
    at::Tensor mask = at::randn(shape);
    AttentionProblem p = make_attention_problem(q, k, v, mask, 0.3, true);
    std::vector<at::Tensor> grads[2];
    int i = 0;
    for (auto* backend : {math.get(), chunked.get()}) {
      at::Tensor m = mask.detach().requires_grad_(true);
      at::Tensor out = backend->forward(q, k, v, m, p);
      grads[i++] = torch::autograd::grad({out}, {m}, {grad_out});
    }
    EXPECT_TRUE(at::allclose(grads[1][0], grads[0][0], 1e-4, 1e-5));
  }
}

TEST(AttentionConsistency, ChunkedRefusesDoubleBackward) {
  at::Tensor q = at::randn({1, 1, 4, 8}).requires_grad_(true), k = at::randn({1, 1, 4, 8}), v = at::randn({1, 1, 4, 8});
  auto chunked = make_chunked_attention();
  AttentionProblem p = make_attention_problem(q, k, v, at::Tensor(), std::nullopt, false);
  at::Tensor out = chunked->forward(q, k, v, at::Tensor(), p);
  try {
    torch::autograd::grad({out.sum()}, {q}, {}, /*retain_graph=*/true, /*create_graph=*/true);
    FAIL() << "create_graph through chunked attention must fail";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("no double backward"), std::string::npos) << e.what();
  }
}

TEST(AttentionConsistency, ChunkedIsExactInFloat64) {
  // In float64 the block decomposition itself must not cost accuracy: forward and all gradients
  // agree with math to ~1e-12 on a GQA + causal + boolean-mask problem spanning many blocks.
  Cell cell{MaskKind::Boolean, 2, true, 53, 37, 16, at::kDouble};
  Inputs in = make_inputs(cell, 11);
  ChunkedAttentionOptions small;
  small.query_block = 7;
  small.key_block = 5;
  AttentionProblem p = make_attention_problem(in.q, in.k, in.v, in.mask, 0.2, true);
  Result want = run(*attention_registry().find("math"), in, p);
  Result got = run(*make_chunked_attention(small), in, p);
  const Tolerance exact{1e-12, 1e-10};
  EXPECT_LE(exact.excess(got.out, want.out), 0.0);
  EXPECT_LE(exact.excess(got.dq, want.dq), 0.0);
  EXPECT_LE(exact.excess(got.dk, want.dk), 0.0);
  EXPECT_LE(exact.excess(got.dv, want.dv), 0.0);
}

TEST(AttentionConsistency, ChunkedRunsFloat16OnCpu) {
  // chunked accepts float16 on CPU even where LibTorch has no CPU half matmul (its blocks run in
  // float32). Reference: math in float32 on the same float16-rounded inputs.
  Cell cell{MaskKind::Additive, 2, false, 37, 53, 16, at::kHalf};
  Inputs in = make_inputs(cell, 12);
  auto chunked = attention_registry().find("chunked");
  AttentionProblem p = make_attention_problem(in.q, in.k, in.v, in.mask, std::nullopt, false);
  std::string why;
  ASSERT_TRUE(chunked->supports(p, &why)) << why;
  Result got = run(*chunked, in, p);
  EXPECT_EQ(got.out.scalar_type(), at::kHalf);
  EXPECT_EQ(got.dq.scalar_type(), at::kHalf);
  Inputs in32{in.q.to(at::kFloat), in.k.to(at::kFloat), in.v.to(at::kFloat), in.mask, in.grad_out.to(at::kFloat)};
  AttentionProblem p32 = p;
  p32.dtype = at::kFloat;
  Result want = run(*attention_registry().find("math"), in32, p32);
  const Tolerance half{0, 0, 5e-3};  // relative RMS; float16 has a 2^-11 ulp
  EXPECT_LE(half.excess(got.out, want.out), 0.0);
  EXPECT_LE(half.excess(got.dq, want.dq), 0.0);
  EXPECT_LE(half.excess(got.dk, want.dk), 0.0);
  EXPECT_LE(half.excess(got.dv, want.dv), 0.0);
}

TEST(AttentionConsistency, ChunkedIsExactWithSeveralThreads) {
  // On CPU chunked spreads query blocks over the intra-op threads, with per-thread partial sums
  // for dk, dv and a mask gradient shared by query rows. Exact in float64 with 1 and 3 threads,
  // for a mask with a query dimension (rows owned by one block) and one broadcast over queries.
  const int threads_before = at::get_num_threads();
  ChunkedAttentionOptions small;
  small.query_block = 8;
  small.key_block = 16;
  auto chunked = make_chunked_attention(small);
  auto math = attention_registry().find("math");
  const Tolerance exact{1e-12, 1e-10};
  for (int threads : {1, 3}) {
    at::set_num_threads(threads);
    for (std::vector<int64_t> mask_shape : {std::vector<int64_t>{2, 4, 53, 37}, {2, 1, 1, 37}}) {
      SCOPED_TRACE(fmt::format("{} threads, mask [{}]", threads, fmt::join(mask_shape, ", ")));
      Cell cell{MaskKind::None, 2, true, 53, 37, 16, at::kDouble};
      Inputs in = make_inputs(cell, 21);
      in.mask = at::randn(mask_shape, at::kDouble);
      AttentionProblem p = make_attention_problem(in.q, in.k, in.v, in.mask, std::nullopt, true);
      std::vector<at::Tensor> grads[2];
      int i = 0;
      for (auto* backend : {math.get(), chunked.get()}) {
        at::Tensor q = in.q.detach().requires_grad_(true), k = in.k.detach().requires_grad_(true),
                   v = in.v.detach().requires_grad_(true), m = in.mask.detach().requires_grad_(true);
        at::Tensor out = backend->forward(q, k, v, m, p);
        grads[i] = torch::autograd::grad({out}, {q, k, v, m}, {in.grad_out});
        grads[i++].push_back(out.detach());
      }
      for (size_t t = 0; t < grads[0].size(); ++t) EXPECT_LE(exact.excess(grads[1][t], grads[0][t]), 0.0) << t;
    }
  }
  at::set_num_threads(threads_before);
}

TEST(AttentionConsistency, ChunkedWorksUnderInferenceModeWithThreads) {
  // Worker threads inherit the caller's thread-local state, so in-place writes into outputs
  // created under InferenceMode are allowed there too.
  const int threads_before = at::get_num_threads();
  at::set_num_threads(3);
  at::Tensor q = at::randn({1, 2, 40, 16}), kv = at::randn({1, 2, 40, 16});
  ChunkedAttentionOptions small;
  small.query_block = 8;
  auto chunked = make_chunked_attention(small);
  AttentionProblem p = make_attention_problem(q, kv, kv, at::Tensor(), std::nullopt, false);
  at::Tensor want = attention_registry().find("math")->forward(q, kv, kv, at::Tensor(), p);
  {
    c10::InferenceMode guard;
    at::Tensor qi = q.clone(), kvi = kv.clone();
    at::Tensor got = chunked->forward(qi, kvi, kvi, at::Tensor(), p);
    EXPECT_TRUE(at::allclose(got, want, 1e-5, 1e-6));
  }
  at::set_num_threads(threads_before);
}
