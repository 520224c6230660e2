// Tier-1 parallel backend interface (ddp, fsdp, hsdp). The single-process path in core is the
// reference all of them must reproduce.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "finetrain/block_runner.hpp"
#include "finetrain/abi.h"
#include "finetrain/component.hpp"
#include "finetrain/config_schema.hpp"
#include "finetrain/export.hpp"
#include "finetrain/options.hpp"
#include "finetrain/tensor_map.hpp"

namespace torch::nn {
class Module;
}

namespace finetrain {

// The torchrun / SLURM environment contract.
struct FT_SDK_API WorldInfo {
  int64_t rank = 0;
  int64_t world_size = 1;
  int64_t local_rank = 0;
  int64_t local_world_size = 1;
  std::string master_addr = "127.0.0.1";
  int64_t master_port = 29500;
};

enum class ReduceOp { Sum, Average, Max, Min };

class FT_SDK_API ParallelBackend : public Component {
 public:
  static constexpr InterfaceInfo kInterface{"finetrain.ParallelBackend", 1};
  static constexpr uint32_t kKind = FT_PLUGIN_KIND_PARALLEL_BACKEND;
  ~ParallelBackend() override;  // out of line: the vtable and typeinfo live in libfinetrain_sdk.so
  InterfaceInfo interface_info() const override { return kInterface; }

  virtual ConfigSchema options_schema() const = 0;  // keys under `parallel.` this backend reads
  // Creates the process group (c10d: Gloo on CPU, NCCL on CUDA). Times out with a clear error.
  virtual void init(const WorldInfo& world, const Options& parallel_options, c10::Device device) = 0;
  virtual const WorldInfo& world() const = 0;

  // Takes over the model: `blocks` are the wrapping units, `trainable` the parameters the
  // optimizer updates. Returns the tensors the optimizer must step (shards for FSDP).
  virtual std::vector<std::pair<std::string, at::Tensor>> wrap(
      torch::nn::Module& model, BlockRunner& blocks,
      const std::vector<std::pair<std::string, at::Tensor>>& trainable) = 0;
  // After backward of the last micro-batch: gradients are synchronised when this returns.
  virtual void synchronize_gradients() = 0;
  // Global L2 norm of the gradients of the wrapped trainable parameters across all ranks.
  virtual double global_grad_norm() = 0;

  virtual void all_reduce(std::vector<at::Tensor>& tensors, ReduceOp op) = 0;
  virtual void broadcast(std::vector<at::Tensor>& tensors, int64_t root) = 0;
  virtual void barrier() = 0;

  // Full (unsharded) trainable state on every rank, and this rank's shard.
  virtual TensorMap full_state_dict() = 0;
  virtual TensorMap sharded_state_dict() = 0;
  virtual void load_sharded_state_dict(const TensorMap& state) = 0;
};

}  // namespace finetrain
