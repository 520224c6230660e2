// Out-of-line destructors and small helpers of the tier-1 interfaces. Defining the destructors here
// makes libfinetrain_sdk.so the one home of their vtables and typeinfo (FT-ABI-011).

#include "finetrain/attention_backend.hpp"
#include "finetrain/block_runner.hpp"
#include "finetrain/component.hpp"
#include "finetrain/host_services.hpp"
#include "finetrain/model_spec.hpp"
#include "finetrain/parallel_backend.hpp"
#include "finetrain/tokenizer.hpp"
#include "finetrain/trainer.hpp"

namespace finetrain {

Component::~Component() = default;
void* Component::query_capability(const char*) { return nullptr; }

ModelSpec::~ModelSpec() = default;
Trainer::~Trainer() = default;
ParallelBackend::~ParallelBackend() = default;
AttentionBackend::~AttentionBackend() = default;
Tokenizer::~Tokenizer() = default;
HostServices::~HostServices() = default;
StateDictAdapter::~StateDictAdapter() = default;
ParityComponent::~ParityComponent() = default;
BlockHooks::~BlockHooks() = default;

const char* to_string(Objective objective) {
  switch (objective) {
    case Objective::FlowMatchingVelocity: return "flow_matching_velocity";
    case Objective::VPrediction: return "v_prediction";
  }
  return "?";
}

}  // namespace finetrain
