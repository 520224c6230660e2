#include "finetrain/safetensors.hpp"

#include <ATen/ops/arange.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/randn.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "finetrain/error.hpp"
#include "test_support.hpp"

namespace st = finetrain::safetensors;
namespace fs = std::filesystem;

TEST(SafetensorsTest, RoundTripsEveryDtypeAndMetadata) {
  const std::string dir = finetrain::testing::make_temp_dir("st-roundtrip");
  finetrain::TensorMap tensors;
  tensors["f32"] = at::randn({3, 5});
  tensors["f64"] = at::randn({2}, at::kDouble);
  tensors["f16"] = at::randn({4, 1}).to(at::kHalf);
  tensors["bf16"] = at::randn({7}).to(at::kBFloat16);
  tensors["i64"] = at::arange(5, at::kLong);
  tensors["i32"] = at::arange(3, at::kInt);
  tensors["i16"] = at::arange(3, at::kShort);
  tensors["i8"] = at::arange(3, at::kChar);
  tensors["u8"] = at::arange(9, at::kByte);
  tensors["bool"] = at::arange(3, at::kLong).gt(0);
  tensors["scalar"] = at::randn({});
  tensors["empty"] = at::randn({0, 4});
  const std::string path = dir + "/t.safetensors";
  st::save(path, tensors, {{"format", "pt"}, {"note", "quote \" and \\ backslash"}});

  auto file = st::File::open(path);
  EXPECT_EQ(file->metadata().at("format"), "pt");
  EXPECT_EQ(file->metadata().at("note"), "quote \" and \\ backslash");
  ASSERT_EQ(file->tensors().size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    at::Tensor back = file->tensor(name);
    EXPECT_EQ(back.scalar_type(), t.scalar_type()) << name;
    EXPECT_TRUE(at::equal(back, t)) << name;
  }
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  fs::remove_all(dir);
}

TEST(SafetensorsTest, ReadsEveryFixtureFile) {
  FT_REQUIRE_FIXTURE(root, "");
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().extension() != ".safetensors") continue;
    auto file = st::File::open(e.path().string());
    for (const auto& info : file->tensors()) {
      at::Tensor t = file->tensor(info.name);
      EXPECT_EQ(t.sizes(), at::IntArrayRef(info.shape)) << e.path() << " " << info.name;
    }
    ++files;
  }
  EXPECT_GT(files, 50u);
}

TEST(SafetensorsTest, TruncatedFileNamesFileAndProblem) {
  const std::string dir = finetrain::testing::make_temp_dir("st-bad");
  const std::string path = dir + "/bad.safetensors";
  st::save(path, {{"w", at::randn({16})}});
  fs::resize_file(path, fs::file_size(path) - 4);
  try {
    st::File::open(path);
    FAIL() << "expected an error";
  } catch (const finetrain::Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ": tensor 'w': data_offsets [0, 64] exceed the data area (60 bytes)");
  }
  fs::remove_all(dir);
}
