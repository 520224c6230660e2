// Suggestions for typos in keys, allowed values and plugin names.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace finetrain::host {

// Edit distance with adjacent transpositions counting as one edit (optimal string alignment).
size_t edit_distance(const std::string& a, const std::string& b);

// The candidate closest to `typed` (case-insensitive), when it is within a quarter of the typed
// length (at least 1 edit) and so likely a typo; nullopt otherwise. Ties go to the earlier candidate.
std::optional<std::string> closest_match(const std::string& typed, const std::vector<std::string>& candidates);

}  // namespace finetrain::host
