// FT-ABI-010 (the choke point), FT-ABI-012 (capabilities), FT-ABI-015 (global torch state), and
// the good fixture's component itself.
#include <ATen/Parallel.h>
#include <ATen/ops/allclose.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/zeros.h>
#include <c10/core/DefaultDtype.h>
#include <c10/core/GradMode.h>
#include <c10/core/ScalarTypeToTypeMeta.h>
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "abi_fixtures.hpp"
#include "finetrain/error.hpp"
#include "fixture_info.hpp"
#include "test_support.hpp"

using namespace finetrain::host;
using abi_test::component_of;
using abi_test::expect_host_healthy;
using abi_test::expect_loads;
using abi_test::seeded_tensor;
using finetrain::AttentionBackend;

namespace {

PluginObject<AttentionBackend> good_attention(PluginHost& host) {
  expect_loads(host, "good");
  return host.create<AttentionBackend>(component_of("good"));
}

using finetrain::testing::error_of;

}  // namespace

// ---- FT-ABI-010: every call into a plugin goes through one choke point ----

TEST(AbiChokePoint, PluginErrorComesOutPrefixedWithThePluginName) {
  PluginHost host;
  auto attention = good_attention(host);
  const at::Tensor q = seeded_tensor({1, 1, 4, 4}, 1), k = seeded_tensor({1, 1, 4, 3}, 2);
  const auto problem = abi_test::problem_for(q, q);
  EXPECT_EQ(error_of([&] {
              attention.call("forward", [&](AttentionBackend& a) { return a.forward(q, k, k, {}, problem); });
            }),
            "plugin 'abi-good': forward: softmax attention: k must be [B=1, H=1, L, D=4], got 1x1x4x3");
  expect_host_healthy(host);
}

TEST(AbiChokePoint, TorchErrorInsideThePluginLosesItsBacktraceButKeepsThePrefix) {
  PluginHost host;
  auto attention = good_attention(host);
  const at::Tensor q = seeded_tensor({1, 1, 4, 4}, 1);
  auto problem = abi_test::problem_for(q, q);
  problem.mask = finetrain::MaskKind::Boolean;
  const at::Tensor wrong_mask = at::ones({3, 5}, at::kBool);  // does not broadcast to [1, 1, 4, 4]
  const std::string message = error_of(
      [&] { attention.call("forward", [&](AttentionBackend& a) { return a.forward(q, q, q, wrong_mask, problem); }); });
  EXPECT_EQ(message.rfind("plugin 'abi-good': forward: ", 0), 0u) << message;
  EXPECT_EQ(message.find("Exception raised from"), std::string::npos) << message;
  expect_host_healthy(host);
}

TEST(AbiChokePoint, NonStandardExceptionIsNamedToo) {
  EXPECT_EQ(error_of([] { call_plugin("p", "step", [] { throw 42; }); }), "plugin 'p': step: unknown exception");
  EXPECT_EQ(error_of([] { call_plugin("p", "step", [] { throw std::out_of_range("index 7"); }); }),
            "plugin 'p': step: index 7");
}

// ---- FT-ABI-015: plugins change global torch state only under RAII guards ----

TEST(AbiTorchState, GradModeLeakedByAPluginIsRestoredAndReported) {
  PluginHost host;
  expect_loads(host, "leaks_grad_mode");
  auto attention = host.create<AttentionBackend>(component_of("leaks_grad_mode"));
  const at::Tensor q = seeded_tensor({1, 2, 3, 4}, 1);
  const auto problem = abi_test::problem_for(q, q);
  ASSERT_TRUE(c10::GradMode::is_enabled());
  EXPECT_EQ(error_of([&] {
              attention.call("forward", [&](AttentionBackend& a) { return a.forward(q, q, q, {}, problem); });
            }),
            "plugin 'abi-leaks_grad_mode': forward: changed global torch state without an RAII guard "
            "(grad mode on -> off); restored");
  EXPECT_TRUE(c10::GradMode::is_enabled());
  expect_host_healthy(host);
}

