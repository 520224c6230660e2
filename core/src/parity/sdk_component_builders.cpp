// The ComponentBuilders libfinetrain_sdk provides. Add one line per SDK component here.
#include "finetrain/scheduler_parity.hpp"
#include "finetrain/t5_encoder.hpp"
#include "parity/builder_catalog.hpp"

namespace finetrain::host {

std::vector<ComponentBuilder> sdk_component_builders() {
  return {
      flow_match_euler_parity_builder(),
      cogvideox_ddim_parity_builder(),
      t5_encoder_component_builder(),
      umt5_encoder_component_builder(),
  };
}

}  // namespace finetrain::host
