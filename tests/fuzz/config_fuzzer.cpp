// libFuzzer target for the configuration path: arbitrary bytes as a run file (toml++ parse, then
// finetrain's validation) and as one --set override. Bad input may only end in finetrain::Error;
// a crash, any other exception, or a resolved config that does not read back to the same text is
// a bug.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "config/config_writer.hpp"
#include "config/core_schema.hpp"
#include "config/overrides.hpp"
#include "config/toml_reader.hpp"
#include "config/validation.hpp"
#include "finetrain/error.hpp"

namespace {

using namespace finetrain;
using namespace finetrain::host;

// The core keys plus one key of every type and refinement.
const ConfigSchema& fuzz_schema() {
  static const ConfigSchema schema = [] {
    ConfigSchema s = core_config_schema();
    s.add_int("training.max_steps", 1000, "Steps").range(1, std::nullopt);
    s.add_bool("training.deterministic", false, "Deterministic");
    s.add_float("optimizer.learning_rate", 1e-4, "Learning rate").range(0, 1);
    s.add_string("optimizer.name", "adamw", "Optimizer").one_of({"adamw", "adam", "sgd"});
    s.add_string_list("lora.targets", {"to_q", "to_k"}, "Targets");
    s.add_string_list("lora.kinds", {}, "Kinds").one_of({"attn", "ff"});
    s.add_optional("model.path", ValueType::String, "Optional");
    s.add_float("model.vae.scale", 0.5, "Two tables deep");
    s.add_table_list("validation.prompts",
                     {item_key("prompt", ValueType::String, std::monostate{}, "Prompt").require(),
                      item_key("seed", ValueType::Int, int64_t{0}, "Seed"),
                      item_key("size.width", ValueType::Int, int64_t{64}, "Dotted item key"),
                      item_key("guidance", ValueType::Float, 3.0, "Float")},
                     "Prompts");
    return s;
  }();
  return schema;
}

// What validation accepted must be written as TOML that validates to the same text again.
void check_round_trip(const Options& options) {
  const std::string written = write_resolved_config(options, fuzz_schema());
  std::string rewritten;
  try {
    Options again = validate_config(fuzz_schema(), parse_toml_text(written, "resolved.toml"), "resolved.toml");
    rewritten = write_resolved_config(again, fuzz_schema());
  } catch (const Error& e) {
    std::fprintf(stderr, "resolved config does not read back:\n%s\n%s\n", written.c_str(), e.what());
    std::abort();
  }
  if (rewritten != written) {
    std::fprintf(stderr, "resolved config changed on reading back:\n%s\n---\n%s\n", written.c_str(), rewritten.c_str());
    std::abort();
  }
}

void as_run_file(const std::string& text) {
  Options options;
  try {
    options = validate_config(fuzz_schema(), parse_toml_text(text, "fuzz.toml"), "fuzz.toml");
  } catch (const Error&) {
    return;
  }
  check_round_trip(options);
}

void as_override(const std::string& text) {
  Options options;
  try {
    options = validate_config(fuzz_schema(), override_entries(parse_override(text), fuzz_schema()), "fuzz.toml");
  } catch (const Error&) {
    return;
  }
  check_round_trip(options);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  as_run_file(text);
  as_override(text);
  return 0;
}
