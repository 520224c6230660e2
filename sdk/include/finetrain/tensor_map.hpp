// Named tensors: a batch, a state dict, the inputs and outputs of a reference call.
#pragma once

#include <ATen/core/Tensor.h>

#include <map>
#include <string>

namespace finetrain {

using TensorMap = std::map<std::string, at::Tensor>;

}  // namespace finetrain
