// Reading a diffusers config.json (transformer/, vae/) into a JSON object, with errors naming the file.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace finetrain::ltx_video {

// The parsed object; throws finetrain::Error "<label>: not valid JSON: ..." or "<label>: expected a
// JSON object, found <type>".
nlohmann::json parse_config_object(const std::string& json_text, const std::string& label);

}  // namespace finetrain::ltx_video
