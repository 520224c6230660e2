// `attention explain` output: per recorded site, the selection and every backend's verdict.
#include <ATen/ops/randn.h>
#include <gtest/gtest.h>

#include "attention/attention_report.hpp"
#include "finetrain/attention.hpp"

using namespace finetrain;

namespace {

std::vector<RecordedAttentionCall> record_two_sites() {
  AttentionRegistry& registry = attention_registry();
  at::Tensor q = at::randn({1, 4, 16, 8}), kv = at::randn({1, 4, 16, 8}), gqa = at::randn({1, 2, 16, 8});
  registry.start_recording();
  AttentionHandle("blocks.0.attn1")(q, kv, kv);
  try {
    AttentionHandle("blocks.0.attn2")(q, gqa, gqa);  // refused under an explicit sdpa policy
  } catch (const std::exception&) {
  }
  return registry.stop_recording();
}

}  // namespace

TEST(AttentionReport, ExplainShowsSelectionAndEveryVerdictPerSite) {
  std::vector<RecordedAttentionCall> calls = record_two_sites();
  ASSERT_EQ(calls.size(), 2u);
  std::string table = host::explain_table(calls);
  EXPECT_NE(table.find("attention policy: training=auto validation=auto (phase: training)"), std::string::npos)
      << table;
  EXPECT_NE(table.find("blocks.0.attn1\n  problem:  float32 cpu B=1 Hq=4 Hkv=4 Lq=16 Lkv=16 D=8 mask=none"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("blocks.0.attn2\n  problem:  float32 cpu B=1 Hq=4 Hkv=2"), std::string::npos) << table;
  // Under auto on a CPU both sites land on chunked; sdpa's GQA refusal is shown with its reason.
  EXPECT_NE(table.find("  selected: chunked\n"), std::string::npos) << table;
  EXPECT_NE(table.find("refuses       no GQA (k/v heads == q heads): Hq=4 Hkv=2"), std::string::npos) << table;
  EXPECT_NE(table.find("math          100  ok"), std::string::npos) << table;
}

TEST(AttentionReport, ExplainShowsWhyAnExplicitBackendCannotRunASite) {
  AttentionPolicy sdpa;
  sdpa.training_backend = "sdpa";
  ScopedAttentionPolicy scope(sdpa);
  std::vector<RecordedAttentionCall> calls = record_two_sites();
  ASSERT_EQ(calls.size(), 2u) << "the refused call is recorded too";
  std::string table = host::explain_table(calls);
  EXPECT_NE(table.find("  selected: sdpa\n"), std::string::npos) << table;
  EXPECT_NE(table.find("  selected: none: attention at site 'blocks.0.attn2': backend 'sdpa' (training backend)"),
            std::string::npos)
      << table;
}
