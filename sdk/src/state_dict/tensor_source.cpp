// Sources of named tensors for load_state, and the renaming adapters over them.
#include <fmt/format.h>

#include <map>
#include <memory>

#include "finetrain/error.hpp"
#include "finetrain/safetensors.hpp"
#include "finetrain/state_dict.hpp"

namespace finetrain {

TensorSource TensorSource::from_map(const TensorMap& map) {
  TensorSource s;
  for (const auto& [name, t] : map) s.names.push_back(name);
  auto shared = std::make_shared<TensorMap>(map);
  s.get = [shared](const std::string& name) {
    auto it = shared->find(name);
    if (it == shared->end()) throw Error(fmt::format("tensor map has no tensor named '{}'", name));
    return it->second;
  };
  return s;
}

TensorSource TensorSource::from_checkpoint(const std::string& path) {
  auto checkpoint = safetensors::Checkpoint::open(path);
  TensorSource s;
  s.names = checkpoint->names();
  s.get = [checkpoint](const std::string& name) { return checkpoint->read(name); };
  return s;
}

TensorSource TensorSource::renamed(const std::function<std::string(const std::string&)>& rename) const {
  auto to_old = std::make_shared<std::map<std::string, std::string>>();
  TensorSource s;
  for (const auto& old_name : names) {
    std::string new_name = rename(old_name);
    if (new_name.empty()) continue;
    auto [it, fresh] = to_old->emplace(new_name, old_name);
    if (!fresh) throw Error(fmt::format("keys '{}' and '{}' are both renamed to '{}'", it->second, old_name, new_name));
    s.names.push_back(std::move(new_name));
  }
  s.get = [inner = get, to_old](const std::string& name) {
    auto it = to_old->find(name);
    if (it == to_old->end()) throw Error(fmt::format("renamed source has no tensor named '{}'", name));
    return inner(it->second);
  };
  return s;
}

TensorSource TensorSource::with_prefix_removed(const std::string& prefix) const {
  return renamed([&prefix](const std::string& name) {
    return name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 ? name.substr(prefix.size())
                                                                                      : std::string();
  });
}

}  // namespace finetrain
