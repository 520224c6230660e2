// The component path of check-parity on a real tiny component: a two-layer MLP with its own
// ComponentBuilder and a fixture folder written here from the module itself (config.json,
// weights.safetensors, io.safetensors with in/out/R/grad/aux tensors, README.md with tolerances).
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/gelu.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/zeros.h>
#include <gtest/gtest.h>
#include <torch/nn/modules/linear.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "finetrain/error.hpp"
#include "finetrain/parity_capture.hpp"
#include "finetrain/safetensors.hpp"
#include "finetrain/state_dict.hpp"
#include "parity/builder_catalog.hpp"
#include "parity/check_parity.hpp"
#include "parity/component_parity.hpp"
#include "parity/parity_output.hpp"
#include "test_support.hpp"

namespace finetrain::host {
namespace {

namespace fs = std::filesystem;

// y = fc2(gelu(fc1(x))), capturing fc1 and fc2 outputs under their module names.
struct TinyMlpImpl : torch::nn::Module {
  TinyMlpImpl(int64_t in, int64_t hidden, int64_t out)
      : fc1(register_module("fc1", torch::nn::Linear(in, hidden))),
        fc2(register_module("fc2", torch::nn::Linear(hidden, out))) {}
  at::Tensor forward(const at::Tensor& x) {
    at::Tensor h = fc1->forward(x);
    capture_intermediate("fc1", h);
    at::Tensor y = fc2->forward(at::gelu(h));
    capture_intermediate("fc2", y);
    return y;
  }
  torch::nn::Linear fc1;
  torch::nn::Linear fc2;
};
TORCH_MODULE(TinyMlp);

class TinyMlpComponent : public ParityComponent {
 public:
  TinyMlpComponent(int64_t in, int64_t hidden, int64_t out, bool drop_output)
      : mlp_(in, hidden, out), drop_output_(drop_output) {}
  torch::nn::Module* module() override { return mlp_.ptr().get(); }
  TensorMap run(const TensorMap& inputs, const std::string& call) override {
    if (call != "out.y = model(in.x)") throw Error("unexpected call: " + call);
    at::Tensor y = mlp_->forward(inputs.at("x"));
    if (drop_output_) return {};
    return {{"y", y}};
  }

