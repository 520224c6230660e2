// runtime.*: the process itself (threads, logging).
#include "finetrain/config_schema.hpp"

namespace finetrain::host {

void declare_runtime_section(ConfigSchema& schema) {
  schema.add_int("runtime.threads", 0, "LibTorch intra-op CPU threads; 0 = one per core").range(0, std::nullopt);
  schema
      .add_string("runtime.log_level", "info",
                  "Log level of stderr and <output_dir>/finetrain.log; --log-level overrides it")
      .one_of({"trace", "debug", "info", "warn", "error"});
}

}  // namespace finetrain::host
