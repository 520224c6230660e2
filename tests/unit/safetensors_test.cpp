// safetensors round trips, what the writer guarantees, the zero-copy mapping, and every fixture file.
#include "finetrain/safetensors.hpp"

#include <ATen/ops/arange.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/full.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/zeros.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "finetrain/error.hpp"
#include "finetrain/torch_compat.hpp"
#include "safetensors_bytes.hpp"
#include "test_support.hpp"

namespace st = finetrain::safetensors;
namespace fs = std::filesystem;
using finetrain::testing::error_of;
using finetrain::testing::read_file;
using finetrain::testing::safetensors_bytes;
using finetrain::testing::ScratchDir;
using finetrain::testing::write_file;

namespace {

struct Range {
  uintptr_t begin, end;
};

// Where `path` is mapped in this process, from /proc/self/maps: independent of the code under test.
std::vector<Range> mappings_of(const std::string& path) {
  const std::string target = fs::canonical(path).string();
  std::ifstream maps("/proc/self/maps");
  std::vector<Range> out;
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream fields(line);
    std::string range, perms, offset, device, inode, name;
    fields >> range >> perms >> offset >> device >> inode >> name;
    if (name != target) continue;
    const size_t dash = range.find('-');
    out.push_back({std::stoull(range.substr(0, dash), nullptr, 16), std::stoull(range.substr(dash + 1), nullptr, 16)});
  }
  return out;
}

bool inside(const std::vector<Range>& ranges, const at::Tensor& t) {
  const auto begin = reinterpret_cast<uintptr_t>(t.data_ptr());
  const auto end = begin + t.numel() * t.element_size();
  for (const Range& r : ranges)
    if (begin >= r.begin && end <= r.end) return true;
  return false;
}

std::string le64(uint64_t v) {
  std::string out(8, '\0');
  std::memcpy(out.data(), &v, 8);
  return out;
}

std::string floats(std::initializer_list<float> values) {
  std::string out;
  for (float v : values) out.append(reinterpret_cast<const char*>(&v), 4);
  return out;
}

}  // namespace

// ---- round trips ----

TEST(SafetensorsTest, RoundTripsEveryDtypeAndMetadata) {
  const ScratchDir dir("st-roundtrip");
  finetrain::TensorMap tensors;
  tensors["f64"] = at::randn({2, 3}, at::kDouble);
  tensors["f32"] = at::randn({3, 5});
  tensors["f16"] = at::randn({4, 1}).to(at::kHalf);
  tensors["bf16"] = at::randn({7}).to(at::kBFloat16);
  tensors["i64"] = at::arange(-2, 5, at::kLong);
  tensors["i32"] = at::arange(-3, 3, at::kInt);
  tensors["i16"] = at::arange(-3, 3, at::kShort);
  tensors["i8"] = at::arange(-3, 3, at::kChar);
  tensors["u8"] = at::arange(250, 256, at::kShort).to(at::kByte);
  tensors["bool"] = at::arange(4, at::kLong).remainder(2).eq(0);
  const std::string path = dir / "t.safetensors";
  const st::Metadata metadata = {{"format", "pt"}, {"note", "quote \" backslash \\ newline \n unicode \u00e9\u6f22"}};
  st::save(path, tensors, metadata);

  auto file = st::File::open(path);
  EXPECT_EQ(file->metadata(), metadata);
  ASSERT_EQ(file->tensors().size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    ASSERT_NE(file->find(name), nullptr) << name;
    EXPECT_EQ(file->find(name)->dtype, st::dtype_from_scalar_type(t.scalar_type())) << name;
    for (const at::Tensor& back : {file->tensor(name), file->read(name)}) {
      EXPECT_EQ(back.scalar_type(), t.scalar_type()) << name;
      EXPECT_TRUE(at::equal(back, t)) << name;
    }
  }
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST(SafetensorsTest, Float8RoundTripsWhereLibTorchHasIt) {
  const ScratchDir dir("st-f8");
#if FT_HAS_FLOAT8
  finetrain::TensorMap tensors = {{"e4m3", at::randn({3, 4}).to(at::kFloat8_e4m3fn)},
                                  {"e5m2", at::randn({5}).to(at::kFloat8_e5m2)}};
  st::save(dir / "f8.safetensors", tensors);
  auto file = st::File::open(dir / "f8.safetensors");
  EXPECT_EQ(file->find("e4m3")->dtype, "F8_E4M3");
  EXPECT_EQ(file->find("e5m2")->dtype, "F8_E5M2");
  for (const auto& [name, t] : tensors) EXPECT_TRUE(at::equal(file->tensor(name).to(at::kFloat), t.to(at::kFloat)));
#else
  const std::string version = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR);
  EXPECT_EQ(error_of([] { st::scalar_type_from_dtype("F8_E4M3"); }),
            "dtype F8_E4M3 needs LibTorch >= 2.1 (this build links " + version + ")");
  EXPECT_EQ(error_of([] { st::scalar_type_from_dtype("F8_E5M2"); }),
            "dtype F8_E5M2 needs LibTorch >= 2.1 (this build links " + version + ")");
  // A file holding F8 tensors names the file, the tensor and the reason.
  write_file(dir / "f8.safetensors",
             safetensors_bytes(R"({"w":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}})", 8));
  EXPECT_EQ(error_of([&] { st::File::open(dir / "f8.safetensors"); }),
            dir / "f8.safetensors: tensor 'w': dtype F8_E4M3 needs LibTorch >= 2.1 (this build links " + version + ")");
#endif
}

