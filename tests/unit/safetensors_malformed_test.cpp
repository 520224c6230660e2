// Hand-built malformed safetensors files: one per validation rule, each asserting the exact error.
#include <gtest/gtest.h>

#include "finetrain/safetensors.hpp"
#include "finetrain/torch_compat.hpp"
#include "safetensors_bytes.hpp"
#include "test_support.hpp"

namespace st = finetrain::safetensors;
using finetrain::testing::error_of;
using finetrain::testing::safetensors_bytes;
using finetrain::testing::with_length_field;

namespace {

// The error parse_header gives for a whole file `bytes`, labelled like a file named bad.safetensors.
std::string problem(const std::string& bytes) {
  return error_of(
      [&] { st::parse_header(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "bad.safetensors"); });
}

// A file with one F32 tensor "a" whose entry is `entry`, followed by `data_bytes` bytes.
std::string one_tensor(const std::string& entry, size_t data_bytes = 8) {
  return safetensors_bytes("{\"a\":" + entry + "}", data_bytes);
}

const std::string kPrefix = "bad.safetensors: ";

}  // namespace

// ---- the length field ----

TEST(SafetensorsMalformedTest, FileTooSmallForTheLengthField) {
  EXPECT_EQ(problem(std::string(5, '\0')), kPrefix + "file is 5 bytes, too small for the 8-byte header length");
  EXPECT_EQ(problem(""), kPrefix + "file is 0 bytes, too small for the 8-byte header length");
}

TEST(SafetensorsMalformedTest, HeaderLengthZero) {
  EXPECT_EQ(problem(with_length_field(0, "{}")), kPrefix + "header length is 0");
}

TEST(SafetensorsMalformedTest, HeaderLengthBeyondTheFile) {
  EXPECT_EQ(problem(with_length_field(3, "{}")),
            kPrefix + "header length 3 exceeds the 2 bytes after the length field");
  EXPECT_EQ(problem(with_length_field(100'000'000, "{}")),
            kPrefix + "header length 100000000 exceeds the 2 bytes after the length field");
}

TEST(SafetensorsMalformedTest, HeaderLengthAboveTheLimit) {
  EXPECT_EQ(problem(with_length_field(100'000'001, "{}")),
            kPrefix + "header length 100000001 exceeds the limit of 100000000 bytes");
  EXPECT_EQ(problem(with_length_field(UINT64_MAX, "{}")),
            kPrefix + "header length 18446744073709551615 exceeds the limit of 100000000 bytes");
}

// ---- JSON ----

TEST(SafetensorsMalformedTest, TruncatedJson) {
  EXPECT_EQ(problem(safetensors_bytes("{\"a\":{\"dtype\":\"F32\"")),
            kPrefix +
                "header is not valid JSON (offset 19 in the header): syntax error while parsing object - "
                "unexpected end of input; expected '}'");
}

TEST(SafetensorsMalformedTest, GarbageAfterTheObject) {
  EXPECT_EQ(problem(safetensors_bytes("{} x")),
            kPrefix +
                "header is not valid JSON (offset 3 in the header): syntax error while parsing value - "
                "invalid literal; expected end of input");
}

TEST(SafetensorsMalformedTest, PaddingMustBeWhitespace) {
  EXPECT_EQ(problem(safetensors_bytes(std::string("{}\0\0\0\0\0\0", 8))),
            kPrefix + "header is not valid JSON (offset 2 in the header): NUL byte");
  EXPECT_EQ(problem(safetensors_bytes(std::string("{\"a\0\":{}}", 10))),
            kPrefix + "header is not valid JSON (offset 3 in the header): NUL byte");
  // Spaces (what writers pad with) and other JSON whitespace are fine, before and after.
  EXPECT_EQ(problem(safetensors_bytes(" \n{}\t\r     ")), "(no error)");
}

