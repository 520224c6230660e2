// Helpers for the safetensors tests: hand-built files and scratch directories.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "test_support.hpp"

namespace finetrain::testing {

// The 8-byte little-endian length field followed by `header` and `data_bytes` bytes counting 0, 1, ...
inline std::string safetensors_bytes(const std::string& header, size_t data_bytes = 0) {
  std::string out(8, '\0');
  const uint64_t length = header.size();
  std::memcpy(out.data(), &length, 8);
  out += header;
  for (size_t i = 0; i < data_bytes; ++i) out += static_cast<char>(i & 0xff);
  return out;
}

// A length field claiming `declared` bytes of header, followed by `rest`.
inline std::string with_length_field(uint64_t declared, const std::string& rest) {
  std::string out(8, '\0');
  std::memcpy(out.data(), &declared, 8);
  return out + rest;
}

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A fresh scratch directory, removed with everything in it when the test ends.
struct ScratchDir {
  explicit ScratchDir(const std::string& tag) : path(make_temp_dir(tag)) {}
  ~ScratchDir() { std::filesystem::remove_all(path); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string operator/(const std::string& name) const { return path + "/" + name; }
  const std::string path;
};

}  // namespace finetrain::testing
