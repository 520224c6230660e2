// load_state on a real module tree: strict success, the readable diff, dtype casts, renaming
// sources, and the memory a load from a checkpoint needs.
#include "finetrain/state_dict.hpp"

#include <ATen/ops/arange.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/zeros.h>
#include <gtest/gtest.h>
#include <malloc.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <fstream>

#include "finetrain/error.hpp"
#include "finetrain/safetensors.hpp"
#include "safetensors_bytes.hpp"
#include "test_support.hpp"

namespace st = finetrain::safetensors;
using finetrain::LoadReport;
using finetrain::TensorMap;
using finetrain::TensorSource;
using finetrain::testing::error_of;
using finetrain::testing::ScratchDir;

namespace {

struct BlockImpl : torch::nn::Module {
  BlockImpl() {
    fc = register_module("fc", torch::nn::Linear(4, 8));
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({8})));
    steps = register_buffer("steps", at::zeros({1}, at::kLong));
  }
  torch::nn::Linear fc{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  at::Tensor steps;
};
TORCH_MODULE(Block);

// blocks.{0,1}.fc.{weight,bias}, blocks.{0,1}.norm.{weight,bias}, blocks.{0,1}.steps, proj.{weight,bias}
struct NetImpl : torch::nn::Module {
  NetImpl() {
    blocks = register_module("blocks", torch::nn::ModuleList(Block(), Block()));
    proj = register_module("proj", torch::nn::Linear(8, 3));
  }
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::Linear proj{nullptr};
};
TORCH_MODULE(Net);

// A state dict with distinct values everywhere, so a tensor loaded into the wrong place shows.
TensorMap distinct_state(const NetImpl& net) {
  TensorMap out;
  double offset = 0;
  for (const auto& [name, t] : finetrain::module_state(net)) {
    out[name] = (at::arange(t.numel(), t.options()).reshape(t.sizes()) + offset).to(t.scalar_type());
    offset += 100;
  }
  return out;
}

void expect_module_equals(const NetImpl& net, const TensorMap& expected) {
  for (const auto& [name, t] : finetrain::module_state(net))
    EXPECT_TRUE(at::equal(t, expected.at(name).to(t.scalar_type()))) << name;
}

}  // namespace

TEST(StateDictTest, ModuleStateNamesEveryParameterAndBuffer) {
  Net net;
  std::vector<std::string> names;
  for (const auto& [name, t] : finetrain::module_state(*net)) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"blocks.0.fc.bias", "blocks.0.fc.weight", "blocks.0.norm.bias",
                                             "blocks.0.norm.weight", "blocks.0.steps", "blocks.1.fc.bias",
                                             "blocks.1.fc.weight", "blocks.1.norm.bias", "blocks.1.norm.weight",
                                             "blocks.1.steps", "proj.bias", "proj.weight"}));
}

TEST(StateDictTest, StrictLoadFromACheckpointCopiesEveryTensor) {
  const ScratchDir dir("sd-strict");
  Net net;
  const TensorMap state = distinct_state(*net);
  st::save(dir / "w.safetensors", state);
  const LoadReport report =
      finetrain::load_state(*net, TensorSource::from_checkpoint(dir / "w.safetensors"), true, "w");
  EXPECT_TRUE(report.ok()) << report.describe();
  expect_module_equals(*net, state);
  EXPECT_TRUE(net->proj->weight.requires_grad()) << "loading keeps parameters trainable";
}

TEST(StateDictTest, MissingAndUnexpectedKeysFailBeforeAnythingIsCopied) {
  Net net;
  const TensorMap before = finetrain::module_state(*net);
  std::map<std::string, at::Tensor> original;
  for (const auto& [name, t] : before) original[name] = t.clone();
  TensorMap state = distinct_state(*net);
  state.erase("blocks.1.fc.bias");
  state.erase("blocks.0.steps");
  state["extra.weight"] = at::zeros({2});
  EXPECT_EQ(error_of([&] { finetrain::load_state(*net, TensorSource::from_map(state), true, "ckpt.safetensors"); }),
            "ckpt.safetensors: state dict does not match: 2 missing, 1 unexpected, 0 mismatched\n"
            "  missing (in the model, not in the checkpoint):\n"
            "    blocks.0.steps\n"
            "    blocks.1.fc.bias\n"
            "  unexpected (in the checkpoint, not in the model):\n"
            "    extra.weight");
  for (const auto& [name, t] : finetrain::module_state(*net)) EXPECT_TRUE(at::equal(t, original[name])) << name;
}

