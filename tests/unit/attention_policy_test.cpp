// Selection policy of the attention registry: live switching at step boundaries, per-site
// overrides, phases, errors, auto fallback, recording, thread safety and the named checks.
#include <ATen/ops/allclose.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/zeros.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "finetrain/attention.hpp"
#include "finetrain/attention_builtin.hpp"
#include "finetrain/attention_checks.hpp"
#include "test_support.hpp"

using namespace finetrain;

namespace {

// A real backend (it computes attention through `math`) that also records which step each call
// belonged to, so a test can see exactly when a switch took effect.
class RecordingBackend final : public CheckedAttentionBackend {
 public:
  RecordingBackend()
      : CheckedAttentionBackend({dtype_in({at::kFloat}), device_type_in({c10::DeviceType::CPU})}),
        math_(make_math_attention()) {}
  std::string name() const override { return "test-recorder"; }
  int priority() const override { return 0; }  // never preferred by auto over a built-in
  at::Tensor forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                     const AttentionProblem& problem) override {
    std::lock_guard<std::mutex> lock(mutex_);
    steps_.push_back(current_step.load());
    return math_->forward(q, k, v, mask, problem);
  }
  std::vector<int> steps() {
    std::lock_guard<std::mutex> lock(mutex_);
    return steps_;
  }

  std::atomic<int> current_step{-1};

 private:
  std::shared_ptr<AttentionBackend> math_;
  std::mutex mutex_;
  std::vector<int> steps_;
};

RecordingBackend& recorder() {
  static auto backend = [] {
    auto b = std::make_shared<RecordingBackend>();
    attention_registry().add(b);
    return b;
  }();
  return *backend;
}

struct Qkv {
  at::Tensor q, k, v;
};

Qkv qkv(int64_t hq = 2, int64_t hkv = 2) {
  return {at::randn({1, hq, 8, 16}), at::randn({1, hkv, 8, 16}), at::randn({1, hkv, 8, 16})};
}

AttentionPolicy training(const std::string& backend) {
  AttentionPolicy p;
  p.training_backend = backend;
  return p;
}

using finetrain::testing::error_of;

}  // namespace

TEST(AttentionPolicy, SwitchTakesEffectExactlyAtTheNextStepBoundary) {
  RecordingBackend& rec = recorder();
  ScopedAttentionPolicy start(training("chunked"));
  AttentionRegistry& registry = attention_registry();
  AttentionHandle attn("transformer_blocks.0.attn1");
  auto [q, k, v] = qkv();
  const uint64_t switches = registry.switch_count();
  const size_t recorded_before = rec.steps().size();
  std::vector<uint64_t> chunked_calls;  // per step
  for (int step = 0; step < 6; ++step) {
    registry.apply_pending(step);  // the training loop's step boundary
    rec.current_step = step;
    const uint64_t before = registry.calls("chunked");
    for (int call = 0; call < 3; ++call) {
      attn(q, k, v);
      if (step == 2 && call == 0) registry.request_policy(training("test-recorder"));  // mid-step request
    }
    chunked_calls.push_back(registry.calls("chunked") - before);
  }
  // Steps 0-2 ran entirely on chunked (the request in step 2 waited); steps 3-5 on the recorder.
  EXPECT_EQ(chunked_calls, (std::vector<uint64_t>{3, 3, 3, 0, 0, 0}));
  std::vector<int> steps = rec.steps();
  steps.erase(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(recorded_before));
  EXPECT_EQ(steps, (std::vector<int>{3, 3, 3, 4, 4, 4, 5, 5, 5}));
  EXPECT_EQ(registry.switch_count(), switches + 1);
  EXPECT_EQ(registry.policy().training_backend, "test-recorder");
  EXPECT_FALSE(registry.apply_pending(6)) << "nothing pending any more";
}

TEST(AttentionPolicy, RequestingThePolicyInForceIsNotASwitch) {
  ScopedAttentionPolicy start(training("math"));
  AttentionRegistry& registry = attention_registry();
  const uint64_t switches = registry.switch_count();
  registry.request_policy(training("math"));
  EXPECT_FALSE(registry.apply_pending(1));
  EXPECT_EQ(registry.switch_count(), switches);
}

TEST(AttentionPolicy, ScopedPolicyRestoresThePreviousOne) {
  AttentionRegistry& registry = attention_registry();
  ScopedAttentionPolicy outer(training("math"));
  {
    ScopedAttentionPolicy inner(training("chunked"));
    EXPECT_EQ(registry.policy().training_backend, "chunked");
  }
  EXPECT_EQ(registry.policy().training_backend, "math");
}

