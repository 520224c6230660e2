#include "plugin_host/plugin_manifest.hpp"

#include <fmt/format.h>

#include <cstring>

#include "finetrain/error.hpp"
#include "plugin_host/elf_section_reader.hpp"

namespace finetrain::host {

std::string kind_name(uint32_t kind) {
  switch (kind) {
    case FT_PLUGIN_KIND_MODEL: return "model";
    case FT_PLUGIN_KIND_TRAINER: return "trainer";
    case FT_PLUGIN_KIND_PARALLEL_BACKEND: return "parallel-backend";
    case FT_PLUGIN_KIND_ATTENTION_BACKEND: return "attention-backend";
    case FT_PLUGIN_KIND_TOKENIZER: return "tokenizer";
    default: return fmt::format("unknown({})", kind);
  }
}

namespace {

// Fixed-size text fields must be NUL-terminated inside their array.
std::string text_field(const char* field, size_t capacity, const char* what, const std::string& label) {
  const size_t n = strnlen(field, capacity);
  if (n == capacity) throw Error(fmt::format("{}: malformed manifest: field '{}' is not terminated", label, what));
  return std::string(field, n);
}

}  // namespace

ManifestInfo parse_manifest(const std::vector<uint8_t>& bytes, const std::string& label) {
  if (bytes.size() < sizeof(ft_manifest::magic) ||
      std::memcmp(bytes.data(), FT_MANIFEST_MAGIC, sizeof(ft_manifest::magic)) != 0) {
    std::string seen;
    for (size_t i = 0; i < std::min<size_t>(bytes.size(), 8); ++i)
      seen += (bytes[i] >= 0x20 && bytes[i] < 0x7f) ? static_cast<char>(bytes[i]) : '?';
    throw Error(fmt::format("{}: bad manifest magic: plugin \"{}\", host \"{}\"", label, seen, FT_MANIFEST_MAGIC));
  }
  if (bytes.size() < sizeof(ft_manifest))
    throw Error(fmt::format("{}: manifest truncated: {} bytes, host needs {}", label, bytes.size(),
                            sizeof(ft_manifest)));
  ft_manifest m;
  std::memcpy(&m, bytes.data(), sizeof m);
  if (m.manifest_size < sizeof(ft_manifest))
    throw Error(fmt::format("{}: manifest_size {} is smaller than the host's {}", label, m.manifest_size,
                            sizeof(ft_manifest)));
  ManifestInfo info;
  info.abi_major = m.abi_major;
  info.abi_minor = m.abi_minor;
  info.kind = m.kind;
  info.flags = m.flags;
  info.name = text_field(m.name, sizeof m.name, "name", label);
  info.version = text_field(m.version, sizeof m.version, "version", label);
  info.description = text_field(m.description, sizeof m.description, "description", label);
  info.fingerprint = text_field(m.fingerprint, sizeof m.fingerprint, "fingerprint", label);
  if (info.name.empty()) throw Error(fmt::format("{}: manifest has an empty name", label));
  return info;
}

ManifestInfo read_manifest(const std::string& path) {
  auto bytes = read_elf_section(path, FT_MANIFEST_SECTION);
  if (!bytes) throw Error(fmt::format("{}: no manifest (section {} is missing)", path, FT_MANIFEST_SECTION));
  return parse_manifest(*bytes, path);
}

std::vector<std::pair<std::string, std::string>> parse_fingerprint(const std::string& fingerprint) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start <= fingerprint.size()) {
    size_t end = fingerprint.find(';', start);
    if (end == std::string::npos) end = fingerprint.size();
    std::string item = fingerprint.substr(start, end - start);
    if (!item.empty()) {
      size_t eq = item.find('=');
      if (eq == std::string::npos) {
        out.emplace_back("", item);
      } else {
        out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
      }
    }
    start = end + 1;
  }
  return out;
}

const std::string& host_fingerprint() {
  static const std::string fp = FT_BUILD_FINGERPRINT;
  return fp;
}

Compatibility check_compatibility(const ManifestInfo& manifest, uint16_t host_major, uint16_t host_minor,
                                  const std::string& host_fp) {
  auto refuse = [](std::string reason) { return Compatibility{false, std::move(reason)}; };
  if (manifest.abi_major != host_major)
    return refuse(fmt::format("abi major: plugin {}, host {}", manifest.abi_major, host_major));
  if (manifest.abi_minor > host_minor)
    return refuse(fmt::format("abi minor: plugin {}, host {} (the plugin needs a newer host)", manifest.abi_minor,
                              host_minor));
  const auto plugin_fields = parse_fingerprint(manifest.fingerprint);
  const auto host_fields = parse_fingerprint(host_fp);
  for (const auto& [key, host_value] : host_fields) {
    if (key == "abi") continue;  // checked above with the minor-version rule
    std::string plugin_value = "(missing)";
    for (const auto& [pk, pv] : plugin_fields)
      if (pk == key) plugin_value = pv;
    if (plugin_value != host_value)
      return refuse(fmt::format("fingerprint {}: plugin {}, host {}", key, plugin_value, host_value));
  }
  for (const auto& [pk, pv] : plugin_fields) {
    bool known = false;
    for (const auto& [hk, hv] : host_fields) known = known || hk == pk;
    if (!known) return refuse(fmt::format("fingerprint {}: plugin {}, host (missing)", pk.empty() ? "?" : pk, pv));
  }
  return Compatibility{true, ""};
}

Compatibility check_compatibility(const ManifestInfo& manifest) {
  return check_compatibility(manifest, FT_ABI_VERSION_MAJOR, FT_ABI_VERSION_MINOR, host_fingerprint());
}

}  // namespace finetrain::host