TEST(SafetensorsMalformedTest, NonUtf8InAName) {
  EXPECT_EQ(problem(safetensors_bytes("{\"a\xff\":{}}")),
            kPrefix +
                "header is not valid JSON (offset 3 in the header): syntax error while parsing object key - "
                "invalid string: ill-formed UTF-8 byte; expected string literal");
  EXPECT_EQ(problem(safetensors_bytes("{\"\\ud800\":{}}")),
            kPrefix +
                "header is not valid JSON (offset 8 in the header): syntax error while parsing object key - "
                "invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF; expected string "
                "literal");
}

TEST(SafetensorsMalformedTest, NumberBeyondDouble) {
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[1e400],"data_offsets":[0,8]})")),
            kPrefix + "header is not valid JSON (offset 33 in the header): number overflow parsing '1e400'");
}

TEST(SafetensorsMalformedTest, HeaderNotAnObject) {
  EXPECT_EQ(problem(safetensors_bytes("[1, 2]")), kPrefix + "header must be a JSON object, got an array");
  EXPECT_EQ(problem(safetensors_bytes("\"text\"")), kPrefix + "header must be a JSON object, got \"text\"");
  EXPECT_EQ(problem(safetensors_bytes("42")), kPrefix + "header must be a JSON object, got 42");
  EXPECT_EQ(problem(safetensors_bytes("null")), kPrefix + "header must be a JSON object, got null");
}

TEST(SafetensorsMalformedTest, DeepNestingIsRejectedWithoutRecursion) {
  const size_t depth = 200000;
  EXPECT_EQ(problem(safetensors_bytes(std::string(depth, '[') + std::string(depth, ']'))),
            kPrefix + "header must be a JSON object, got an array");
  EXPECT_EQ(problem(one_tensor("{\"dtype\":\"F32\",\"shape\":" + std::string(depth, '[') + std::string(depth, ']') +
                               ",\"data_offsets\":[0,0]}")),
            kPrefix + "tensor 'a': shape entries must be non-negative integers, got an array");
}

// ---- entries ----

TEST(SafetensorsMalformedTest, EntryNotAnObject) {
  EXPECT_EQ(problem(safetensors_bytes("{\"a\":[0,4]}")), kPrefix + "tensor 'a': entry must be an object, got an array");
  EXPECT_EQ(problem(safetensors_bytes("{\"a\":\"F32\"}")),
            kPrefix + "tensor 'a': entry must be an object, got \"F32\"");
  // Long strings are cut, never inside a UTF-8 sequence (39 ASCII bytes, then two-byte characters).
  EXPECT_EQ(problem(safetensors_bytes("{\"a\":\"" + std::string(39, 'x') + "\u00e9\u00e9\"}")),
            kPrefix + "tensor 'a': entry must be an object, got \"" + std::string(39, 'x') + "...\"");
}

TEST(SafetensorsMalformedTest, UnknownEntryField) {
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8],"offset":0})")),
            kPrefix + "tensor 'a': unknown field 'offset' (expected dtype, shape, data_offsets)");
}

TEST(SafetensorsMalformedTest, MissingEntryFields) {
  EXPECT_EQ(problem(one_tensor(R"({"shape":[2],"data_offsets":[0,8]})")),
            kPrefix + "tensor 'a': missing field 'dtype'");
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","data_offsets":[0,8]})")),
            kPrefix + "tensor 'a': missing field 'shape'");
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[2]})")),
            kPrefix + "tensor 'a': missing field 'data_offsets'");
}

TEST(SafetensorsMalformedTest, RepeatedEntryField) {
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]})")),
            kPrefix + "tensor 'a': field 'dtype' appears twice");
}

TEST(SafetensorsMalformedTest, BadDtype) {
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F33","shape":[2],"data_offsets":[0,8]})")),
            kPrefix + "tensor 'a': unsupported dtype \"F33\" (supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL" +
                (FT_HAS_FLOAT8 ? " F8_E4M3 F8_E5M2)" : ")"));
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"f32","shape":[2],"data_offsets":[0,8]})")),
            kPrefix + "tensor 'a': unsupported dtype \"f32\" (supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL" +
                (FT_HAS_FLOAT8 ? " F8_E4M3 F8_E5M2)" : ")"));
  EXPECT_EQ(problem(one_tensor(R"({"dtype":32,"shape":[2],"data_offsets":[0,8]})")),
            kPrefix + "tensor 'a': dtype must be a string, got 32");
}

