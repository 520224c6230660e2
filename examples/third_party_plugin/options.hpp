// The `model.*` keys of toy-pixel: one struct with the defaults, and the schema the host validates
// run files against (each key's one-line doc is what `finetrain config explain` prints).
#pragma once

#include <finetrain/config_schema.hpp>
#include <finetrain/options.hpp>

#include <string>

namespace toy_pixel {

struct ToyPixelOptions {
  std::string preset = "tiny";  // architecture preset built from model.seed: "tiny" or "small"
  double sample_shift = 1.0;    // flow-matching shift of the sampling schedule
};

inline finetrain::ConfigSchema options_schema() {
  const ToyPixelOptions defaults;
  finetrain::ConfigSchema schema;
  schema.add_string("model.preset", defaults.preset, "Architecture preset: tiny (tests) or small")
      .one_of({"tiny", "small"});
  schema
      .add_float("model.sample_shift", defaults.sample_shift,
                 "Shift of the validation sampler's sigmas: s' = shift*s / (1 + (shift-1)*s)")
      .range(0.01, 100.0);
  return schema;
}

// Reads the `model` section (prefix removed); keys the host did not fill keep their defaults.
inline ToyPixelOptions read_options(const finetrain::Options& model_section) {
  ToyPixelOptions options;
  if (model_section.has("preset")) options.preset = model_section.get_string("preset");
  if (model_section.has("sample_shift")) options.sample_shift = model_section.get_float("sample_shift");
  return options;
}

}  // namespace toy_pixel
