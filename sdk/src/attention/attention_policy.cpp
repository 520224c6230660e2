// The attention policy value type, site globs, and the scoped policy guard used by tests.
#include <fmt/format.h>

#include "finetrain/attention.hpp"

namespace finetrain {

const char* to_string(AttentionPhase phase) {
  switch (phase) {
    case AttentionPhase::Training: return "training";
    case AttentionPhase::Validation: return "validation";
  }
  return "?";
}

bool AttentionPolicy::operator==(const AttentionPolicy& other) const {
  return training_backend == other.training_backend && validation_backend == other.validation_backend &&
         site_overrides == other.site_overrides;
}

std::string AttentionPolicy::describe() const {
  std::string text = fmt::format("training={} validation={}", training_backend, validation_backend);
  if (!site_overrides.empty()) {
    std::string overrides;
    for (const auto& [pattern, backend] : site_overrides)
      overrides += fmt::format("{}{}={}", overrides.empty() ? "" : ", ", pattern, backend);
    text += " overrides=[" + overrides + "]";
  }
  return text;
}

bool attention_site_matches(const std::string& pattern, const std::string& site) {
  // Iterative glob with single-star backtracking: linear in practice, no recursion.
  size_t p = 0, s = 0, star = std::string::npos, star_site = 0;
  while (s < site.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == site[s])) {
      ++p;
      ++s;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_site = s;
    } else if (star != std::string::npos) {
      p = star + 1;
      s = ++star_site;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

ScopedAttentionPolicy::ScopedAttentionPolicy(AttentionPolicy policy) : previous_(attention_registry().policy()) {
  attention_registry().set_policy(std::move(policy));
}

ScopedAttentionPolicy::~ScopedAttentionPolicy() {
  try {
    attention_registry().set_policy(previous_);
  } catch (...) {
    // previous_ was in force a moment ago, so it validates; nothing sane to do if it did not.
  }
}

}  // namespace finetrain
