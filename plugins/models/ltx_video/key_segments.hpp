// State-dict keys as their dot-separated module path segments ("a.b.0.weight" -> a, b, 0, weight).
#pragma once

#include <string>
#include <vector>

namespace finetrain::ltx_video {

using KeySegments = std::vector<std::string>;

// Every segment, empty ones included, so that joining them with '.' gives the key back.
KeySegments split_key(const std::string& key);

}  // namespace finetrain::ltx_video