TEST(StateDictTest, ShapeAndKindMismatchesAreReported) {
  Net net;
  TensorMap state = distinct_state(*net);
  state["proj.weight"] = state["proj.weight"].t().contiguous();
  state["blocks.0.steps"] = at::zeros({1});  // float where the model keeps an integer
  EXPECT_EQ(error_of([&] { finetrain::load_state(*net, TensorSource::from_map(state), true, "m"); }),
            "m: state dict does not match: 0 missing, 0 unexpected, 2 mismatched\n"
            "  mismatched (shape or kind of number):\n"
            "    blocks.0.steps: checkpoint Float (floating point), model Long (integer)\n"
            "    proj.weight: checkpoint [8, 3], model [3, 8]");
}

TEST(StateDictTest, NonStrictLoadCopiesWhatMatchesAndReportsTheRest) {
  Net net;
  const at::Tensor proj_before = net->proj->weight.clone();
  TensorMap state = distinct_state(*net);
  state["proj.weight"] = at::zeros({3, 9});
  state.erase("proj.bias");
  state["unused"] = at::zeros({1});
  const LoadReport report = finetrain::load_state(*net, TensorSource::from_map(state), false, "m");
  EXPECT_EQ(report.describe(),
            "1 missing, 1 unexpected, 1 mismatched\n"
            "  missing (in the model, not in the checkpoint):\n"
            "    proj.bias\n"
            "  unexpected (in the checkpoint, not in the model):\n"
            "    unused\n"
            "  mismatched (shape or kind of number):\n"
            "    proj.weight: checkpoint [3, 9], model [3, 8]");
  EXPECT_TRUE(at::equal(net->proj->weight, proj_before)) << "a mismatched tensor is never copied";
  EXPECT_TRUE(at::equal(net->blocks->ptr<BlockImpl>(1)->fc->weight, state["blocks.1.fc.weight"]));
}

TEST(StateDictTest, LongListsAreCut) {
  LoadReport report;
  for (int i = 0; i < 23; ++i) report.missing.push_back("m" + std::to_string(i));
  const std::string text = report.describe();
  EXPECT_NE(text.find("\n    m19\n    ... and 3 more"), std::string::npos) << text;
  EXPECT_EQ(text.find("m20"), std::string::npos) << text;
}

TEST(StateDictTest, CastsBetweenStorageAndModelDtypes) {
  const ScratchDir dir("sd-cast");
  Net net;
  TensorMap state = distinct_state(*net);
  for (auto& [name, t] : state) t = t.is_floating_point() ? (t * 1.001).to(at::kBFloat16) : t;
  st::save(dir / "bf16.safetensors", state);
  finetrain::load_state(*net, TensorSource::from_checkpoint(dir / "bf16.safetensors"), true, "bf16");
  EXPECT_EQ(net->proj->weight.scalar_type(), at::kFloat);
  expect_module_equals(*net, state);  // bf16 values, exactly, in fp32 tensors

  TensorMap fp32 = distinct_state(*net);
  for (auto& [name, t] : fp32) t = t.is_floating_point() ? t * 1.001 : t;
  st::save(dir / "fp32.safetensors", fp32);
  for (auto& [name, t] : finetrain::module_state(*net))  // Module::to(dtype) would cast the integer buffers too
    if (t.is_floating_point()) t.set_data(t.to(at::kBFloat16));
  finetrain::load_state(*net, TensorSource::from_checkpoint(dir / "fp32.safetensors"), true, "fp32");
  EXPECT_EQ(net->proj->weight.scalar_type(), at::kBFloat16);
  expect_module_equals(*net, fp32);  // compared after the same fp32 -> bf16 rounding
  EXPECT_EQ(net->blocks->ptr<BlockImpl>(0)->steps.scalar_type(), at::kLong) << "integer buffers keep their dtype";
}

