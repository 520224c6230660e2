// Top-level keys: where the run writes.
#include "finetrain/config_schema.hpp"

namespace finetrain::host {

void declare_output_section(ConfigSchema& schema) {
  schema.add_string("output_dir", "outputs/run", "Directory for every output of the run; created if missing");
}

}  // namespace finetrain::host
