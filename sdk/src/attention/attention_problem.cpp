// The canonical attention problem: how a call is described, and how it is derived from tensors.
#include <ATen/core/Tensor.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "attention/attention_names.hpp"
#include "finetrain/attention.hpp"
#include "finetrain/error.hpp"

namespace finetrain {

const char* to_string(MaskKind kind) {
  switch (kind) {
    case MaskKind::None: return "none";
    case MaskKind::Boolean: return "boolean";
    case MaskKind::Additive: return "additive";
  }
  return "?";
}

std::string AttentionProblem::describe() const {
  return fmt::format("{} {} B={} Hq={} Hkv={} Lq={} Lkv={} D={} mask={} scale={:.4g}{}{}", dtype_name(dtype),
                     device.str(), B, Hq, Hkv, Lq, Lkv, D, to_string(mask), scale, causal ? " causal" : "",
                     requires_grad ? " grad" : "");
}

namespace {

std::string shape(const at::Tensor& t) { return fmt::format("[{}]", fmt::join(t.sizes(), ", ")); }

[[noreturn]] void fail(const std::string& what) { throw Error("attention: " + what); }

void require_4d(const at::Tensor& t, const char* name, const char* layout) {
  if (!t.defined()) fail(fmt::format("{} is undefined", name));
  if (t.dim() != 4) fail(fmt::format("{} must be {} (4-D), got shape {}", name, layout, shape(t)));
}

MaskKind mask_kind(const at::Tensor& mask, const std::vector<int64_t>& full) {
  if (!mask.defined()) return MaskKind::None;
  if (mask.dim() > 4)
    fail(fmt::format("mask must broadcast to [B, Hq, Lq, Lkv] = [{}], got shape {}", fmt::join(full, ", "),
                     shape(mask)));
  // Trailing dimensions align, as in broadcasting; each must be 1 or the full size.
  for (int64_t i = 1; i <= mask.dim(); ++i) {
    int64_t size = mask.size(-i), want = full[full.size() - i];
    if (size != 1 && size != want)
      fail(fmt::format("mask must broadcast to [B, Hq, Lq, Lkv] = [{}], got shape {}", fmt::join(full, ", "),
                       shape(mask)));
  }
  if (mask.scalar_type() == at::kBool) return MaskKind::Boolean;
  if (at::isFloatingType(mask.scalar_type())) return MaskKind::Additive;
  fail(fmt::format("mask must be bool (True = attend) or floating (additive), got {}", dtype_name(mask.scalar_type())));
}

}  // namespace

AttentionProblem make_attention_problem(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                        const at::Tensor& mask, std::optional<double> scale, bool causal) {
  require_4d(q, "q", "[B, Hq, Lq, D]");
  require_4d(k, "k", "[B, Hkv, Lkv, D]");
  require_4d(v, "v", "[B, Hkv, Lkv, D]");
  if (k.sizes() != v.sizes()) fail(fmt::format("k and v must have the same shape, got {} and {}", shape(k), shape(v)));
  if (k.size(0) != q.size(0) || k.size(3) != q.size(3))
    fail(fmt::format("k/v {} do not match q {} in batch or head dim", shape(k), shape(q)));
  if (k.size(1) == 0 || q.size(1) % k.size(1) != 0)
    fail(fmt::format("k/v heads ({}) must divide q heads ({})", k.size(1), q.size(1)));
  for (const at::Tensor* t : {&k, &v}) {
    if (t->scalar_type() != q.scalar_type())
      fail(fmt::format("q, k and v must share one dtype, got {}, {}, {}", dtype_name(q.scalar_type()),
                       dtype_name(k.scalar_type()), dtype_name(v.scalar_type())));
    if (t->device() != q.device())
      fail(fmt::format("q, k and v must be on one device, got {}, {}, {}", q.device().str(), k.device().str(),
                       v.device().str()));
  }
  if (mask.defined() && mask.device() != q.device())
    fail(fmt::format("mask is on {}, q on {}", mask.device().str(), q.device().str()));

  AttentionProblem p;
  p.dtype = q.scalar_type();
  p.device = q.device();
  p.B = q.size(0);
  p.Hq = q.size(1);
  p.Lq = q.size(2);
  p.D = q.size(3);
  p.Hkv = k.size(1);
  p.Lkv = k.size(2);
  p.mask = mask_kind(mask, {p.B, p.Hq, p.Lq, p.Lkv});
  p.scale = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(p.D));
  p.causal = causal;
  p.requires_grad = c10::GradMode::is_enabled() &&
                    (q.requires_grad() || k.requires_grad() || v.requires_grad() ||
                     (mask.defined() && mask.requires_grad()));
  return p;
}

}  // namespace finetrain
