// Fuzzes what `finetrain plugins` runs on every file of a plugin directory: the ELF section reader
// and the manifest parser, up to the compatibility check (which parses the fingerprint). Bad
// input may only end in a finetrain::Error; anything else (a crash, a sanitizer report, another
// exception) is a bug.
#include <cstddef>
#include <cstdint>

#include "finetrain/error.hpp"
#include "finetrain/manifest.h"
#include "plugin_host/elf_section_reader.hpp"
#include "plugin_host/plugin_manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace finetrain::host;
  try {
    const auto section = read_elf_section_from_memory(data, size, FT_MANIFEST_SECTION, "fuzz-input");
    if (!section) return 0;
    const ManifestInfo manifest = parse_manifest(*section, "fuzz-input");
    check_compatibility(manifest);
  } catch (const finetrain::Error&) {
  }
  return 0;
}
