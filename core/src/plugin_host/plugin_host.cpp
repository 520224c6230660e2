#include "plugin_host/plugin_host.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/dll/shared_library.hpp>
#include <cstring>
#include <filesystem>
#include <regex>

#include "plugin_host/loaded_libraries.hpp"

namespace finetrain::host {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Host side of the tier-0 table.

struct PluginRegistration {
  PluginHost* host;
  std::string plugin;
  std::string file;
  std::vector<ComponentInfo> staged;  // committed only when init succeeds
};

}  // namespace finetrain::host

// The context type named in host_api.h is the registration of the plugin being initialised.
struct ft_host_context {
  finetrain::host::PluginRegistration* registration;
};

namespace finetrain::host {

// Every function here is called from plugin code through a C function pointer: nothing may throw.
struct HostApiFunctions {
  static ft_status* register_component(ft_host_context* context, const ft_component_descriptor* descriptor) {
    try {
      auto& r = *context->registration;
      return r.host->stage_component(r, descriptor);
    } catch (const std::exception& e) {
      return ft_status_new(FT_STATUS_INTERNAL, e.what());
    } catch (...) {
      return ft_status_new(FT_STATUS_INTERNAL, "unknown exception in the host");
    }
  }

  static void log(ft_host_context* context, int32_t level, const char* message) {
    try {
      const std::string& plugin = context->registration->plugin;
      const char* text = message ? message : "";
      switch (level) {
        case FT_LOG_TRACE: spdlog::trace("[{}] {}", plugin, text); break;
        case FT_LOG_DEBUG: spdlog::debug("[{}] {}", plugin, text); break;
        case FT_LOG_INFO: spdlog::info("[{}] {}", plugin, text); break;
        case FT_LOG_WARN: spdlog::warn("[{}] {}", plugin, text); break;
        default: spdlog::error("[{}] {}", plugin, text); break;
      }
    } catch (...) {
      // A log line is not worth an exception across tier 0.
    }
  }

  static ft_proc get_proc(ft_host_context*, const char* name) { return name ? host_function(name) : nullptr; }
};

const std::vector<HostFunction>& host_functions() {
  static const std::vector<HostFunction> table = {
      {FT_HOST_REGISTER_COMPONENT_V1, 0, reinterpret_cast<ft_proc>(&HostApiFunctions::register_component)},
      {FT_HOST_LOG_V1, 1, reinterpret_cast<ft_proc>(&HostApiFunctions::log)},
  };
  return table;
}

ft_proc host_function(const char* name) {
  for (const HostFunction& f : host_functions())
    if (std::strcmp(f.name, name) == 0) return f.function;
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Search path.

namespace {

std::vector<std::string> split_path_list(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(':', start);
    if (end == std::string::npos) end = list.size();
    if (end > start) out.push_back(list.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

fs::path executable_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : exe.parent_path();
}

const char* interface_for_kind(uint32_t kind) {
  switch (kind) {
    case FT_PLUGIN_KIND_MODEL: return "finetrain.ModelSpec";
    case FT_PLUGIN_KIND_TRAINER: return "finetrain.Trainer";
    case FT_PLUGIN_KIND_PARALLEL_BACKEND: return "finetrain.ParallelBackend";
    case FT_PLUGIN_KIND_ATTENTION_BACKEND: return "finetrain.AttentionBackend";
    default: return nullptr;  // tokenizers are plain C
  }
}

bool valid_component_name(const std::string& name) {
  static const std::regex pattern("[a-z0-9][a-z0-9_.-]*");
  return std::regex_match(name, pattern);
}

std::string copy_text(const char* s) { return s ? std::string(s) : std::string(); }

// Manifest errors start with the file they are about; a status line names it already.
std::string without_label(const std::string& message, const std::string& label) {
  return message.rfind(label + ": ", 0) == 0 ? message.substr(label.size() + 2) : message;
}

}  // namespace

std::vector<SearchDir> plugin_search_path(const std::vector<std::string>& cli_dirs) {
  std::vector<SearchDir> dirs;
  for (const auto& list : cli_dirs)
    for (auto& d : split_path_list(list)) dirs.push_back({d, "--plugin-path"});
  if (const char* env = std::getenv("FINETRAIN_PLUGIN_PATH"))
    for (auto& d : split_path_list(env)) dirs.push_back({d, "FINETRAIN_PLUGIN_PATH"});
  fs::path install = executable_dir() / FT_PLUGIN_DIR_FROM_BIN;
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(install, ec);
  dirs.push_back({(ec ? install : canonical).string(), "install dir"});
  for (const auto& d : dirs) spdlog::debug("plugin search path: {} (from {})", d.path, d.origin);
  return dirs;
}

// ---------------------------------------------------------------------------------------------
// Loading.

PluginHost::PluginHost() = default;
PluginHost::~PluginHost() = default;  // plugin code stays mapped: RTLD_NODELETE

const PluginStatus* PluginHost::loaded_plugin(const std::string& name) const {
  for (const auto& s : statuses_)
    if (s.loaded && s.manifest && s.manifest->name == name) return &s;
  return nullptr;
}

std::vector<std::string> plugin_files(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file() && entry.path().extension() == ".so") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());  // deterministic order, so "first wins" is reproducible
  return files;
}

void PluginHost::load_directories(const std::vector<SearchDir>& dirs) {
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir.path, ec)) {
      spdlog::debug("plugin directory {} ({}) does not exist", dir.path, dir.origin);
      continue;
    }
    for (const auto& f : plugin_files(dir.path)) load_file(f);
  }
}

