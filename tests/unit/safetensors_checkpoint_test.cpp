// Checkpoint::open on a file, an index and a directory (diffusers and transformers naming), and
// every way a sharded checkpoint can be inconsistent.
#include <ATen/ops/arange.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/ones.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "finetrain/safetensors.hpp"
#include "safetensors_bytes.hpp"
#include "test_support.hpp"

namespace st = finetrain::safetensors;
namespace fs = std::filesystem;
using finetrain::testing::error_of;
using finetrain::testing::ScratchDir;
using finetrain::testing::write_file;

namespace {

// {"metadata": {...}, "weight_map": {name: shard, ...}} as the reference libraries write it.
void write_index(const std::string& path, const std::vector<std::pair<std::string, std::string>>& weight_map) {
  std::string text = "{\"metadata\": {\"total_size\": 0}, \"weight_map\": {";
  for (size_t i = 0; i < weight_map.size(); ++i)
    text += (i ? ", \"" : "\"") + weight_map[i].first + "\": \"" + weight_map[i].second + "\"";
  write_file(path, text + "}}");
}

// Two shards of a model with tensors a, b (shard 1) and c (shard 2), and their index.
struct ShardedModel {
  ShardedModel(const std::string& dir, const std::string& stem) : index(dir + "/" + stem + ".safetensors.index.json") {
    shard1 = stem + "-00001-of-00002.safetensors";
    shard2 = stem + "-00002-of-00002.safetensors";
    st::save(dir + "/" + shard1, {{"a", a}, {"b", b}}, {{"format", "pt"}});
    st::save(dir + "/" + shard2, {{"c", c}}, {{"format", "other"}});
    write_index(index, {{"a", shard1}, {"b", shard1}, {"c", shard2}});
  }
  at::Tensor a = at::arange(4, at::kFloat), b = at::arange(6, at::kLong).reshape({2, 3}), c = at::ones({3}, at::kHalf);
  std::string index, shard1, shard2;