TEST(SafetensorsTest, ScalarAndEmptyTensorsRoundTrip) {
  const ScratchDir dir("st-edge");
  finetrain::TensorMap tensors = {{"scalar", at::full({}, 3.5)},
                                  {"empty_rows", at::empty({0, 4})},
                                  {"empty_cols", at::empty({4, 0}, at::kLong)},
                                  {"empty_1d", at::empty({0}, at::kBFloat16)}};
  st::save(dir / "edge.safetensors", tensors);
  auto file = st::File::open(dir / "edge.safetensors");
  at::Tensor scalar = file->tensor("scalar");
  EXPECT_EQ(scalar.dim(), 0);
  EXPECT_EQ(scalar.item<float>(), 3.5f);
  for (const char* name : {"empty_rows", "empty_cols", "empty_1d"}) {
    for (const at::Tensor& back : {file->tensor(name), file->read(name)}) {
      EXPECT_EQ(back.sizes(), tensors[name].sizes()) << name;
      EXPECT_EQ(back.scalar_type(), tensors[name].scalar_type()) << name;
    }
  }
  // Nothing at all is a valid file too.
  st::save(dir / "none.safetensors", {});
  EXPECT_TRUE(st::File::open(dir / "none.safetensors")->tensors().empty());
}

TEST(SafetensorsTest, NonContiguousAndStridedInputsAreStoredByValue) {
  const ScratchDir dir("st-strided");
  const at::Tensor base = at::arange(24, at::kFloat).reshape({4, 6});
  finetrain::TensorMap tensors = {{"t", base.t()}, {"slice", base.slice(1, 1, 5, 2)}};
  st::save(dir / "s.safetensors", tensors);
  auto file = st::File::open(dir / "s.safetensors");
  EXPECT_TRUE(at::equal(file->tensor("t"), base.t()));
  EXPECT_TRUE(at::equal(file->tensor("slice"), base.slice(1, 1, 5, 2)));
}

// ---- what the writer guarantees ----

// The reference writer's own test vectors: our files are byte-for-byte the same.
TEST(SafetensorsTest, WriterMatchesTheReferenceWriterByteForByte) {
  const ScratchDir dir("st-reference");
  const at::Tensor values = at::arange(6, at::kFloat);
  const std::string data = floats({0, 1, 2, 3, 4, 5});

  st::save(dir / "a.safetensors", {{"attn.0", values.reshape({1, 2, 3})}});
  const std::string header = R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})";
  ASSERT_EQ(header.size(), 64u);  // already a multiple of 8: no padding
  EXPECT_EQ(read_file(dir / "a.safetensors"), le64(64) + header + data);

  st::save(dir / "b.safetensors", {{"attn0", values.reshape({1, 1, 2, 3})}});
  const std::string padded =
      R"({"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}})" + std::string(7, ' ');
  EXPECT_EQ(read_file(dir / "b.safetensors"), le64(72) + padded + data);

  st::save(dir / "c.safetensors", {});
  EXPECT_EQ(read_file(dir / "c.safetensors"), le64(8) + "{}      ");

  st::save(dir / "d.safetensors", {}, {{"framework", "pt"}});
  EXPECT_EQ(read_file(dir / "d.safetensors"), le64(40) + R"({"__metadata__":{"framework":"pt"}})" + "     ");
}

