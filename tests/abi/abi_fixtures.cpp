#include "abi_fixtures.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/allclose.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/zeros.h>

#include <cmath>
#include <sstream>

#include "finetrain/attention.hpp"
#include "test_support.hpp"

namespace abi_test {

using finetrain::host::PluginHost;
using finetrain::host::PluginStatus;

std::string fixture_dir() { return FT_ABI_FIXTURE_DIR; }

std::string fixture(const std::string& variant) { return fixture_dir() + "/ft_attention_abi_" + variant + ".so"; }

std::string component_of(const std::string& variant) { return "softmax-" + variant; }

std::string refusal(PluginHost& host, const std::string& variant) {
  const PluginStatus& status = host.load_file(fixture(variant));
  EXPECT_FALSE(status.loaded) << variant << " loaded but should have been refused";
  EXPECT_EQ(status.error.find('\n'), std::string::npos) << "refusal is not one line: " << status.error;
  EXPECT_TRUE(status.components.empty()) << "a refused plugin left components behind";
  return status.error;
}

void expect_loads(PluginHost& host, const std::string& variant) {
  const PluginStatus& status = host.load_file(fixture(variant));
  EXPECT_TRUE(status.loaded) << variant << " refused: " << status.error;
  EXPECT_EQ(status.error, "");
}

at::Tensor seeded_tensor(at::IntArrayRef sizes, uint64_t seed) {
  return at::randn(sizes, at::detail::createCPUGenerator(seed));
}

finetrain::AttentionProblem problem_for(const at::Tensor& q, const at::Tensor& k) {
  return finetrain::make_attention_problem(q, k, k, at::Tensor(), std::nullopt, /*causal=*/false);
}

at::Tensor loop_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& allowed,
                          double scale) {
  const int64_t B = q.size(0), Hq = q.size(1), Lq = q.size(2), D = q.size(3), Hkv = k.size(1), Lkv = k.size(2);
  at::Tensor out = at::zeros({B, Hq, Lq, D}, at::kDouble);
  const at::Tensor qd = q.to(at::kDouble), kd = k.to(at::kDouble), vd = v.to(at::kDouble);
  const auto Q = qd.accessor<double, 4>();
  const auto K = kd.accessor<double, 4>();
  const auto V = vd.accessor<double, 4>();
  auto O = out.accessor<double, 4>();
  auto sees = [&allowed](int64_t i, int64_t j) { return !allowed.defined() || allowed[i][j].item<bool>(); };
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < Hq; ++h) {
      const int64_t kv = h / (Hq / Hkv);
      for (int64_t i = 0; i < Lq; ++i) {
        std::vector<double> weight(Lkv, 0.0);
        double max_score = -INFINITY, total = 0.0;
        for (int64_t j = 0; j < Lkv; ++j) {
          if (!sees(i, j)) continue;
          double s = 0.0;
          for (int64_t d = 0; d < D; ++d) s += Q[b][h][i][d] * K[b][kv][j][d];
          weight[j] = s * scale;
          max_score = std::max(max_score, weight[j]);
        }
        for (int64_t j = 0; j < Lkv; ++j) {
          weight[j] = sees(i, j) ? std::exp(weight[j] - max_score) : 0.0;
          total += weight[j];
        }
        for (int64_t j = 0; j < Lkv; ++j)
          for (int64_t d = 0; d < D; ++d) O[b][h][i][d] += weight[j] / total * V[b][kv][j][d];
      }
    }
  return out.to(q.scalar_type());
}

void expect_component_computes(PluginHost& host, const std::string& component) {
  auto attention = host.create<finetrain::AttentionBackend>(component);
  ASSERT_TRUE(attention);
  // Grouped-query: two query heads share each key/value head.
  const at::Tensor q = seeded_tensor({2, 4, 3, 8}, 1), k = seeded_tensor({2, 2, 5, 8}, 2),
                   v = seeded_tensor({2, 2, 5, 8}, 3);
  const finetrain::AttentionProblem problem = problem_for(q, k);
  std::string why;
  ASSERT_TRUE(attention.call("supports", [&](finetrain::AttentionBackend& a) { return a.supports(problem, &why); }))
      << why;
  const at::Tensor out = attention.call(
      "forward", [&](finetrain::AttentionBackend& a) { return a.forward(q, k, v, at::Tensor(), problem); });
  EXPECT_TRUE(at::allclose(out, loop_attention(q, k, v, at::Tensor(), problem.scale), 1e-5, 1e-6));
}

void expect_host_healthy(PluginHost& host) {
  if (!host.find(FT_PLUGIN_KIND_ATTENTION_BACKEND, component_of("good"))) expect_loads(host, "good");
  expect_component_computes(host, component_of("good"));
}

std::vector<NmSymbol> nm_symbols(const std::string& options, const std::string& file) {
  std::string output;
  const int rc = finetrain::testing::run_command("nm " + options + " '" + file + "' 2>&1", &output, 60);
  EXPECT_EQ(rc, 0) << "nm " << options << " " << file << ":\n" << output;
  std::vector<NmSymbol> symbols;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    // "[address] [size] type name": undefined symbols have no address, only -S prints a size.
    std::istringstream fields(line);
    std::vector<std::string> parts;
    for (std::string f; fields >> f;) parts.push_back(f);
    if (parts.size() < 2 || parts[parts.size() - 2].size() != 1) continue;
    NmSymbol symbol;
    symbol.name = parts.back().substr(0, parts.back().find('@'));
    symbol.type = parts[parts.size() - 2][0];
    if (parts.size() == 4) symbol.size = std::stoull(parts[1], nullptr, 16);
    symbols.push_back(symbol);
  }
  return symbols;
}

}  // namespace abi_test