  void expect_loaded(const st::Checkpoint& checkpoint) const {
    EXPECT_EQ(checkpoint.names(), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_TRUE(at::equal(checkpoint.tensor("a"), a));
    EXPECT_TRUE(at::equal(checkpoint.read("b"), b));
    EXPECT_TRUE(at::equal(checkpoint.tensor("c"), c));
    EXPECT_EQ(checkpoint.info("c").dtype, "F16");
    EXPECT_EQ(checkpoint.metadata().at("format"), "pt");  // of the first shard by name
  }
};

}  // namespace

// ---- opening ----

TEST(SafetensorsCheckpointTest, OpensASingleFile) {
  const ScratchDir dir("ckpt-file");
  const std::string path = dir / "weights.safetensors";
  st::save(path, {{"z", at::ones({2})}, {"a", at::ones({1}, at::kLong)}}, {{"k", "v"}});
  auto checkpoint = st::Checkpoint::open(path);
  EXPECT_EQ(checkpoint->path(), path);
  EXPECT_EQ(checkpoint->names(), (std::vector<std::string>{"a", "z"}));
  EXPECT_TRUE(checkpoint->contains("z"));
  EXPECT_FALSE(checkpoint->contains("y"));
  EXPECT_EQ(checkpoint->info("z").shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(checkpoint->metadata().at("k"), "v");
  EXPECT_EQ(error_of([&] { checkpoint->tensor("y"); }), path + ": no tensor named 'y'");
  EXPECT_EQ(error_of([&] { checkpoint->info("y"); }), path + ": no tensor named 'y'");

  const finetrain::TensorMap all = st::load(path);
  EXPECT_EQ(all.size(), 2u);
  EXPECT_TRUE(at::equal(all.at("z"), at::ones({2})));
}

TEST(SafetensorsCheckpointTest, OpensAnIndex) {
  const ScratchDir dir("ckpt-index");
  const ShardedModel model(dir.path, "model");
  auto checkpoint = st::Checkpoint::open(model.index);
  EXPECT_EQ(checkpoint->path(), model.index);
  model.expect_loaded(*checkpoint);
  EXPECT_EQ(error_of([&] { checkpoint->read("zz"); }), model.index + ": no tensor named 'zz'");
  EXPECT_EQ(st::load(model.index).size(), 3u);
}

TEST(SafetensorsCheckpointTest, OpensADiffusersShardedDirectory) {
  const ScratchDir dir("ckpt-diffusers");
  const ShardedModel model(dir.path, "diffusion_pytorch_model");
  auto checkpoint = st::Checkpoint::open(dir.path);
  EXPECT_EQ(checkpoint->path(), model.index);
  model.expect_loaded(*checkpoint);
}

TEST(SafetensorsCheckpointTest, OpensATransformersShardedDirectory) {
  const ScratchDir dir("ckpt-transformers");
  const ShardedModel model(dir.path, "model");
  auto checkpoint = st::Checkpoint::open(dir.path);
  EXPECT_EQ(checkpoint->path(), model.index);
  model.expect_loaded(*checkpoint);
}

TEST(SafetensorsCheckpointTest, DirectoryPrefersTheStandardNameOverVariants) {
  const ScratchDir dir("ckpt-variants");
  st::save(dir / "diffusion_pytorch_model.safetensors", {{"w", at::ones({2})}});
  st::save(dir / "diffusion_pytorch_model.fp16.safetensors", {{"w", at::ones({2}, at::kHalf)}});
  EXPECT_EQ(st::Checkpoint::open(dir.path)->path(), dir / "diffusion_pytorch_model.safetensors");

  const ScratchDir transformers("ckpt-variants-tf");
  st::save(transformers / "model.safetensors", {{"w", at::ones({2})}});
  st::save(transformers / "model.fp16.safetensors", {{"w", at::ones({2}, at::kHalf)}});
  EXPECT_EQ(st::Checkpoint::open(transformers.path)->path(), transformers / "model.safetensors");
}

TEST(SafetensorsCheckpointTest, DirectoryWithOneCandidateOfAnyName) {
  const ScratchDir dir("ckpt-any");
  st::save(dir / "pytorch_lora_weights.safetensors", {{"w", at::ones({2})}});
  EXPECT_EQ(st::Checkpoint::open(dir.path)->path(), dir / "pytorch_lora_weights.safetensors");

  const ScratchDir sharded("ckpt-any-index");
  const ShardedModel model(sharded.path, "unet");  // the shards beside the index are not candidates
  EXPECT_EQ(st::Checkpoint::open(sharded.path)->path(), model.index);
}

// ---- ambiguous or empty directories ----

TEST(SafetensorsCheckpointTest, DirectoryWithSeveralCandidatesIsAnError) {
  const ScratchDir both("ckpt-both");
  const ShardedModel model(both.path, "diffusion_pytorch_model");
  st::save(both / "diffusion_pytorch_model.safetensors", {{"a", at::ones({1})}});
  EXPECT_EQ(error_of([&] { st::Checkpoint::open(both.path); }),
            both.path +
                ": several checkpoints (diffusion_pytorch_model.safetensors.index.json, "
                "diffusion_pytorch_model.safetensors); name the file to load instead of the directory");

  const ScratchDir mixed("ckpt-mixed");
  st::save(mixed / "diffusion_pytorch_model.safetensors", {{"a", at::ones({1})}});
  st::save(mixed / "model.safetensors", {{"a", at::ones({1})}});
  EXPECT_EQ(error_of([&] { st::Checkpoint::open(mixed.path); }),
            mixed.path +
                ": several checkpoints (diffusion_pytorch_model.safetensors, model.safetensors); name the "
                "file to load instead of the directory");

  const ScratchDir loose("ckpt-loose");
  st::save(loose / "one.safetensors", {{"a", at::ones({1})}});
  st::save(loose / "two.safetensors", {{"a", at::ones({1})}});
  EXPECT_EQ(error_of([&] { st::Checkpoint::open(loose.path); }),
            loose.path +
                ": several checkpoints (one.safetensors, two.safetensors); name the file to load instead of "
                "the directory");
}

TEST(SafetensorsCheckpointTest, DirectoryWithoutCheckpointIsAnError) {
  const ScratchDir dir("ckpt-empty");
  write_file(dir / "config.json", "{}");
  EXPECT_EQ(error_of([&] { st::Checkpoint::open(dir.path); }),
            dir.path + ": no .safetensors file or *.safetensors.index.json in this directory");
  EXPECT_EQ(error_of([&] { st::Checkpoint::open(dir / "absent"); }), dir / "absent: no such file or directory");
}

// ---- inconsistent shards ----

TEST(SafetensorsCheckpointTest, MissingShard) {
  const ScratchDir dir("ckpt-missing-shard");
  const ShardedModel model(dir.path, "model");
  fs::remove(dir / model.shard2);
  EXPECT_EQ(error_of([&] { st::Checkpoint::open(model.index); }), model.index + ": shard " + model.shard2 +
                                                                      " (listed for 'c'): " + dir / model.shard2 +
                                                                      ": cannot open: No such file or directory");
  fs::remove(dir / model.shard1);
  EXPECT_EQ(error_of([&] { st::Checkpoint::open(model.index); }),
            model.index + ": shard " + model.shard1 + " (listed for 'a' and 1 more): " + dir / model.shard1 +
                ": cannot open: No such file or directory");
}

TEST(SafetensorsCheckpointTest, CorruptShardNamesIndexShardAndTensor) {
  const ScratchDir dir("ckpt-corrupt-shard");
  const ShardedModel model(dir.path, "model");
  fs::resize_file(dir / model.shard2, fs::file_size(dir / model.shard2) - 2);
  EXPECT_EQ(error_of([&] { st::Checkpoint::open(model.index); }),
            model.index + ": shard " + model.shard2 + " (listed for 'c'): " + dir / model.shard2 +
                ": tensor 'c': data_offsets [0, 6] exceed the data area (4 bytes)");
}

TEST(SafetensorsCheckpointTest, TensorListedButAbsentFromItsShard) {
  const ScratchDir dir("ckpt-absent");
  const ShardedModel model(dir.path, "model");
  write_index(model.index, {{"a", model.shard1}, {"b", model.shard1}, {"c", model.shard2}, {"d", model.shard2}});
  EXPECT_EQ(error_of([&] { st::Checkpoint::open(model.index); }),
            model.index + ": weight_map puts 'd' in " + model.shard2 + ", which has no such tensor");
}

TEST(SafetensorsCheckpointTest, TensorInTwoShards) {
  const ScratchDir dir("ckpt-twice");
  const ShardedModel model(dir.path, "model");
  st::save(dir / model.shard2, {{"c", model.c}, {"a", model.a}});
  EXPECT_EQ(error_of([&] { st::Checkpoint::open(model.index); }),
            model.index + ": tensor 'a' is in two shards: " + model.shard1 + " (where the index lists it) and " +
                model.shard2);
}

TEST(SafetensorsCheckpointTest, TensorInAShardButNotInTheIndex) {
  const ScratchDir dir("ckpt-unlisted");
  const ShardedModel model(dir.path, "model");
  st::save(dir / model.shard2, {{"c", model.c}, {"extra", model.a}});
  EXPECT_EQ(error_of([&] { st::Checkpoint::open(model.index); }),
            dir / model.shard2 + ": tensor 'extra' is not listed in " + model.index);
}

TEST(SafetensorsCheckpointTest, MalformedIndex) {
  const ScratchDir dir("ckpt-bad-index");
  const ShardedModel model(dir.path, "model");
  const std::string& index = model.index;
  auto problem = [&](const std::string& text) {
    write_file(index, text);
    return error_of([&] { st::Checkpoint::open(index); });
  };
  EXPECT_EQ(problem(R"({"weight_map": {"a": "s.safetensors", "a": "t.safetensors"}})"),
            index + ": weight_map lists tensor 'a' twice");
  EXPECT_EQ(problem(R"({"metadata": {}})"), index + ": no \"weight_map\" object");
  EXPECT_EQ(problem(R"([])"), index + ": no \"weight_map\" object");
  EXPECT_EQ(problem(R"({"weight_map": {"a": 1}})"),
            index + ": weight_map entry 'a' must be a shard file name, got number");
  EXPECT_EQ(problem(R"({"weight_map": {"a": "../model-00001-of-00002.safetensors"}})"),
            index +
                ": weight_map puts 'a' in \"../model-00001-of-00002.safetensors\", which is not a file inside the "
                "index's folder");
  EXPECT_EQ(problem(R"({"weight_map": {"a": "/tmp/x.safetensors"}})"),
            index + ": weight_map puts 'a' in \"/tmp/x.safetensors\", which is not a file inside the index's folder");
  EXPECT_EQ(problem(R"({"weight_map": {"a": ""}})"),
            index + ": weight_map puts 'a' in \"\", which is not a file inside the index's folder");
  const std::string truncated = problem(R"({"weight_map": {"a": )");
  EXPECT_EQ(truncated.rfind(index + ": not valid JSON: ", 0), 0u) << truncated;
}