TEST(SafetensorsMalformedTest, Float8DtypesNeedANewerLibTorch) {
#if FT_HAS_FLOAT8
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]})")), "(no error)");
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F8_E5M2","shape":[8],"data_offsets":[0,8]})")), "(no error)");
#else
  const std::string version = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR);
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]})")),
            kPrefix + "tensor 'a': dtype F8_E4M3 needs LibTorch >= 2.1 (this build links " + version + ")");
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F8_E5M2","shape":[8],"data_offsets":[0,8]})")),
            kPrefix + "tensor 'a': dtype F8_E5M2 needs LibTorch >= 2.1 (this build links " + version + ")");
#endif
}

TEST(SafetensorsMalformedTest, BadShapes) {
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":2,"data_offsets":[0,8]})")),
            kPrefix + "tensor 'a': shape must be an array, got 2");
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[-2],"data_offsets":[0,8]})")),
            kPrefix + "tensor 'a': shape entries must be non-negative integers, got -2");
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[2.0],"data_offsets":[0,8]})")),
            kPrefix + "tensor 'a': shape entries must be non-negative integers, got 2.0");
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":["2"],"data_offsets":[0,8]})")),
            kPrefix + "tensor 'a': shape entries must be non-negative integers, got \"2\"");
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[[2]],"data_offsets":[0,8]})")),
            kPrefix + "tensor 'a': shape entries must be non-negative integers, got an array");
}

TEST(SafetensorsMalformedTest, NegativeOrFloatOffsets) {
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[2],"data_offsets":[-8,0]})")),
            kPrefix + "tensor 'a': data_offsets must be non-negative integers, got -8");
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8.0]})")),
            kPrefix + "tensor 'a': data_offsets must be non-negative integers, got 8.0");
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[2],"data_offsets":[0,1e3]})")),
            kPrefix + "tensor 'a': data_offsets must be non-negative integers, got 1e3");
  // Above 2^64 - 1 JSON numbers stop being integers.
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551616]})")),
            kPrefix + "tensor 'a': data_offsets must be non-negative integers, got 18446744073709551616");
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[2],"data_offsets":[0,null]})")),
            kPrefix + "tensor 'a': data_offsets must be non-negative integers, got null");
}

TEST(SafetensorsMalformedTest, OffsetsNotAPair) {
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8,8]})")),
            kPrefix + "tensor 'a': data_offsets must be [begin, end], got 3 values");
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[2],"data_offsets":[8]})")),
            kPrefix + "tensor 'a': data_offsets must be [begin, end], got 1 values");
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[2],"data_offsets":{"begin":0}})")),
            kPrefix + "tensor 'a': data_offsets must be an array [begin, end], got an object");
}

TEST(SafetensorsMalformedTest, ReversedOffsets) {
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[2],"data_offsets":[8,0]})")),
            kPrefix + "tensor 'a': data_offsets [8, 0] are reversed");
}

TEST(SafetensorsMalformedTest, OffsetsPastTheEnd) {
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8]})", 7)),
            kPrefix + "tensor 'a': data_offsets [0, 8] exceed the data area (7 bytes)");
  EXPECT_EQ(
      problem(one_tensor(R"({"dtype":"F32","shape":[2],"data_offsets":[18446744073709551607,18446744073709551615]})")),
      kPrefix + "tensor 'a': data_offsets [18446744073709551607, 18446744073709551615] exceed the data area (8 bytes)");
}

TEST(SafetensorsMalformedTest, SizeMismatch) {
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[3],"data_offsets":[0,8]})")),
            kPrefix + "tensor 'a': shape [3] x F32 needs 12 bytes, data_offsets [0, 8] hold 8");
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"BF16","shape":[2],"data_offsets":[0,8]})")),
            kPrefix + "tensor 'a': shape [2] x BF16 needs 4 bytes, data_offsets [0, 8] hold 8");
}