const PluginStatus& PluginHost::refuse(PluginStatus& status, std::string reason) {
  status.error = std::move(reason);
  spdlog::warn("plugin {} refused: {}", status.path, status.error);
  return status;
}

std::string PluginHost::admit(PluginStatus& status) const {
  status.compatibility = check_compatibility(*status.manifest);
  if (!status.compatibility.compatible) return "incompatible: " + status.compatibility.reason;
  if (const PluginStatus* other = loaded_plugin(status.manifest->name))
    return fmt::format("duplicate plugin name '{}': already loaded from {}", status.manifest->name, other->path);
  return "";
}

const PluginStatus& PluginHost::load_file(const std::string& path) {
  PluginStatus& status = statuses_.emplace_back();
  status.path = path;
  try {
    status.manifest = read_manifest(path);
  } catch (const std::exception& e) {
    return refuse(status, without_label(e.what(), path));
  }
  if (std::string reason = admit(status); !reason.empty()) return refuse(status, reason);

  auto mode = boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local |
              static_cast<boost::dll::load_mode::type>(RTLD_NODELETE);
  if (status.manifest->flags & FT_MANIFEST_FLAG_DEEPBIND) mode = mode | boost::dll::load_mode::rtld_deepbind;
  // Never destroyed: with RTLD_NODELETE dlclose would not unmap anyway, and leaking the handle
  // states the rule in code.
  auto* library = new boost::dll::shared_library();
  boost::dll::fs::error_code load_error;
  const SecondLibTorchCheck libtorch_check(path);
  library->load(path, mode, load_error);
  if (load_error) {
    const char* detail = dlerror();
    return refuse(status, fmt::format("cannot load: {}", detail ? detail : load_error.message()));
  }
  if (std::string dup = libtorch_check.after_load(); !dup.empty())
    return refuse(status, "maps a second LibTorch: " + dup);
  if (!library->has(FT_PLUGIN_NEGOTIATE_SYMBOL) || !library->has(FT_PLUGIN_INIT_SYMBOL))
    return refuse(status, fmt::format("does not export {} and {}", FT_PLUGIN_NEGOTIATE_SYMBOL, FT_PLUGIN_INIT_SYMBOL));
  auto negotiate = library->get<std::remove_pointer_t<ft_plugin_negotiate_fn>>(FT_PLUGIN_NEGOTIATE_SYMBOL);
  auto init = library->get<std::remove_pointer_t<ft_plugin_init_fn>>(FT_PLUGIN_INIT_SYMBOL);
  if (std::string error = initialise(status, negotiate, init, path); !error.empty()) return refuse(status, error);
  return status;
}

void PluginHost::load_static_plugins() {
  for (const StaticPlugin& p : static_plugins()) load_static_plugin(p);
}

const PluginStatus& PluginHost::load_static_plugin(const StaticPlugin& plugin) {
  PluginStatus& status = statuses_.emplace_back();
  status.path = std::string("(static) ") + plugin.id;
  try {
    std::vector<uint8_t> bytes(reinterpret_cast<const uint8_t*>(plugin.manifest),
                               reinterpret_cast<const uint8_t*>(plugin.manifest) + sizeof(ft_manifest));
    status.manifest = parse_manifest(bytes, status.path);
  } catch (const std::exception& e) {
    return refuse(status, without_label(e.what(), status.path));
  }
  if (std::string reason = admit(status); !reason.empty()) return refuse(status, reason);
  if (std::string error = initialise(status, plugin.negotiate, plugin.init, "(static)"); !error.empty())
    return refuse(status, error);
  return status;
}