TEST(StateDictTest, PrefixRemovalAndRenaming) {
  Net net;
  const TensorMap state = distinct_state(*net);
  TensorMap prefixed;
  for (const auto& [name, t] : state) prefixed["transformer." + name] = t;
  prefixed["text_encoder.embed.weight"] = at::zeros({2});
  prefixed["transformer."] = at::zeros({1});  // the bare prefix names nothing

  const TensorSource source = TensorSource::from_map(prefixed).with_prefix_removed("transformer.");
  EXPECT_EQ(source.names.size(), state.size());
  EXPECT_TRUE(finetrain::load_state(*net, source, true, "p").ok());
  expect_module_equals(*net, state);

  // An original -> diffusers style adapter: rename some keys, drop others.
  TensorMap original;
  for (const auto& [name, t] : state) original[name == "proj.weight" ? "out.w" : name] = t;
  original["ignored.scale"] = at::zeros({1});
  const TensorSource adapted = TensorSource::from_map(original).renamed([](const std::string& name) {
    if (name == "out.w") return std::string("proj.weight");
    return name.rfind("ignored.", 0) == 0 ? std::string() : name;
  });
  EXPECT_TRUE(finetrain::load_state(*net, adapted, true, "r").ok());
  EXPECT_EQ(error_of([&] { adapted.get("out.w"); }), "renamed source has no tensor named 'out.w'");
  EXPECT_EQ(error_of([&] { TensorSource::from_map(original).get("nope"); }), "tensor map has no tensor named 'nope'");
}

TEST(StateDictTest, RenamingTwoKeysToOneIsAnError) {
  const TensorSource source = TensorSource::from_map({{"a.weight", at::zeros({1})}, {"b.weight", at::zeros({1})}});
  EXPECT_EQ(error_of([&] { source.renamed([](const std::string&) { return std::string("w"); }); }),
            "keys 'a.weight' and 'b.weight' are both renamed to 'w'");
  EXPECT_EQ(error_of([&] {
              source.with_prefix_removed("a.").renamed([](const std::string& n) { return n == "weight" ? "w" : n; });
            }),
            "(no error)");
}

TEST(StateDictTest, MissingCheckpointNamesThePath) {
  EXPECT_EQ(error_of([] { TensorSource::from_checkpoint("/nonexistent/w.safetensors"); }),
            "/nonexistent/w.safetensors: no such file or directory");
}

// ---- memory: a load needs the module plus about one tensor, not twice the module ----

namespace {

// A field of /proc/self/status, in bytes.
uint64_t status_bytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1)) * 1024;
  return 0;
}

struct WideNetImpl : torch::nn::Module {
  explicit WideNetImpl(int layers) {
    for (int i = 0; i < layers; ++i) register_module("layer" + std::to_string(i), torch::nn::Linear(2048, 2048));
  }
};
TORCH_MODULE(WideNet);

}  // namespace

TEST(StateDictTest, LoadingFromACheckpointNeedsAboutOneTensorOfExtraMemory) {
  // glibc would otherwise keep freed temporaries in its heap and split them for small allocations,
  // so resident memory would show its fragmentation (2-3 tensors here) instead of what the loader
  // holds. With a fixed threshold every large block is its own mapping, returned when freed.
  ASSERT_EQ(mallopt(M_MMAP_THRESHOLD, 1 << 20), 1);
  const ScratchDir dir("sd-memory");
  WideNet net(12);  // 12 x (2048 x 2048 + 2048) fp32: 201 MB, largest tensor 16.8 MB
  uint64_t model_bytes = 0, largest = 0;
  for (const auto& [name, t] : finetrain::module_state(*net)) {
    model_bytes += t.numel() * t.element_size();
    largest = std::max<uint64_t>(largest, t.numel() * t.element_size());
  }
  const std::string path = dir / "wide.safetensors";
  st::save(path, finetrain::module_state(*net));
  {
    c10::NoGradGuard no_grad;
    for (auto& [name, t] : finetrain::module_state(*net)) t.zero_();
  }

  // Peak from here on: writing 5 to clear_refs resets VmHWM to the current resident size.
  std::ofstream("/proc/self/clear_refs") << "5";
  const uint64_t resident = status_bytes("VmRSS");
  ASSERT_LE(status_bytes("VmHWM"), resident + (1 << 20)) << "the kernel did not reset the high-water mark";

  finetrain::load_state(*net, TensorSource::from_checkpoint(path), true, path);
  const uint64_t peak_extra = status_bytes("VmHWM") - resident;

  EXPECT_GT(net->named_parameters()["layer11.weight"].abs().sum().item<double>(), 0) << "the weights were loaded";
  EXPECT_LT(peak_extra, 2 * largest + (8 << 20))
      << "model " << model_bytes << " B, largest tensor " << largest << " B, peak extra " << peak_extra << " B";
  RecordProperty("peak_extra_bytes", std::to_string(peak_extra));
  RecordProperty("model_bytes", std::to_string(model_bytes));
}
