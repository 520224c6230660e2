#include "finetrain/activation_checkpoint.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/ivalue.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>

#include <mutex>

namespace finetrain {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Keeps the block function alive inside the autograd node (saved_data holds IValues only).
struct FnHolder : torch::CustomClassHolder {
  explicit FnHolder(CheckpointFn f) : fn(std::move(f)) {}
  CheckpointFn fn;
};

// Sets the default CPU generator to `state` for the guard's lifetime, then puts the previous state back.
class RngStateGuard {
 public:
  explicit RngStateGuard(const at::Tensor& state) {
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    previous_ = gen.get_state();
    gen.set_state(state);
  }
  ~RngStateGuard() {
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(previous_);
  }

 private:
  at::Tensor previous_;
};

struct CheckpointNode : public torch::autograd::Function<CheckpointNode> {
  static variable_list forward(AutogradContext* ctx, c10::intrusive_ptr<FnHolder> holder, at::TensorList inputs,
                               at::TensorList params) {
    {
      at::Generator gen = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(gen.mutex());
      ctx->saved_data["rng"] = gen.get_state();
    }
    ctx->saved_data["fn"] = c10::IValue::make_capsule(holder);
    ctx->saved_data["num_inputs"] = static_cast<int64_t>(inputs.size());
    std::vector<at::Tensor> saved(inputs.begin(), inputs.end());
    saved.insert(saved.end(), params.begin(), params.end());
    ctx->save_for_backward(saved);
    c10::AutoGradMode no_grad(false);
    return holder->fn(std::vector<at::Tensor>(inputs.begin(), inputs.end()));
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const variable_list saved = ctx->get_saved_variables();
    const size_t num_inputs = static_cast<size_t>(ctx->saved_data["num_inputs"].toInt());
    auto holder = c10::static_intrusive_pointer_cast<FnHolder>(ctx->saved_data["fn"].toCapsule());

    // Fresh leaves for the inputs so the recomputed graph stops here.
    std::vector<at::Tensor> inputs;
    for (size_t i = 0; i < num_inputs; ++i) {
      const at::Tensor& x = saved[i];
      inputs.push_back(x.defined() ? x.detach().requires_grad_(x.requires_grad()) : x);
    }
    variable_list outputs;
    {
      RngStateGuard rng(ctx->saved_data["rng"].toTensor());
      c10::AutoGradMode grad(true);
      outputs = holder->fn(inputs);
    }

    // Differentiate w.r.t. everything that wants a gradient; map results back to argument order.
    variable_list targets;
    std::vector<size_t> target_slot;  // index into the flattened (inputs, params) list
    for (size_t i = 0; i < saved.size(); ++i) {
      const at::Tensor& t = i < num_inputs ? inputs[i] : saved[i];
      if (t.defined() && t.requires_grad()) {
        targets.push_back(t);
        target_slot.push_back(i);
      }
    }
    variable_list used_outputs, used_grads;
    for (size_t i = 0; i < outputs.size(); ++i) {
      if (outputs[i].defined() && outputs[i].requires_grad() && grad_outputs[i].defined()) {
        used_outputs.push_back(outputs[i]);
        used_grads.push_back(grad_outputs[i]);
      }
    }
    variable_list grads(saved.size());
    if (!targets.empty() && !used_outputs.empty()) {
      variable_list computed = torch::autograd::grad(used_outputs, targets, used_grads, /*retain_graph=*/false,
                                                     /*create_graph=*/false, /*allow_unused=*/true);
      for (size_t k = 0; k < computed.size(); ++k) grads[target_slot[k]] = computed[k];
    }
    // One gradient per forward argument: none for the holder, then inputs, then params.
    variable_list result;
    result.reserve(saved.size() + 1);
    result.emplace_back();
    result.insert(result.end(), grads.begin(), grads.end());
    return result;
  }
};

}  // namespace

std::vector<at::Tensor> checkpointed_call(const CheckpointFn& fn, const std::vector<at::Tensor>& inputs,
                                          const std::vector<at::Tensor>& params) {
  return CheckpointNode::apply(c10::make_intrusive<FnHolder>(fn), at::TensorList(inputs), at::TensorList(params));
}

}  // namespace finetrain