// ---- the layout of the data area ----

TEST(SafetensorsMalformedTest, Overlap) {
  const std::string header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
  EXPECT_EQ(problem(safetensors_bytes(header, 12)),
            kPrefix + "tensors 'a' and 'b' overlap (bytes [0, 8) and [4, 12) of the data area)");
  // The same bytes claimed twice.
  const std::string twice = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                            R"("b":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})";
  EXPECT_EQ(problem(safetensors_bytes(twice, 8)),
            kPrefix + "tensors 'a' and 'b' overlap (bytes [0, 8) and [0, 8) of the data area)");
  // An empty tensor inside another one.
  const std::string inside = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}})";
  EXPECT_EQ(problem(safetensors_bytes(inside, 8)),
            kPrefix + "tensors 'a' and 'e' overlap (bytes [0, 8) and [4, 4) of the data area)");
}

TEST(SafetensorsMalformedTest, GapsAndTrailingBytes) {
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[1],"data_offsets":[4,8]})")),
            kPrefix +
                "tensor 'a' starts at byte 4 of the data area, not at 0 "
                "(tensors must cover the data area without gaps)");
  const std::string gap = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                          R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})";
  EXPECT_EQ(problem(safetensors_bytes(gap, 12)),
            kPrefix +
                "tensor 'b' starts at byte 8 of the data area, but 'a' ends at byte 4 "
                "(tensors must cover the data area without gaps)");
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]})", 8)),
            kPrefix + "the data area has 8 bytes but the tensors cover 4 (4 trailing bytes)");
  EXPECT_EQ(problem(safetensors_bytes("{}", 1)),
            kPrefix + "the data area has 1 bytes but the tensors cover 0 (1 trailing bytes)");
}

TEST(SafetensorsMalformedTest, DuplicateNames) {
  const std::string header = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                             R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})";
  EXPECT_EQ(problem(safetensors_bytes(header, 8)), kPrefix + "duplicate tensor name 'a'");
  EXPECT_EQ(problem(safetensors_bytes(R"({"__metadata__":{},"__metadata__":{}})")),
            kPrefix + "__metadata__ appears twice");
}

// ---- __metadata__ ----

TEST(SafetensorsMalformedTest, MetadataWithNonStringValues) {
  EXPECT_EQ(problem(safetensors_bytes(R"({"__metadata__":{"format":"pt","step":10}})")),
            kPrefix + "__metadata__ value of 'step' must be a string, got 10");
  EXPECT_EQ(problem(safetensors_bytes(R"({"__metadata__":{"config":{"rank":4}}})")),
            kPrefix + "__metadata__ value of 'config' must be a string, got an object");
  EXPECT_EQ(problem(safetensors_bytes(R"({"__metadata__":{"tags":["a"]}})")),
            kPrefix + "__metadata__ value of 'tags' must be a string, got an array");
  EXPECT_EQ(problem(safetensors_bytes(R"({"__metadata__":{"note":null}})")),
            kPrefix + "__metadata__ value of 'note' must be a string, got null");
  EXPECT_EQ(problem(safetensors_bytes(R"({"__metadata__":{"ok":true}})")),
            kPrefix + "__metadata__ value of 'ok' must be a string, got true");
}

TEST(SafetensorsMalformedTest, MetadataNotAnObject) {
  EXPECT_EQ(problem(safetensors_bytes(R"({"__metadata__":["pt"]})")),
            kPrefix + "__metadata__ must be an object of strings, got an array");
  EXPECT_EQ(problem(safetensors_bytes(R"({"__metadata__":"pt"})")),
            kPrefix + "__metadata__ must be an object of strings, got \"pt\"");
  EXPECT_EQ(problem(safetensors_bytes(R"({"__metadata__":{"k":"1","k":"2"}})")),
            kPrefix + "__metadata__ has key 'k' twice");
}