TEST(AbiTorchState, DefaultDtypeAndThreadsAreWatchedAndGuardsAreFine) {
  const int threads = at::get_num_threads();
  const int other = threads == 1 ? 2 : 1;
  EXPECT_EQ(error_of([&] {
              call_plugin("p", "configure", [&] {
                c10::set_default_dtype(c10::scalarTypeToTypeMeta(at::kDouble));
                at::set_num_threads(other);
              });
            }),
            "plugin 'p': configure: changed global torch state without an RAII guard (default dtype Float -> Double, "
            "intra-op threads " +
                std::to_string(threads) + " -> " + std::to_string(other) + "); restored");
  EXPECT_EQ(c10::get_default_dtype_as_scalartype(), at::kFloat);
  EXPECT_EQ(at::get_num_threads(), threads);
  // A guard restores before returning: nothing to report.
  EXPECT_EQ(call_plugin("p", "guarded",
                        [] {
                          c10::NoGradGuard guard;
                          return c10::GradMode::is_enabled();
                        }),
            false);
  EXPECT_TRUE(c10::GradMode::is_enabled());
}

TEST(AbiTorchState, StateIsRestoredWhenThePluginThrows) {
  EXPECT_EQ(error_of([] {
              call_plugin("p", "step", [] {
                c10::GradMode::set_enabled(false);
                throw finetrain::Error("failed half way");
              });
            }),
            "plugin 'p': step: failed half way");
  EXPECT_TRUE(c10::GradMode::is_enabled());
}

// ---- FT-ABI-012: new abilities are capabilities, not new virtuals ----

TEST(AbiCapabilities, ExtraInterfaceIsFetchedByCapabilityName) {
  PluginHost host;
  auto attention = good_attention(host);
  const std::string variant = attention.call("variant", [](AttentionBackend& a) {
    auto* info = finetrain::capability<abi_fixture::FixtureInfo>(a);
    return std::string(info ? info->variant() : "(none)");
  });
  EXPECT_EQ(variant, "good");
  EXPECT_EQ(attention.call("query", [](AttentionBackend& a) { return a.query_capability("finetrain.no-such-thing"); }),
            nullptr);
}

// ---- the good fixture's component is real attention ----

TEST(AbiFixtureComponent, MatchesTheLoopReferenceWithMasksAndCausality) {
  PluginHost host;
  auto attention = good_attention(host);
  const at::Tensor q = seeded_tensor({1, 2, 3, 4}, 11), k = seeded_tensor({1, 1, 5, 4}, 12),
                   v = seeded_tensor({1, 1, 5, 4}, 13);
  auto problem = abi_test::problem_for(q, k);
  auto run = [&](const at::Tensor& mask) {
    return attention.call("forward", [&](AttentionBackend& a) { return a.forward(q, k, v, mask, problem); });
  };
  // Causal with Lq < Lkv: query i sees keys 0 .. i + 2.
  problem.causal = true;
  const at::Tensor causal_allowed = at::ones({3, 5}, at::kBool).triu(3).logical_not();
  EXPECT_TRUE(at::allclose(run({}), abi_test::loop_attention(q, k, v, causal_allowed, problem.scale), 1e-5, 1e-6));
  problem.causal = false;
  // Boolean mask (True attends), and the same mask as additive 0 / -inf.
  at::Tensor allowed = seeded_tensor({3, 5}, 14).gt(-0.5);
  allowed.select(1, 0).fill_(true);  // every query sees at least one key
  const at::Tensor expected = abi_test::loop_attention(q, k, v, allowed, problem.scale);
  problem.mask = finetrain::MaskKind::Boolean;
  EXPECT_TRUE(at::allclose(run(allowed), expected, 1e-5, 1e-6));
  problem.mask = finetrain::MaskKind::Additive;
  const at::Tensor additive = at::zeros({3, 5}).masked_fill(allowed.logical_not(), -INFINITY);
  EXPECT_TRUE(at::allclose(run(additive), expected, 1e-5, 1e-6));
}

TEST(AbiFixtureComponent, SaysWhyItRefusesAProblem) {
  PluginHost host;
  auto attention = good_attention(host);
  finetrain::AttentionProblem problem;
  problem.Hq = 3;
  problem.Hkv = 2;
  std::string why;
  EXPECT_FALSE(attention.call("supports", [&](AttentionBackend& a) { return a.supports(problem, &why); }));
  EXPECT_EQ(why, "Hq=3 is not a multiple of Hkv=2");
  problem.Hkv = 1;
  problem.dtype = at::kInt;
  EXPECT_FALSE(attention.call("supports", [&](AttentionBackend& a) { return a.supports(problem, &why); }));
  EXPECT_EQ(why, "dtype Int is not floating");
}