std::string PluginHost::initialise(PluginStatus& status, ft_plugin_negotiate_fn negotiate, ft_plugin_init_fn init,
                                   const std::string& file) {
  const std::string& name = status.manifest->name;
  auto take_message = [](ft_status* s) {
    std::string m = s->message ? s->message : "(no message)";
    ft_status_release(s);
    return m;
  };

  uint16_t plugin_major = 0, plugin_minor = 0;
  ft_status* s = call_plugin(name, "negotiate", [&] {
    return negotiate(FT_ABI_VERSION_MAJOR, FT_ABI_VERSION_MINOR, &plugin_major, &plugin_minor);
  });
  if (s) return "negotiation failed: " + take_message(s);
  if (plugin_major != status.manifest->abi_major || plugin_minor != status.manifest->abi_minor)
    return fmt::format("negotiated ABI {}.{} differs from its manifest's {}.{}", plugin_major, plugin_minor,
                       status.manifest->abi_major, status.manifest->abi_minor);

  PluginRegistration registration{this, name, file, {}};
  ft_host_context context{&registration};
  ft_host_api api{};
  api.struct_size = sizeof(ft_host_api);
  api.abi_major = FT_ABI_VERSION_MAJOR;
  api.abi_minor = FT_ABI_VERSION_MINOR;
  api.context = &context;
  api.get_proc = &HostApiFunctions::get_proc;
  s = call_plugin(name, "init", [&] { return init(&api); });
  if (s) return "init failed: " + take_message(s);

  // All or nothing: a plugin whose init failed leaves no component behind.
  for (ComponentInfo& c : registration.staged) {
    const ComponentInfo& stored = commit(std::move(c));
    status.components.push_back(kind_name(stored.kind) + " " + stored.name);
  }
  status.loaded = true;
  spdlog::debug("plugin {} {} loaded from {} ({} components)", name, status.manifest->version, file,
                status.components.size());
  return "";
}

void PluginHost::register_builtin(const ft_component_descriptor& descriptor) {
  PluginRegistration registration{this, "core", "(core)", {}};
  if (ft_status* s = stage_component(registration, &descriptor)) {
    std::string m = s->message ? s->message : "refused";
    ft_status_release(s);
    throw Error("built-in component refused: " + m);
  }
  commit(std::move(registration.staged.front()));
}

const ComponentInfo& PluginHost::commit(ComponentInfo&& staged) {
  ComponentInfo& stored = components_.emplace_back(std::move(staged));
  // The descriptor's strings now point at the copies owned here, not at the plugin's.
  stored.descriptor.name = stored.name.c_str();
  stored.descriptor.version = stored.version.c_str();
  stored.descriptor.description = stored.description.c_str();
  stored.descriptor.interface_name = stored.interface_name.empty() ? nullptr : stored.interface_name.c_str();
  return stored;
}

