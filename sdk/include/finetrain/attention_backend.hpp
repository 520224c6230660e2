// Tier-1 attention backend: one canonical problem, layout q_BHLD.
//
// Models never call a kernel. Each attention site holds an AttentionHandle (attention.hpp) and
// the registry picks a backend per site from the active policy; backends say why they refuse.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <string>

#include "finetrain/abi.h"
#include "finetrain/component.hpp"
#include "finetrain/export.hpp"

namespace finetrain {

enum class MaskKind : uint8_t {
  None,      // no mask
  Boolean,   // bool, True = attend; broadcastable to [B, Hq, Lq, Lkv]
  Additive,  // floating, added to the scaled scores; broadcastable to [B, Hq, Lq, Lkv]
};

FT_SDK_API const char* to_string(MaskKind kind);

// Everything a backend needs to decide whether it can run a call.
struct FT_SDK_API AttentionProblem {
  c10::ScalarType dtype = c10::ScalarType::Float;
  c10::Device device{c10::DeviceType::CPU};
  int64_t B = 0, Hq = 0, Hkv = 0, Lq = 0, Lkv = 0, D = 0;
  MaskKind mask = MaskKind::None;
  double scale = 0.0;  // multiplier of q.k (usually 1/sqrt(D))
  bool causal = false;
  bool requires_grad = false;

  std::string describe() const;  // one line, for logs and `attention explain`
};

class FT_SDK_API AttentionBackend : public Component {
 public:
  static constexpr InterfaceInfo kInterface{"finetrain.AttentionBackend", 1};
  static constexpr uint32_t kKind = FT_PLUGIN_KIND_ATTENTION_BACKEND;
  ~AttentionBackend() override;  // out of line: the vtable and typeinfo live in libfinetrain_sdk.so
  InterfaceInfo interface_info() const override { return kInterface; }

  virtual std::string name() const = 0;
  // Higher wins under `auto` among backends that support a problem.
  virtual int priority() const = 0;
  // True when this backend can run `problem`; otherwise *why (if given) says which check refused.
  virtual bool supports(const AttentionProblem& problem, std::string* why) const = 0;
  // q [B,Hq,Lq,D], k/v [B,Hkv,Lkv,D]; mask undefined when problem.mask == None. Returns [B,Hq,Lq,D].
  virtual at::Tensor forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                             const AttentionProblem& problem) = 0;
};

}  // namespace finetrain
