// Strict validation of a safetensors header: everything a corrupt or hostile file could get wrong
// is checked before any tensor is touched.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "finetrain/error.hpp"
#include "finetrain/safetensors.hpp"

namespace finetrain::safetensors {
namespace {

using nlohmann::json;

// The reference implementation refuses headers above 100 MB; so do we.
constexpr uint64_t kMaxHeaderBytes = 100ull * 1000 * 1000;

[[noreturn]] void fail(const std::string& label, const std::string& what) { throw Error(label + ": " + what); }

uint64_t to_offset(const json& v, const std::string& label, const std::string& name, const char* field) {
  if (!v.is_number_unsigned())
    fail(label, fmt::format("tensor '{}': {} must be non-negative integers, got {}", name, field, v.dump()));
  return v.get<uint64_t>();
}

TensorInfo parse_entry(const std::string& name, const json& entry, uint64_t data_size, const std::string& label) {
  if (!entry.is_object()) fail(label, fmt::format("tensor '{}': entry must be an object, got {}", name, entry.type_name()));
  for (const auto& [key, value] : entry.items())
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      fail(label, fmt::format("tensor '{}': unknown field '{}'", name, key));
  for (const char* field : {"dtype", "shape", "data_offsets"})
    if (!entry.contains(field)) fail(label, fmt::format("tensor '{}': missing field '{}'", name, field));

  TensorInfo info;
  info.name = name;
  if (!entry["dtype"].is_string()) fail(label, fmt::format("tensor '{}': dtype must be a string", name));
  info.dtype = entry["dtype"].get<std::string>();
  try {
    info.scalar_type = scalar_type_from_dtype(info.dtype);
  } catch (const Error& e) {
    fail(label, fmt::format("tensor '{}': {}", name, e.what()));
  }

  const json& shape = entry["shape"];
  if (!shape.is_array()) fail(label, fmt::format("tensor '{}': shape must be an array", name));
  uint64_t numel = 1;
  for (const json& d : shape) {
    uint64_t dim = to_offset(d, label, name, "shape entries");
    if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      fail(label, fmt::format("tensor '{}': dimension {} is too large", name, dim));
    if (dim != 0 && numel > std::numeric_limits<uint64_t>::max() / dim)
      fail(label, fmt::format("tensor '{}': shape {} overflows", name, shape.dump()));
    numel *= dim;
    info.shape.push_back(static_cast<int64_t>(dim));
  }

  const json& offsets = entry["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2)
    fail(label, fmt::format("tensor '{}': data_offsets must be [begin, end]", name));
  info.begin = to_offset(offsets[0], label, name, "data_offsets");
  info.end = to_offset(offsets[1], label, name, "data_offsets");
  if (info.begin > info.end) fail(label, fmt::format("tensor '{}': data_offsets [{}, {}] are reversed", name, info.begin, info.end));
  if (info.end > data_size)
    fail(label, fmt::format("tensor '{}': data_offsets [{}, {}] exceed the data area ({} bytes)", name, info.begin,
                            info.end, data_size));
  const uint64_t element = c10::elementSize(info.scalar_type);
  if (numel > std::numeric_limits<uint64_t>::max() / element || numel * element != info.end - info.begin)
    fail(label, fmt::format("tensor '{}': shape {} x {} needs {} bytes, data_offsets give {}", name, shape.dump(),
                            info.dtype, numel * element, info.end - info.begin));
  return info;
}

}  // namespace

std::vector<TensorInfo> parse_header(const uint8_t* bytes, size_t size, Metadata* metadata, const std::string& label) {
  if (size < 8) fail(label, fmt::format("file is {} bytes, too small for a safetensors header", size));
  uint64_t header_len = 0;
  std::memcpy(&header_len, bytes, 8);  // little-endian on every platform we build for
  if (header_len == 0) fail(label, "header length is 0");
  if (header_len > kMaxHeaderBytes) fail(label, fmt::format("header length {} exceeds the 100 MB limit", header_len));
  if (header_len > size - 8)
    fail(label, fmt::format("header length {} exceeds the file ({} bytes after the length field)", header_len, size - 8));
  const uint64_t data_size = size - 8 - header_len;

  // Duplicate top-level keys are legal JSON but ambiguous tensors: catch them while parsing.
  std::set<std::string> seen;
  auto on_event = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth == 1 && event == json::parse_event_t::key) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!seen.insert(key).second) fail(label, fmt::format("duplicate tensor name '{}'", key));
    }
    return true;
  };
  json header;
  try {
    const char* begin = reinterpret_cast<const char*>(bytes + 8);
    header = json::parse(begin, begin + header_len, on_event);
  } catch (const json::exception& e) {
    fail(label, fmt::format("header is not valid JSON: {}", e.what()));
  }
  if (!header.is_object()) fail(label, fmt::format("header must be a JSON object, got {}", header.type_name()));

  std::vector<TensorInfo> tensors;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) fail(label, "__metadata__ must be an object of strings");
      for (const auto& [k, v] : entry.items()) {
        if (!v.is_string()) fail(label, fmt::format("__metadata__ value of '{}' must be a string, got {}", k, v.type_name()));
        if (metadata) (*metadata)[k] = v.get<std::string>();
      }
      continue;
    }
    tensors.push_back(parse_entry(name, entry, data_size, label));
  }

  // Overlapping byte ranges would alias two tensors onto the same bytes.
  std::vector<const TensorInfo*> by_offset;
  for (const auto& t : tensors) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < by_offset.size(); ++i)
    if (by_offset[i]->begin < by_offset[i - 1]->end)
      fail(label, fmt::format("tensors '{}' and '{}' overlap (bytes [{}, {}) and [{}, {}))", by_offset[i - 1]->name,
                              by_offset[i]->name, by_offset[i - 1]->begin, by_offset[i - 1]->end, by_offset[i]->begin,
                              by_offset[i]->end));
  // File order = offset order: what a reader streaming the file would see.
  std::sort(tensors.begin(), tensors.end(), [](const auto& a, const auto& b) { return a.begin < b.begin; });
  return tensors;
}

}  // namespace finetrain::safetensors
