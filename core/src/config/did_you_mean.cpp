#include "config/did_you_mean.hpp"

#include <algorithm>
#include <cctype>

namespace finetrain::host {
namespace {

std::string lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

size_t edit_distance(const std::string& a, const std::string& b) {
  // Three rolling rows: the transposition case looks two rows back.
  std::vector<size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        current[j] = std::min(current[j], before[j - 2] + 1);
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::optional<std::string> closest_match(const std::string& typed, const std::vector<std::string>& candidates) {
  const std::string needle = lowercase(typed);
  const size_t limit = std::max<size_t>(1, typed.size() / 4);
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    if (candidate == typed) continue;
    // The distance is at least the length difference: skip the quadratic work when that is too far.
    size_t length_gap =
        candidate.size() > typed.size() ? candidate.size() - typed.size() : typed.size() - candidate.size();
    if (length_gap >= best_distance) continue;
    size_t d = edit_distance(needle, lowercase(candidate));
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace finetrain::host
