// The JSON layer of a safetensors header: checks that the text is JSON of exactly the format's
// schema and hands back the raw fields. What the numbers mean (dtypes, sizes, offsets) is checked
// by parse_header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "finetrain/safetensors.hpp"

namespace finetrain::safetensors::detail {

struct RawEntry {
  std::string name;
  std::string dtype;
  std::vector<uint64_t> shape;
  uint64_t begin = 0;
  uint64_t end = 0;
};

struct RawHeader {
  Metadata metadata;
  std::vector<RawEntry> entries;  // in header order
};

// Reads the header text [begin, end). Throws finetrain::Error("<label>: ...") for text that is not
// JSON, is not one object, repeats a key at any level, has an entry field other than dtype / shape
// / data_offsets or lacks one, has a value of the wrong type, or a __metadata__ that is neither
// null nor an object of strings.
RawHeader read_header_json(const char* begin, const char* end, const std::string& label);

}  // namespace finetrain::safetensors::detail