TEST(AttentionPolicy, SiteOverridesMatchGlobsAndTheFirstMatchWins) {
  AttentionPolicy p = training("math");
  p.site_overrides = {{"blocks.1.*", "chunked"}, {"blocks.?.attn2", "test-recorder"}, {"blocks.1.attn1", "math"}};
  recorder();
  ScopedAttentionPolicy scope(p);
  AttentionRegistry& registry = attention_registry();
  auto [q, k, v] = qkv();
  auto backend_for = [&](const std::string& site) {
    AttentionProblem problem = make_attention_problem(q, k, v, at::Tensor(), std::nullopt, false);
    return registry.select(site, problem)->name();
  };
  EXPECT_EQ(backend_for("blocks.1.attn1"), "chunked");  // first matching override wins
  EXPECT_EQ(backend_for("blocks.1.attn2"), "chunked");
  EXPECT_EQ(backend_for("blocks.7.attn2"), "test-recorder");
  EXPECT_EQ(backend_for("blocks.10.attn2"), "math");  // '?' is one character
  EXPECT_EQ(backend_for("blocks.10.attn1"), "math");  // "blocks.1.*" needs the dot after 1

  // And the handle really runs the selected backend.
  const uint64_t before = registry.calls("chunked");
  AttentionHandle("blocks.1.ff")(q, k, v);
  EXPECT_EQ(registry.calls("chunked"), before + 1);
}

TEST(AttentionPolicy, SiteGlobs) {
  EXPECT_TRUE(attention_site_matches("*", "transformer_blocks.3.attn1"));
  EXPECT_TRUE(attention_site_matches("transformer_blocks.*.attn1", "transformer_blocks.13.attn1"));
  EXPECT_FALSE(attention_site_matches("transformer_blocks.*.attn1", "transformer_blocks.13.attn2"));
  EXPECT_TRUE(attention_site_matches("*attn?", "x.attn2"));
  EXPECT_FALSE(attention_site_matches("*attn?", "x.attn"));
  EXPECT_TRUE(attention_site_matches("a*b*c", "a.b.b.c"));
  EXPECT_FALSE(attention_site_matches("a*b*c", "a.b.b.c.d"));
  EXPECT_TRUE(attention_site_matches("exact", "exact"));
  EXPECT_FALSE(attention_site_matches("exact", "exact.more"));
}

TEST(AttentionPolicy, ValidationPhaseUsesTheValidationBackend) {
  AttentionPolicy p = training("chunked");
  p.validation_backend = "math";
  ScopedAttentionPolicy scope(p);
  AttentionRegistry& registry = attention_registry();
  AttentionHandle attn("blocks.0.attn1");
  auto [q, k, v] = qkv();
  const uint64_t math = registry.calls("math"), chunked = registry.calls("chunked");
  attn(q, k, v);
  registry.set_phase(AttentionPhase::Validation);
  attn(q, k, v);
  attn(q, k, v);
  registry.set_phase(AttentionPhase::Training);
  attn(q, k, v);
  EXPECT_EQ(registry.calls("math") - math, 2u);
  EXPECT_EQ(registry.calls("chunked") - chunked, 2u);
}

TEST(AttentionPolicy, UnknownBackendIsAnErrorListingTheAvailableOnes) {
  std::string message = error_of([] { attention_registry().request_policy(training("flash9")); });
  EXPECT_NE(message.find("unknown attention backend 'flash9'"), std::string::npos) << message;
  EXPECT_NE(message.find("available: auto, sdpa, chunked, math"), std::string::npos) << message;
  AttentionPolicy p;
  p.site_overrides = {{"blocks.*", "nope"}};
  message = error_of([&] { ScopedAttentionPolicy scope(p); });
  EXPECT_NE(message.find("site override 'blocks.*'"), std::string::npos) << message;
}

TEST(AttentionPolicy, ANamedBackendThatRefusesIsAnErrorWithItsReasonNotAFallback) {
  ScopedAttentionPolicy scope(training("sdpa"));
  auto [q, k, v] = qkv(4, 2);  // GQA: sdpa refuses
  std::string message = error_of([&] { AttentionHandle("blocks.2.attn1")(q, k, v); });
  EXPECT_NE(message.find("site 'blocks.2.attn1'"), std::string::npos) << message;
  EXPECT_NE(message.find("backend 'sdpa' (training backend)"), std::string::npos) << message;
  EXPECT_NE(message.find("no GQA (k/v heads == q heads): Hq=4 Hkv=2"), std::string::npos) << message;
}

