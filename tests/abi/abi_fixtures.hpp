// Shared by the ABI tests: where the fixture plugins are, and the health check every test runs
// after showing a fixture's refusal (the good fixture still loads, creates and computes).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "finetrain/attention_backend.hpp"
#include "plugin_host/plugin_host.hpp"

namespace abi_test {

// The directory of the fixture plugins, and the file of one variant (ft_attention_abi_<variant>.so).
std::string fixture_dir();
std::string fixture(const std::string& variant);

// The registry name each variant's component gets ("softmax-<variant>").
std::string component_of(const std::string& variant);

// Loads `variant` into `host` and returns its one-line refusal; fails the test when it loaded.
std::string refusal(finetrain::host::PluginHost& host, const std::string& variant);

// Loads `variant` and fails the test unless it loaded.
void expect_loads(finetrain::host::PluginHost& host, const std::string& variant);

// Creates `component`, runs a grouped-query attention problem through the choke point and
// compares with a loop-by-loop reference.
void expect_component_computes(finetrain::host::PluginHost& host, const std::string& component);

// The host is still healthy: the good fixture loads (unless it already has), creates an instance
// and a call through the choke point computes the right numbers.
void expect_host_healthy(finetrain::host::PluginHost& host);

// Attention by explicit loops, the reference the fixture component is checked against.
// q [B,Hq,Lq,D], k/v [B,Hkv,Lkv,D]; `allowed` (bool [Lq,Lkv]) may be undefined.
at::Tensor loop_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& allowed,
                          double scale);

// Deterministic inputs of the given shape.
at::Tensor seeded_tensor(at::IntArrayRef sizes, uint64_t seed);

// The fixture component's problem description for q, k, v (no mask).
finetrain::AttentionProblem problem_for(const at::Tensor& q, const at::Tensor& k);

// One line of nm's output: the name without its @version, the type letter, the size (with -S).
struct NmSymbol {
  std::string name;
  char type = '?';
  uint64_t size = 0;
};
std::vector<NmSymbol> nm_symbols(const std::string& options, const std::string& file);

}  // namespace abi_test
