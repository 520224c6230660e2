// How a checkpoint is laid out on disk: which file a component directory means, and what a
// *.safetensors.index.json says about its shards.
#pragma once

#include <map>
#include <string>

namespace finetrain::safetensors::detail {

// The checkpoint in a component directory: the diffusers (diffusion_pytorch_model.*) or
// transformers (model.*) index or single file when exactly one of those four exists, else the only
// *.safetensors.index.json, else the only *.safetensors. Throws naming the directory and the
// candidates when there is none or more than one.
std::string checkpoint_in_directory(const std::string& directory);

// weight_map of an index: tensor name -> shard file name relative to the index's folder. Throws
// naming the index for unreadable JSON, a missing weight_map, a tensor listed twice, a shard that
// is not a file name or a relative path below the index's folder.
std::map<std::string, std::string> read_weight_map(const std::string& index_path);

}  // namespace finetrain::safetensors::detail