TEST(SafetensorsMalformedTest, NullMetadataMeansNone) {
  const std::string bytes = safetensors_bytes(R"({"__metadata__":null})");
  const st::Header header = st::parse_header(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "x");
  EXPECT_TRUE(header.metadata.empty());
  EXPECT_TRUE(header.tensors.empty());
}

// ---- sizes beyond 2^31 / 2^63 / 2^64: the arithmetic, on crafted headers ----

TEST(SafetensorsMalformedTest, LargeSizesAreComputedExactly) {
  // 2^34 bytes: needs 64-bit arithmetic, and is reported as such.
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[65536,65536],"data_offsets":[0,8]})")),
            kPrefix + "tensor 'a': shape [65536, 65536] x F32 needs 17179869184 bytes, data_offsets [0, 8] hold 8");
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[65536,65536],"data_offsets":[0,17179869184]})")),
            kPrefix + "tensor 'a': data_offsets [0, 17179869184] exceed the data area (8 bytes)");
}

TEST(SafetensorsMalformedTest, SizeOverflowIsAnError) {
  const std::string too_large = " is too large for a 64-bit size";
  // Element count wraps to 0 in 64 bits (2^32 * 2^32): must not pass as an empty tensor.
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]})", 0)),
            kPrefix + "tensor 'a': shape [4294967296, 4294967296] x F32" + too_large);
  // Element count fits uint64 but not int64.
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"U8","shape":[9223372036854775808],"data_offsets":[0,0]})", 0)),
            kPrefix + "tensor 'a': shape [9223372036854775808] x U8" + too_large);
  // Element count fits int64, byte count does not fit uint64.
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]})", 0)),
            kPrefix + "tensor 'a': shape [2305843009213693952] x F64" + too_large);
  // Empty, but its contiguous strides would overflow int64.
  EXPECT_EQ(problem(one_tensor(R"({"dtype":"F32","shape":[0,4294967296,4294967296],"data_offsets":[0,0]})", 0)),
            kPrefix + "tensor 'a': shape [0, 4294967296, 4294967296] x F32" + too_large);
}

// ---- edge cases that are valid ----

TEST(SafetensorsMalformedTest, EmptyAndScalarTensorsAreValid) {
  const std::string header = R"({"e1":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},)"
                             R"("s":{"dtype":"F32","shape":[],"data_offsets":[0,4]},)"
                             R"("e2":{"dtype":"I64","shape":[5,0],"data_offsets":[4,4]}})";
  const std::string bytes = safetensors_bytes(header, 4);
  const st::Header parsed = st::parse_header(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "x");
  ASSERT_EQ(parsed.tensors.size(), 3u);
  EXPECT_EQ(parsed.tensors[0].name, "e1");
  EXPECT_EQ(parsed.tensors[1].name, "s");
  EXPECT_TRUE(parsed.tensors[1].shape.empty());
  EXPECT_EQ(parsed.tensors[2].name, "e2");
  EXPECT_EQ(parsed.tensors[2].shape, (std::vector<int64_t>{5, 0}));
  EXPECT_EQ(parsed.data_offset, 8 + header.size());
}

// ---- through File::open: the path is named, and non-files are refused ----

TEST(SafetensorsMalformedTest, FileErrorsNameThePath) {
  const finetrain::testing::ScratchDir dir("st-malformed");
  const std::string path = dir / "broken.safetensors";
  finetrain::testing::write_file(path, one_tensor(R"({"dtype":"F32","shape":[3],"data_offsets":[0,8]})"));
  EXPECT_EQ(error_of([&] { st::File::open(path); }),
            path + ": tensor 'a': shape [3] x F32 needs 12 bytes, data_offsets [0, 8] hold 8");
  finetrain::testing::write_file(path, "");
  EXPECT_EQ(error_of([&] { st::File::open(path); }),
            path + ": file is 0 bytes, too small for the 8-byte header length");
  EXPECT_EQ(error_of([&] { st::File::open(dir.path); }), dir.path + ": not a regular file");
  EXPECT_EQ(error_of([&] { st::File::open(dir / "absent.safetensors"); }),
            dir / "absent.safetensors: cannot open: No such file or directory");
}
