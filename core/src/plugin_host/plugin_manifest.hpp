// The host's reading of a plugin manifest, and the compatibility rules (docs/sdk.md FT-ABI-002/003).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "finetrain/manifest.h"

namespace finetrain::host {

struct ManifestInfo {
  uint16_t abi_major = 0;
  uint16_t abi_minor = 0;
  uint32_t kind = 0;
  uint32_t flags = 0;
  std::string name;
  std::string version;
  std::string description;
  std::string fingerprint;
};

struct Compatibility {
  bool compatible = false;
  std::string reason;  // empty when compatible; otherwise one line naming the field and both values
};

// "model", "trainer", "parallel-backend", "attention-backend", "tokenizer", or "unknown(N)".
std::string kind_name(uint32_t kind);

// Parses raw section bytes. Throws finetrain::Error with a one-line reason (bad magic, truncated,
// unterminated text field) prefixed by `label`.
ManifestInfo parse_manifest(const std::vector<uint8_t>& bytes, const std::string& label);

// Reads and parses the manifest of the file at `path` without loading it. Throws finetrain::Error
// naming the file when there is none or it is malformed.
ManifestInfo read_manifest(const std::string& path);

// "key=value;..." -> ordered pairs. Malformed items are kept with an empty key so they mismatch.
std::vector<std::pair<std::string, std::string>> parse_fingerprint(const std::string& fingerprint);

// The host's own fingerprint (compiled into the host with the same macro plugins use).
const std::string& host_fingerprint();

// Major must match, plugin minor <= host minor, every fingerprint field but `abi` must be equal.
Compatibility check_compatibility(const ManifestInfo& manifest, uint16_t host_major, uint16_t host_minor,
                                  const std::string& host_fingerprint);
Compatibility check_compatibility(const ManifestInfo& manifest);

}  // namespace finetrain::host
