#include "finetrain/attention_checks.hpp"

#include <ATen/ops/matmul.h>
#include <ATen/ops/ones.h>
#include <c10/core/Device.h>
#include <fmt/format.h>

#include <algorithm>

#include "attention/attention_names.hpp"

namespace finetrain {

std::string first_refusal(const std::vector<AttentionCheck>& checks, const AttentionProblem& problem,
                          bool for_auto) {
  for (const AttentionCheck& check : checks) {
    if (check.auto_only && !for_auto) continue;
    std::string found = check.refusal(problem);
    if (!found.empty()) return check.name + ": " + found;
  }
  return "";
}

namespace {

template <class T, class Name>
std::string set_text(const std::vector<T>& items, Name name) {
  std::string out;
  for (const T& item : items) out += (out.empty() ? "" : ", ") + name(item);
  return "{" + out + "}";
}

std::string device_type_name(c10::DeviceType type) { return c10::DeviceTypeName(type, /*lower_case=*/true); }

}  // namespace

AttentionCheck dtype_in(std::vector<c10::ScalarType> dtypes) {
  std::string name = "dtype in " + set_text(dtypes, dtype_name);
  return {name, [dtypes](const AttentionProblem& p) {
            if (std::find(dtypes.begin(), dtypes.end(), p.dtype) != dtypes.end()) return std::string();
            return "got " + dtype_name(p.dtype);
          }};
}

AttentionCheck device_type_in(std::vector<c10::DeviceType> types) {
  std::string name = types.size() == 1 ? "device is " + device_type_name(types[0])
                                       : "device in " + set_text(types, device_type_name);
  return {name, [types](const AttentionProblem& p) {
            if (std::find(types.begin(), types.end(), p.device.type()) != types.end()) return std::string();
            return "got " + p.device.str();
          }};
}

AttentionCheck no_gqa() {
  return {"no GQA (k/v heads == q heads)", [](const AttentionProblem& p) {
            return p.Hkv == p.Hq ? std::string() : fmt::format("Hq={} Hkv={}", p.Hq, p.Hkv);
          }};
}

AttentionCheck mask_kind_not(MaskKind kind) {
  return {fmt::format("mask kind is not {}", to_string(kind)), [kind](const AttentionProblem& p) {
            return p.mask == kind ? fmt::format("got {}", to_string(kind)) : std::string();
          }};
}

AttentionCheck head_dim_at_most(int64_t max_dim) {
  return {fmt::format("head dim <= {}", max_dim), [max_dim](const AttentionProblem& p) {
            return p.D <= max_dim ? std::string() : fmt::format("D={}", p.D);
          }};
}

AttentionCheck not_causal_with_mask() {
  return {"not causal together with an explicit mask", [](const AttentionProblem& p) {
            return p.causal && p.mask != MaskKind::None ? fmt::format("got causal and mask kind {}", to_string(p.mask))
                                                        : std::string();
          }};
}

AttentionCheck half_matmul_on_cpu() {
  return {"float16 on CPU needs a CPU half-precision matmul", [](const AttentionProblem& p) {
            if (p.dtype != c10::ScalarType::Half || !p.device.is_cpu()) return std::string();
            static const bool available = [] {
              try {
                auto one = at::ones({1, 1}, at::TensorOptions().dtype(at::kHalf));
                at::matmul(one, one);
                return true;
              } catch (const std::exception&) {
                return false;
              }
            }();
            return available ? std::string() : std::string("the linked LibTorch has none");
          }};
}

AttentionCheck auto_only(AttentionCheck check) {
  check.auto_only = true;
  return check;
}

AttentionCheckList::~AttentionCheckList() = default;

CheckedAttentionBackend::CheckedAttentionBackend(std::vector<AttentionCheck> checks) : checks_(std::move(checks)) {}

bool CheckedAttentionBackend::supports(const AttentionProblem& problem, std::string* why) const {
  std::string refusal = first_refusal(checks_, problem, /*for_auto=*/false);
  if (why) *why = refusal;
  return refusal.empty();
}

void* CheckedAttentionBackend::query_capability(const char* capability) {
  if (std::string(capability) == AttentionCheckList::kCapability) return static_cast<AttentionCheckList*>(this);
  return AttentionBackend::query_capability(capability);
}

}  // namespace finetrain
