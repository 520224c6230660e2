// The resolved configuration as TOML (`<output_dir>/training_config.toml`, `config check`).
#pragma once

#include <string>

#include "finetrain/config_schema.hpp"
#include "finetrain/options.hpp"

namespace finetrain::host {

// A header comment, then every declared key in schema order, grouped into one table per dotted
// prefix; non-empty arrays of tables as [[blocks]]; keys without a value as comments. Validating
// the text again with the same schema gives the same Options.
std::string write_resolved_config(const Options& options, const ConfigSchema& schema);

}  // namespace finetrain::host