TEST(AttentionPolicy, AutoFallsBackByPriority) {
  ScopedAttentionPolicy scope(training("auto"));
  AttentionRegistry& registry = attention_registry();
  auto [q, k, v] = qkv(4, 2);
  AttentionProblem gqa = make_attention_problem(q, k, v, at::Tensor(), std::nullopt, false);
  EXPECT_EQ(registry.select("s", gqa)->name(), "chunked");  // sdpa refuses GQA
  // float64: only chunked and math accept it; chunked has the higher priority.
  AttentionProblem f64 = gqa;
  f64.dtype = at::kDouble;
  EXPECT_EQ(registry.select("s", f64)->name(), "chunked");
  // Nothing accepts an int problem: the error lists every backend's reason.
  AttentionProblem ints = gqa;
  ints.dtype = at::kInt;
  std::string message = error_of([&] { registry.select("s", ints); });
  EXPECT_NE(message.find("no backend can run"), std::string::npos) << message;
  EXPECT_NE(message.find("math: dtype in {float64, float32, bfloat16, float16}: got Int"), std::string::npos)
      << message;
}

TEST(AttentionPolicy, AutoSkipsTheFusedKernelForBf16OnCpuButAnExplicitChoiceRunsIt) {
  auto [q, k, v] = qkv();
  AttentionProblem bf16 = make_attention_problem(q.to(at::kBFloat16), k.to(at::kBFloat16), v.to(at::kBFloat16),
                                                 at::Tensor(), std::nullopt, false);
  AttentionRegistry& registry = attention_registry();
  std::vector<AttentionVerdict> verdicts = registry.explain(bf16);
  ASSERT_EQ(verdicts[0].backend, "sdpa");
  EXPECT_TRUE(verdicts[0].supported);
  EXPECT_FALSE(verdicts[0].auto_candidate);
  EXPECT_NE(verdicts[0].reason.find("auto skips it: "), std::string::npos) << verdicts[0].reason;
  // Whichever auto-only check comes first on this LibTorch, the bf16 one refuses on its own.
  AttentionCheckList* checks = capability<AttentionCheckList>(*registry.find("sdpa"));
  ASSERT_TRUE(checks);
  bool found = false;
  for (const AttentionCheck& check : checks->checks()) {
    if (check.name != "not bfloat16/float16 on CPU") continue;
    found = true;
    EXPECT_TRUE(check.auto_only);
    EXPECT_NE(check.refusal(bf16).find("10-20x slower in bf16"), std::string::npos);
    AttentionProblem f32 = bf16;
    f32.dtype = at::kFloat;
    EXPECT_EQ(check.refusal(f32), "");
  }
  EXPECT_TRUE(found);
  {
    ScopedAttentionPolicy scope(training("auto"));
    EXPECT_EQ(registry.select("s", bf16)->name(), "chunked");
  }
  ScopedAttentionPolicy scope(training("sdpa"));
  EXPECT_EQ(registry.select("s", bf16)->name(), "sdpa");
}

TEST(AttentionPolicy, RecordingKeepsTheFirstCallOfEverySite) {
  ScopedAttentionPolicy scope(training("math"));
  AttentionRegistry& registry = attention_registry();
  auto [q, k, v] = qkv();
  registry.start_recording();
  AttentionHandle a("blocks.0.attn1"), b("blocks.0.attn2");
  a(q, k, v);
  b(q, k, v, at::Tensor(), 0.5, true);
  a(q, k, v, at::Tensor(), std::nullopt, true);
  std::vector<RecordedAttentionCall> calls = registry.stop_recording();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].site, "blocks.0.attn1");
  EXPECT_FALSE(calls[0].problem.causal);  // the first call, not the later causal one
  EXPECT_EQ(calls[1].site, "blocks.0.attn2");
  EXPECT_TRUE(calls[1].problem.causal);
  EXPECT_DOUBLE_EQ(calls[1].problem.scale, 0.5);
  a(q, k, v);
  EXPECT_TRUE(registry.stop_recording().empty()) << "recording stopped";
}