TEST(SafetensorsTest, WriterOrdersLikeTheReferenceAndKeepsEveryTensorAligned) {
  const ScratchDir dir("st-order");
  finetrain::TensorMap tensors = {
      {"bool", at::ones({3}, at::kBool)},  {"u8", at::ones({5}, at::kByte)},  {"i8", at::ones({1}, at::kChar)},
      {"i16", at::ones({3}, at::kShort)},  {"f16", at::ones({1}, at::kHalf)}, {"bf16", at::ones({3}, at::kBFloat16)},
      {"i32", at::ones({1}, at::kInt)},    {"b_f32", at::ones({3})},          {"a_f32", at::ones({1})},
      {"f64", at::ones({1}, at::kDouble)}, {"i64", at::ones({1}, at::kLong)}, {"scalar", at::ones({}, at::kShort)}};
  const std::string path = dir / "o.safetensors";
  st::save(path, tensors, {{"k", "v"}});

  const std::string bytes = read_file(path);
  uint64_t header_len = 0;
  std::memcpy(&header_len, bytes.data(), 8);
  EXPECT_EQ(header_len % 8, 0u);
  const std::string header = bytes.substr(8, header_len);
  EXPECT_EQ(header.front(), '{');
  const size_t close = header.find_last_of('}');
  EXPECT_EQ(header.find_first_not_of(' ', close + 1), std::string::npos) << "padding must be spaces only";

  auto file = st::File::open(path);
  std::vector<std::string> order;
  uint64_t expected_begin = 0;
  for (const auto& info : file->tensors()) {
    order.push_back(info.name);
    EXPECT_EQ(info.begin, expected_begin) << info.name;  // contiguous from 0
    EXPECT_EQ((8 + header_len + info.begin) % c10::elementSize(info.scalar_type), 0u) << info.name;
    expected_begin = info.end;
  }
  EXPECT_EQ(8 + header_len + expected_begin, bytes.size());  // no trailing bytes
  EXPECT_EQ(order, (std::vector<std::string>{"i64", "f64", "a_f32", "b_f32", "i32", "bf16", "f16", "i16", "scalar",
                                             "i8", "u8", "bool"}));
}

TEST(SafetensorsTest, WriterRefusesWhatTheFormatCannotHold) {
  const ScratchDir dir("st-refuse");
  const std::string path = dir / "x.safetensors";
  EXPECT_EQ(error_of([&] {
              st::save(path, {{"c", at::randn({2}, at::kComplexFloat)}});
            }),
            path + ": tensor 'c': tensor dtype ComplexFloat cannot be stored in safetensors");
  EXPECT_EQ(error_of([&] { st::save(path, {{"u", at::Tensor()}}); }), path + ": tensor 'u' is undefined");
  EXPECT_EQ(error_of([&] {
              st::save(path, {{"__metadata__", at::ones({1})}});
            }),
            path + ": '__metadata__' is not a valid tensor name");
  EXPECT_EQ(error_of([&] {
              st::save(path, {{"s", at::ones({2, 2}).to_sparse()}});
            }),
            path + ": tensor 's' is not a dense (strided) tensor; only those can be stored");
  EXPECT_EQ(error_of([&] {
              st::save(path, {{"bad\xff name", at::ones({1})}});
            }),
            path + ": tensor name 'bad\\xff name' is not valid UTF-8");
  EXPECT_EQ(error_of([&] {
              st::save(path, {{"w", at::ones({1})}}, {{"k", "\xc3"}});
            }),
            path + ": metadata value '\\xc3' is not valid UTF-8");
  EXPECT_EQ(error_of([&] {
              st::save(dir / "no/such/dir.safetensors", {{"w", at::ones({1})}});
            }),
            dir / "no/such/dir.safetensors.tmp: cannot create: No such file or directory");
  EXPECT_FALSE(fs::exists(path));
}