ft_status* PluginHost::stage_component(PluginRegistration& r, const ft_component_descriptor* descriptor) {
  auto refuse = [](int32_t code, const std::string& m) { return ft_status_new(code, m.c_str()); };
  if (!descriptor) return refuse(FT_STATUS_INVALID_ARGUMENT, "component descriptor is NULL");
  if (descriptor->struct_size < FT_COMPONENT_DESCRIPTOR_V1_SIZE)
    return refuse(FT_STATUS_INVALID_ARGUMENT,
                  fmt::format("component descriptor struct_size {} is smaller than ABI 1.0's {}",
                              descriptor->struct_size, FT_COMPONENT_DESCRIPTOR_V1_SIZE));
  // Copy by the declared size: a newer plugin's extra fields are ignored, an older one's read as 0.
  ft_component_descriptor d{};
  std::memcpy(&d, descriptor, std::min<size_t>(descriptor->struct_size, sizeof d));
  d.struct_size = sizeof d;

  ComponentInfo info;
  info.kind = d.kind;
  info.name = copy_text(d.name);
  info.version = copy_text(d.version);
  info.description = copy_text(d.description);
  info.interface_name = copy_text(d.interface_name);
  info.interface_version = d.interface_version;
  info.plugin = r.plugin;
  info.file = r.file;
  info.descriptor = d;

  auto missing = [&](const char* field) {
    return refuse(FT_STATUS_INVALID_ARGUMENT,
                  fmt::format("component '{}' ({}): missing required field '{}'", info.name.empty() ? "?" : info.name,
                              kind_name(d.kind), field));
  };
  if (d.kind < FT_PLUGIN_KIND_MODEL || d.kind > FT_PLUGIN_KIND_TOKENIZER)
    return refuse(FT_STATUS_INVALID_ARGUMENT, fmt::format("component '{}': unknown kind {}", info.name, d.kind));
  if (info.name.empty()) return missing("name");
  if (!valid_component_name(info.name))
    return refuse(FT_STATUS_INVALID_ARGUMENT,
                  fmt::format("component name '{}' is not of the form [a-z0-9][a-z0-9_.-]*", info.name));
  if (d.kind == FT_PLUGIN_KIND_TOKENIZER) {
    const auto* vt = static_cast<const ft_tokenizer_vtable*>(d.c_vtable);
    if (!vt) return missing("c_vtable");
    if (vt->struct_size < sizeof(ft_tokenizer_vtable) || !vt->open || !vt->encode || !vt->decode ||
        !vt->piece_to_id || !vt->vocab_size || !vt->close)
      return missing("c_vtable functions");
  } else {
    if (info.interface_name.empty()) return missing("interface_name");
    if (!d.create) return missing("create");
    if (!d.destroy) return missing("destroy");
    if (info.interface_name != interface_for_kind(d.kind))
      return refuse(FT_STATUS_INVALID_ARGUMENT,
                    fmt::format("component '{}': interface '{}' does not match kind {} (expected '{}')", info.name,
                                info.interface_name, kind_name(d.kind), interface_for_kind(d.kind)));
  }

  auto same = [&](const ComponentInfo& c) { return c.kind == d.kind && c.name == info.name; };
  for (const auto& c : components_)
    if (same(c))
      return refuse(FT_STATUS_ALREADY_EXISTS,
                    fmt::format("duplicate {} name '{}': already registered by plugin '{}' ({})", kind_name(d.kind),
                                info.name, c.plugin, c.file));
  for (const auto& c : r.staged)
    if (same(c))
      return refuse(FT_STATUS_ALREADY_EXISTS,
                    fmt::format("duplicate {} name '{}' registered twice by this plugin", kind_name(d.kind), info.name));
  r.staged.push_back(std::move(info));
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Queries and instantiation.

std::vector<const ComponentInfo*> PluginHost::components(uint32_t kind) const {
  std::vector<const ComponentInfo*> out;
  for (const auto& c : components_)
    if (c.kind == kind) out.push_back(&c);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->name < b->name; });
  return out;
}

const ComponentInfo* PluginHost::find(uint32_t kind, const std::string& name) const {
  for (const auto& c : components_)
    if (c.kind == kind && c.name == name) return &c;
  return nullptr;
}

std::string PluginHost::available_names(uint32_t kind) const {
  std::string out;
  for (const auto* c : components(kind)) out += (out.empty() ? "" : ", ") + c->name;
  return out.empty() ? "(none)" : out;
}

const ComponentInfo& PluginHost::require(uint32_t kind, const std::string& name) const {
  if (const ComponentInfo* c = find(kind, name)) return *c;
  throw Error(fmt::format("unknown {} '{}'; available: {}", kind_name(kind), name, available_names(kind)));
}

void PluginHost::check_interface(const ComponentInfo& info, const char* interface_name, uint32_t version) const {
  if (info.interface_name != interface_name || info.interface_version > version)
    throw Error(fmt::format("plugin '{}': {} '{}' implements {} v{}, this host understands {} v{}", info.plugin,
                            kind_name(info.kind), info.name, info.interface_name, info.interface_version,
                            interface_name, version));
}

Component* PluginHost::create_raw(const ComponentInfo& info) const {
  ft_status* error = nullptr;
  void* object = call_plugin(info.plugin, "create",
                             [&] { return info.descriptor.create(info.descriptor.user_data, &error); });
  if (!object) {
    std::string m = error && error->message ? error->message : "factory returned NULL";
    ft_status_release(error);
    throw Error(fmt::format("plugin '{}': creating {} '{}' failed: {}", info.plugin, kind_name(info.kind), info.name, m));
  }
  ft_status_release(error);
  return static_cast<Component*>(object);
}

}  // namespace finetrain::host