TEST(AttentionPolicy, ConcurrentCallsWhilePoliciesSwitch) {
  // Prefetch / validation threads call attention while the main thread switches policies at step
  // boundaries: every call runs on one of the policies' backends and none is lost.
  ScopedAttentionPolicy scope(training("math"));
  AttentionRegistry& registry = attention_registry();
  auto [q, k, v] = qkv();
  const uint64_t before = registry.calls("math") + registry.calls("chunked");
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> made{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 3; ++t)
    workers.emplace_back([&] {
      AttentionHandle attn("blocks.0.attn1");
      while (!stop) {
        at::Tensor out = attn(q, k, v);
        EXPECT_EQ(out.sizes(), q.sizes());
        ++made;
      }
    });
  for (int step = 0; step < 40; ++step) {
    registry.request_policy(training(step % 2 ? "math" : "chunked"));
    registry.apply_pending(step);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  stop = true;
  for (auto& w : workers) w.join();
  EXPECT_GT(made.load(), 0u);
  EXPECT_EQ(registry.calls("math") + registry.calls("chunked") - before, made.load());
}

TEST(AttentionHandleTest, BooleanMaskMeansTrueAttends) {
  ScopedAttentionPolicy scope(training("chunked"));
  auto [q, k, v] = qkv();
  at::Tensor keep = at::randn({8, 8}).gt(0);
  keep.select(1, 0).fill_(true);
  at::Tensor additive = at::zeros({8, 8}).masked_fill(keep.logical_not(), -INFINITY);
  AttentionHandle attn("s");
  EXPECT_TRUE(at::allclose(attn(q, k, v, keep), attn(q, k, v, additive), 1e-5, 1e-6));
}

TEST(AttentionHandleTest, BadShapesAreClearErrors) {
  AttentionHandle attn("blocks.0.attn1");
  at::Tensor q = at::randn({1, 4, 8, 16});
  EXPECT_NE(error_of([&] { attn(q, at::randn({1, 3, 8, 16}), at::randn({1, 3, 8, 16})); })
                .find("k/v heads (3) must divide q heads (4)"),
            std::string::npos);
  EXPECT_NE(error_of([&] { attn(q, at::randn({1, 4, 8, 8}), at::randn({1, 4, 8, 8})); }).find("batch or head dim"),
            std::string::npos);
  EXPECT_NE(error_of([&] { attn(q, at::randn({4, 8, 16}), at::randn({4, 8, 16})); })
                .find("k must be [B, Hkv, Lkv, D] (4-D), got shape [4, 8, 16]"),
            std::string::npos);
  at::Tensor k = at::randn({1, 4, 8, 16});
  EXPECT_NE(error_of([&] { attn(q, k, k, at::zeros({3, 8})); })
                .find("mask must broadcast to [B, Hq, Lq, Lkv] = [1, 4, 8, 8]"),
            std::string::npos);
  EXPECT_NE(error_of([&] { attn(q, k, k, at::zeros({8, 8}, at::kInt)); }).find("mask must be bool"), std::string::npos);
  EXPECT_NE(error_of([&] { attn(q, k.to(at::kDouble), k); }).find("share one dtype"), std::string::npos);
}

TEST(AttentionChecks, RefusalsNameTheCheckAndWhatWasFound) {
  AttentionProblem p;
  p.dtype = at::kDouble;
  p.Hq = 8;
  p.Hkv = 2;
  p.D = 256;
  p.mask = MaskKind::Additive;
  p.causal = true;
  EXPECT_EQ(first_refusal({dtype_in({at::kFloat, at::kBFloat16})}, p, false),
            "dtype in {float32, bfloat16}: got float64");
  EXPECT_EQ(first_refusal({device_type_in({c10::DeviceType::CUDA})}, p, false), "device is cuda: got cpu");
  EXPECT_EQ(first_refusal({no_gqa()}, p, false), "no GQA (k/v heads == q heads): Hq=8 Hkv=2");
  EXPECT_EQ(first_refusal({mask_kind_not(MaskKind::Additive)}, p, false), "mask kind is not additive: got additive");
  EXPECT_EQ(first_refusal({head_dim_at_most(128)}, p, false), "head dim <= 128: D=256");
  EXPECT_EQ(first_refusal({not_causal_with_mask()}, p, false),
            "not causal together with an explicit mask: got causal and mask kind additive");
  // Auto-only checks count only for auto; the first failing check is the one reported.
  std::vector<AttentionCheck> checks{auto_only(head_dim_at_most(64)), no_gqa()};
  EXPECT_EQ(first_refusal(checks, p, false), "no GQA (k/v heads == q heads): Hq=8 Hkv=2");
  EXPECT_EQ(first_refusal(checks, p, true), "head dim <= 64: D=256");
  p.Hkv = 8;
  EXPECT_EQ(first_refusal(checks, p, false), "");
}