TEST(SafetensorsTest, FailedSaveLeavesTheOldFileAndNoTemporary) {
  const ScratchDir dir("st-atomic");
  const std::string path = dir / "w.safetensors";
  st::save(path, {{"w", at::ones({4})}});
  const std::string before = read_file(path);
  // A meta tensor has no data: the failure comes after the temporary file was created.
  const at::Tensor no_data = at::empty({4}, at::TensorOptions().device(at::kMeta));
  const std::string message = error_of([&] { st::save(path, {{"a", at::ones({4})}, {"m", no_data}}); });
  EXPECT_EQ(message.rfind(path + ".tmp: tensor 'm': cannot copy to the CPU: ", 0), 0u) << message;
  EXPECT_EQ(read_file(path), before);
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

// ---- the mapping: zero copy, lifetime, private pages ----

TEST(SafetensorsTest, TensorsAreViewsIntoOneSharedMapping) {
  const ScratchDir dir("st-zero-copy");
  const std::string path = dir / "z.safetensors";
  const at::Tensor a = at::randn({64, 64}), b = at::randn({1000}, at::kDouble);
  st::save(path, {{"a", a}, {"b", b}});

  auto file = st::File::open(path);
  const at::Tensor va = file->tensor("a"), vb = file->tensor("b");
  const std::vector<Range> ranges = mappings_of(path);
  ASSERT_EQ(ranges.size(), 1u) << "the file is mapped once";
  EXPECT_TRUE(inside(ranges, va));
  EXPECT_TRUE(inside(ranges, vb));
  EXPECT_TRUE(at::equal(va, a));
  EXPECT_TRUE(at::equal(vb, b));
  // read() is an owned copy outside the mapping.
  const at::Tensor copy = file->read("a");
  EXPECT_FALSE(inside(ranges, copy));
  EXPECT_TRUE(at::equal(copy, a));
}

TEST(SafetensorsTest, MappingOutlivesTheFileWhileATensorLives) {
  const ScratchDir dir("st-lifetime");
  const std::string path = dir / "l.safetensors";
  const at::Tensor a = at::randn({256});
  st::save(path, {{"a", a}});

  at::Tensor view;
  {
    auto file = st::File::open(path);
    view = file->tensor("a");
  }
  ASSERT_EQ(mappings_of(path).size(), 1u) << "the view keeps the mapping";
  EXPECT_TRUE(inside(mappings_of(path), view));
  EXPECT_TRUE(at::equal(view, a));
  view.reset();
  EXPECT_TRUE(mappings_of(path).empty()) << "the last view unmaps the file";
}

TEST(SafetensorsTest, WritingIntoAViewNeverChangesTheFile) {
  const ScratchDir dir("st-private");
  const std::string path = dir / "p.safetensors";
  st::save(path, {{"a", at::zeros({128})}});
  const std::string before = read_file(path);

  auto file = st::File::open(path);
  at::Tensor view = file->tensor("a");
  view.fill_(7);
  EXPECT_EQ(view.sum().item<float>(), 7 * 128);
  EXPECT_EQ(read_file(path), before);
  EXPECT_EQ(st::File::open(path)->tensor("a").abs().sum().item<float>(), 0);  // a new mapping sees the file
  EXPECT_EQ(file->read("a").abs().sum().item<float>(), 0);                    // and so does read()
}

TEST(SafetensorsTest, UnalignedDataIsCopiedNotMisread) {
  // Written by hand without header padding: data starts at byte 8 + 69, odd for every dtype > 1 byte.
  const ScratchDir dir("st-unaligned");
  const std::string header = R"({"f":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"u":{"dtype":"U8","shape":[3],)"
                             R"("data_offsets":[8,11]}})";
  ASSERT_NE((8 + header.size()) % 4, 0u);
  std::string bytes = le64(header.size()) + header + floats({1.5f, -2.25f}) + std::string("\x01\x02\x03", 3);
  write_file(dir / "u.safetensors", bytes);

  auto file = st::File::open(dir / "u.safetensors");
  const at::Tensor f = file->tensor("f");
  EXPECT_FALSE(inside(mappings_of(dir / "u.safetensors"), f));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(f.data_ptr()) % alignof(float), 0u);
  EXPECT_EQ(f[0].item<float>(), 1.5f);
  EXPECT_EQ(f[1].item<float>(), -2.25f);
  const at::Tensor u = file->tensor("u");  // bytes are always aligned: still a view
  EXPECT_TRUE(inside(mappings_of(dir / "u.safetensors"), u));
  EXPECT_EQ(u.sum().item<int64_t>(), 6);
}

TEST(SafetensorsTest, UnknownTensorNamesTheFile) {
  const ScratchDir dir("st-unknown");
  const std::string path = dir / "k.safetensors";
  st::save(path, {{"w", at::ones({1})}});
  auto file = st::File::open(path);
  EXPECT_EQ(file->find("v"), nullptr);
  EXPECT_EQ(error_of([&] { file->tensor("v"); }), path + ": no tensor named 'v'");
  EXPECT_EQ(error_of([&] { file->read("v"); }), path + ": no tensor named 'v'");
}

// ---- real files ----

TEST(SafetensorsTest, ReadsEveryFixtureFile) {
  FT_REQUIRE_FIXTURE(root, "");
  size_t files = 0, tensors = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().extension() != ".safetensors") continue;
    const std::string path = e.path().string();
    auto file = st::File::open(path);
    const std::vector<Range> ranges = mappings_of(path);
    for (const auto& info : file->tensors()) {
      const at::Tensor view = file->tensor(info.name);
      EXPECT_EQ(view.sizes(), at::IntArrayRef(info.shape)) << path << " " << info.name;
      if (view.numel() > 0) {
        EXPECT_TRUE(inside(ranges, view)) << path << " " << info.name << " is not zero-copy";
      }
      EXPECT_TRUE(at::equal(view, file->read(info.name))) << path << " " << info.name;
      ++tensors;
    }
    ++files;
  }
  EXPECT_GT(files, 50u);
  EXPECT_GT(tensors, files);
}
