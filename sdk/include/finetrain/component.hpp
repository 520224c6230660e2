// Tier-1 base: every object a plugin hands to the host derives from Component.
//
// Tier-1 objects are only exchanged after the build fingerprint matched, so C++ types and LibTorch
// tensors may cross. New abilities arrive as new small interfaces fetched with capability<I>(),
// never as new virtuals on an existing interface (docs/sdk.md, FT-ABI-012).
#pragma once

#include <cstdint>

#include "finetrain/export.hpp"

namespace finetrain {

// Name and version of a tier-1 interface, e.g. {"finetrain.ModelSpec", 1}.
struct InterfaceInfo {
  const char* name;
  uint32_t version;
};

class FT_SDK_API Component {
 public:
  virtual ~Component();
  // The main interface this object implements (matches its descriptor's interface_name/version).
  virtual InterfaceInfo interface_info() const = 0;
  // Returns a pointer to an additional interface named `capability` (already cast to it), or nullptr.
  virtual void* query_capability(const char* capability);
};

// Typed capability query: I must declare `static constexpr const char* kCapability`.
template <class I>
I* capability(Component& component) {
  return static_cast<I*>(component.query_capability(I::kCapability));
}

}  // namespace finetrain