 private:
  TinyMlp mlp_;
  bool drop_output_;
};

// drop_output: a broken implementation that produces no output.
ComponentBuilder tiny_mlp_builder(bool drop_output = false) {
  return {"TinyMlp", [drop_output](const std::string& config_json, c10::Device) -> std::unique_ptr<ParityComponent> {
            auto c = nlohmann::json::parse(config_json);
            return std::make_unique<TinyMlpComponent>(c.at("in_features").get<int64_t>(), c.at("hidden").get<int64_t>(),
                                                      c.at("out_features").get<int64_t>(), drop_output);
          }};
}

constexpr const char* kReadme =
    "# TinyMlp\n\nSuggested check: outputs `atol=1e-6, rtol=1e-5`; gradients `atol=1e-6, rtol=1e-5`.\n";

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

// A fixture folder for TinyMlp(4, 8, 3), removed with the object: the reference is the module itself.
struct Fixture {
  explicit Fixture(const std::string& tag);
  ~Fixture() { fs::remove_all(dir); }
  operator const std::string&() const { return dir; }
  std::string dir;
};

Fixture::Fixture(const std::string& tag) : dir(testing::make_temp_dir(tag)) {
  TinyMlp mlp(4, 8, 3);  // random initial weights: whatever they are, they are the reference's
  at::Generator g = at::detail::createCPUGenerator(1);
  at::Tensor x = at::randn({2, 5, 4}, g).requires_grad_(true);
  at::Tensor r = at::randn({2, 5, 3}, g);
  TensorMap io;
  {
    ParityCapture capture;
    at::Tensor y = mlp->forward(x);
    for (const auto& [name, t] : capture.tensors()) io["aux." + name] = t;
    y.mul(r).sum().backward();
    io["out.y"] = y.detach();
  }
  io["in.x"] = x.detach();
  io["R.y"] = r;
  io["grad.in.x"] = x.grad();
  for (const auto& p : mlp->named_parameters()) io["grad.param." + p.key()] = p.value().grad();
  safetensors::save((fs::path(dir) / "io.safetensors").string(), io,
                    {{"call", "out.y = model(in.x)"}, {"class", "TinyMlp"}});
  safetensors::save((fs::path(dir) / "weights.safetensors").string(), module_state(*mlp));
  write_text(fs::path(dir) / "config.json",
             R"({"_class_name": "TinyMlp", "in_features": 4, "hidden": 8, "out_features": 3})");
  write_text(fs::path(dir) / "README.md", kReadme);
}

// Rewrites weights.safetensors with `edit` applied to a copy of the tensors.
void edit_weights(const std::string& dir, const std::function<void(TensorMap&)>& edit) {
  const std::string path = (fs::path(dir) / "weights.safetensors").string();
  TensorMap weights;
  for (const auto& [name, t] : safetensors::load(path)) weights[name] = t.clone();
  edit(weights);
  safetensors::save(path, weights);
}

const ParityTolerances kTolerances{{1e-6, 1e-5}, {1e-6, 1e-5}};

const ParityRow* row(const ParityReport& report, const std::string& name) {
  for (const auto& r : report.rows)
    if (r.tensor == name) return &r;
  return nullptr;
}

TEST(ComponentParityTest, ReferenceFolderPasses) {
  const Fixture dir("parity-pass");
  const ParityReport report = run_component_parity(dir, tiny_mlp_builder(), kTolerances);
  EXPECT_TRUE(report.passed()) << parity_table(report);
  // out.y, grad.in.x and the four parameter gradients.
  EXPECT_EQ(report.rows.size(), 6u) << parity_table(report);
  ASSERT_NE(row(report, "grad.param.fc1.weight"), nullptr);
  EXPECT_TRUE(report.intermediates.empty());  // only compared on a failure
}

TEST(ComponentParityTest, PerturbedSecondLayerIsNamedAsFirstDivergence) {
  const Fixture dir("parity-fc2");
  edit_weights(dir, [](TensorMap& w) { w["fc2.weight"][1][2].add_(0.05); });
  const ParityReport report = run_component_parity(dir, tiny_mlp_builder(), kTolerances);
  EXPECT_FALSE(report.passed());
  ASSERT_NE(row(report, "out.y"), nullptr);
  EXPECT_FALSE(row(report, "out.y")->passed);
  EXPECT_FALSE(row(report, "grad.in.x")->passed);
  EXPECT_EQ(report.first_divergence, "fc2") << parity_table(report);
  ASSERT_EQ(report.intermediates.size(), 2u);
  EXPECT_TRUE(report.intermediates[0].passed);  // aux.fc1 still matches
  EXPECT_NE(parity_table(report).find("first diverging intermediate: fc2"), std::string::npos);
}

TEST(ComponentParityTest, PerturbedFirstLayerIsNamedAsFirstDivergence) {
  const Fixture dir("parity-fc1");
  edit_weights(dir, [](TensorMap& w) { w["fc1.bias"][3].add_(0.05); });
  const ParityReport report = run_component_parity(dir, tiny_mlp_builder(), kTolerances);
  EXPECT_FALSE(report.passed());
  EXPECT_EQ(report.first_divergence, "fc1") << parity_table(report);
}

TEST(ComponentParityTest, MissingAndUnexpectedKeysAreListedAndFail) {
  const Fixture dir("parity-keys");
  edit_weights(dir, [](TensorMap& w) {
    w.erase("fc2.bias");
    w["fc3.weight"] = at::zeros({3, 3});
  });
  const ParityReport report = run_component_parity(dir, tiny_mlp_builder(), kTolerances);
  EXPECT_FALSE(report.passed());
  EXPECT_EQ(report.missing_keys, std::vector<std::string>{"fc2.bias"});
  EXPECT_EQ(report.unexpected_keys, std::vector<std::string>{"fc3.weight"});
  const auto json = parity_json(report);
  EXPECT_EQ(json["keys"]["missing"][0], "fc2.bias");
  EXPECT_FALSE(json["passed"].get<bool>());
}

TEST(ComponentParityTest, MissingOutputFailsEveryRowWithAReason) {
  const Fixture dir("parity-no-output");
  const ParityReport report = run_component_parity(dir, tiny_mlp_builder(/*drop_output=*/true), kTolerances);
  EXPECT_FALSE(report.passed());
  EXPECT_EQ(report.rows.size(), 6u);
  EXPECT_EQ(row(report, "out.y")->error, "not produced");
  // Gradients cannot be formed without the output; they are reported, not skipped.
  EXPECT_NE(row(report, "grad.param.fc2.bias")->error.find("no loss"), std::string::npos);
}

TEST(ComponentParityTest, CheckParityReadsTolerancesAndRejectsUnknownClasses) {
  BuilderCatalog catalog = BuilderCatalog::collect(nullptr);
  catalog.add(tiny_mlp_builder(), "test");
  const Fixture dir("parity-check");
  const ParityReport report = check_parity(dir, catalog);
  EXPECT_TRUE(report.passed()) << parity_table(report);
  EXPECT_EQ(row(report, "out.y")->tolerance.rtol, 1e-5);

  write_text(fs::path(dir.dir) / "config.json", R"({"_class_name": "NoSuchModel"})");
  const ParityReport unknown = check_parity(dir, catalog);
  EXPECT_FALSE(unknown.passed());
  for (const char* known : {"NoSuchModel", "TinyMlp", "FlowMatchEulerDiscreteScheduler", "CogVideoXDDIMScheduler"})
    EXPECT_NE(unknown.error.find(known), std::string::npos) << unknown.error;

  write_text(fs::path(dir.dir) / "config.json",
             R"({"_class_name": "TinyMlp", "in_features": 4, "hidden": 8, "out_features": 3})");
  write_text(fs::path(dir.dir) / "README.md", "# no tolerances\n");
  EXPECT_NE(check_parity(dir, catalog).error.find("no tolerances stated"), std::string::npos);
}

TEST(ComponentParityTest, PluginBuildersAreCalledThroughTheChokePoint) {
  ComponentBuilder failing{"Broken", [](const std::string&, c10::Device) -> std::unique_ptr<ParityComponent> {
                             throw std::runtime_error("bad config");
                           }};
  ComponentBuilder wrapped = wrap_plugin_builder(failing, "acme");
  try {
    wrapped.build("{}", c10::Device(c10::kCPU));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("plugin 'acme'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad config"), std::string::npos) << e.what();
  }
  // run() of a wrapped component goes through the choke point too.
  auto component = wrap_plugin_builder(tiny_mlp_builder(), "acme")
                       .build(R"({"in_features": 4, "hidden": 8, "out_features": 3})", c10::Device(c10::kCPU));
  ASSERT_NE(component->module(), nullptr);
  try {
    component->run({}, "some other call");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("plugin 'acme'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace finetrain::host
