#include "key_segments.hpp"

namespace finetrain::ltx_video {

KeySegments split_key(const std::string& key) {
  KeySegments parts;
  size_t start = 0;
  for (size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', start)) {
    parts.push_back(key.substr(start, dot - start));
    start = dot + 1;
  }
  parts.push_back(key.substr(start));
  return parts;
}

}  // namespace finetrain::ltx_video
