#include "config_json.hpp"

#include <fmt/format.h>

#include "finetrain/error.hpp"

namespace finetrain::ltx_video {

nlohmann::json parse_config_object(const std::string& json_text, const std::string& label) {
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(fmt::format("{}: not valid JSON: {}", label, e.what()));
  }
  if (!root.is_object()) throw Error(fmt::format("{}: expected a JSON object, found {}", label, root.type_name()));
  return root;
}

}  // namespace finetrain::ltx_video
