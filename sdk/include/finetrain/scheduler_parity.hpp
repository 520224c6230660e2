// Parity builders for the SDK's schedulers, used by `finetrain check-parity` on scheduler fixture
// folders (../shared/fixtures/schedulers/<name>/). A scheduler fixture holds one or more cases;
// build() receives one case object {"config": {...scheduler config...}, "set_timesteps": {...kwargs...}}
// and run() performs the call its README documents on the case's `in.*` tensors (case prefix
// removed), returning tensors named like the fixture's references (case prefix removed):
//   FlowMatchEulerDiscreteScheduler: timesteps, sigmas, step<i>.prev_sample
//   CogVideoXDDIMScheduler:          alphas_cumprod, betas, timesteps, step<i>.prev_sample,
//                                    step<i>.pred_original_sample
// Step i takes in.step<i>.model_output, in.sample<i> and timesteps[i], for i = 0, 1, ... as long as
// the inputs hold step<i>.model_output.
#pragma once

#include "finetrain/export.hpp"
#include "finetrain/model_spec.hpp"

namespace finetrain {

FT_SDK_API ComponentBuilder flow_match_euler_parity_builder();
FT_SDK_API ComponentBuilder cogvideox_ddim_parity_builder();

}  // namespace finetrain
