// Strict validation of a safetensors header: everything a corrupt or hostile file could get wrong
// is checked before any tensor is touched. The JSON schema is checked by header_schema.cpp; this
// file checks what the values mean and how the tensors lie in the data area.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <tuple>

#include "finetrain/error.hpp"
#include "finetrain/safetensors.hpp"
#include "safetensors/header_schema.hpp"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors stores the header length and all tensors little-endian; this reader assumes a little-endian host"
#endif

namespace finetrain::safetensors {
namespace {

// The reference implementation refuses headers above 100 MB; so do we.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

[[noreturn]] void fail(const std::string& label, const std::string& what) { throw Error(label + ": " + what); }

std::string shape_text(const std::vector<uint64_t>& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

TensorInfo validate_entry(detail::RawEntry raw, uint64_t data_size, const std::string& label) {
  auto fail_tensor = [&](const std::string& what) { fail(label, fmt::format("tensor '{}': {}", raw.name, what)); };
  TensorInfo info;
  try {
    info.scalar_type = scalar_type_from_dtype(raw.dtype);
  } catch (const Error& e) {
    fail_tensor(e.what());
  }

  // A LibTorch tensor needs its element count, and its contiguous strides (which count a zero
  // dimension as one), to fit int64; its byte count must fit uint64.
  constexpr uint64_t kMaxElements = std::numeric_limits<int64_t>::max();
  uint64_t numel = 1;
  uint64_t stride_span = 1;
  bool overflow = false;
  for (uint64_t dim : raw.shape) {
    overflow |= __builtin_mul_overflow(numel, dim, &numel);
    overflow |= __builtin_mul_overflow(stride_span, std::max<uint64_t>(dim, 1), &stride_span);
  }
  const uint64_t element_size = c10::elementSize(info.scalar_type);
  uint64_t nbytes = 0;
  overflow |= numel > kMaxElements || stride_span > kMaxElements;
  overflow |= __builtin_mul_overflow(numel, element_size, &nbytes);
  if (overflow)
    fail_tensor(fmt::format("shape {} x {} is too large for a 64-bit size", shape_text(raw.shape), raw.dtype));

  if (raw.begin > raw.end) fail_tensor(fmt::format("data_offsets [{}, {}] are reversed", raw.begin, raw.end));
  if (raw.end > data_size)
    fail_tensor(fmt::format("data_offsets [{}, {}] exceed the data area ({} bytes)", raw.begin, raw.end, data_size));
  if (nbytes != raw.end - raw.begin)
    fail_tensor(fmt::format("shape {} x {} needs {} bytes, data_offsets [{}, {}] hold {}", shape_text(raw.shape),
                            raw.dtype, nbytes, raw.begin, raw.end, raw.end - raw.begin));

  info.name = std::move(raw.name);
  info.dtype = std::move(raw.dtype);
  info.shape.assign(raw.shape.begin(), raw.shape.end());
  info.begin = raw.begin;
  info.end = raw.end;
  return info;
}

// Like the reference reader: the tensors, in offset order, must tile the data area exactly, from
// byte 0 to its end. Overlaps would alias two tensors; gaps and trailing bytes are data nobody
// declared, which the reference reader refuses.
void check_layout(std::vector<TensorInfo>& tensors, uint64_t data_size, const std::string& label) {
  std::sort(tensors.begin(), tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
  });
  uint64_t covered = 0;
  const TensorInfo* previous = nullptr;
  for (const TensorInfo& t : tensors) {
    if (t.begin < covered)
      fail(label, fmt::format("tensors '{}' and '{}' overlap (bytes [{}, {}) and [{}, {}) of the data area)",
                              previous->name, t.name, previous->begin, previous->end, t.begin, t.end));
    if (t.begin > covered)
      fail(label,
           fmt::format("tensor '{}' starts at byte {} of the data area, {} (tensors must cover the data area "
                       "without gaps)",
                       t.name, t.begin,
                       previous ? fmt::format("but '{}' ends at byte {}", previous->name, covered) : "not at 0"));
    covered = t.end;
    previous = &t;
  }
  if (covered != data_size)
    fail(label, fmt::format("the data area has {} bytes but the tensors cover {} ({} trailing bytes)", data_size,
                            covered, data_size - covered));
}

}  // namespace

Header parse_header(const uint8_t* bytes, size_t size, const std::string& label) {
  if (size < 8) fail(label, fmt::format("file is {} bytes, too small for the 8-byte header length", size));
  uint64_t header_len = 0;
  std::memcpy(&header_len, bytes, 8);
  if (header_len == 0) fail(label, "header length is 0");
  if (header_len > kMaxHeaderBytes)
    fail(label, fmt::format("header length {} exceeds the limit of {} bytes", header_len, kMaxHeaderBytes));
  if (header_len > size - 8)
    fail(label, fmt::format("header length {} exceeds the {} bytes after the length field", header_len, size - 8));

  const char* text = reinterpret_cast<const char*>(bytes + 8);
  detail::RawHeader raw = detail::read_header_json(text, text + header_len, label);

  Header header;
  header.metadata = std::move(raw.metadata);
  header.data_offset = 8 + header_len;
  const uint64_t data_size = size - header.data_offset;
  header.tensors.reserve(raw.entries.size());
  for (auto& entry : raw.entries) header.tensors.push_back(validate_entry(std::move(entry), data_size, label));
  check_layout(header.tensors, data_size, label);
  return header;
}

}  // namespace finetrain::safetensors
