// safetensors read/write. Reading maps the file and validates the header strictly (length bounds,
// well-formed JSON, offsets inside the data area, no overlaps, shape x dtype size = byte length,
// no duplicate names); tensors are zero-copy views into the mapping where alignment allows.
// Errors are finetrain::Error naming the file and the tensor.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "finetrain/export.hpp"
#include "finetrain/tensor_map.hpp"

namespace finetrain::safetensors {

using Metadata = std::map<std::string, std::string>;

struct FT_SDK_API TensorInfo {
  std::string name;
  std::string dtype;  // as written in the file: "F32", "BF16", ...
  c10::ScalarType scalar_type = c10::ScalarType::Float;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offsets relative to the data area
  uint64_t end = 0;
};

// One .safetensors file, memory-mapped. Tensors returned by tensor() keep the mapping alive.
class FT_SDK_API File {
 public:
  // Opens and validates; throws finetrain::Error("<path>: ...") on any violation.
  static std::shared_ptr<const File> open(const std::string& path);
  virtual ~File();

  virtual const std::string& path() const = 0;
  virtual const Metadata& metadata() const = 0;
  virtual const std::vector<TensorInfo>& tensors() const = 0;  // in file order
  virtual const TensorInfo* find(const std::string& name) const = 0;
  // CPU tensor of the stored dtype; throws naming file and tensor when absent.
  virtual at::Tensor tensor(const std::string& name) const = 0;
};

// A checkpoint that may be sharded: a .safetensors file, a *.safetensors.index.json, or a
// directory holding one of those (diffusers' diffusion_pytorch_model[.safetensors.index.json] /
// model[...] naming).
class FT_SDK_API Checkpoint {
 public:
  static std::shared_ptr<const Checkpoint> open(const std::string& path);
  virtual ~Checkpoint();

  virtual std::vector<std::string> names() const = 0;  // sorted
  virtual bool contains(const std::string& name) const = 0;
  virtual const TensorInfo& info(const std::string& name) const = 0;
  virtual at::Tensor tensor(const std::string& name) const = 0;
  virtual const Metadata& metadata() const = 0;  // of the first shard
};

// Parses and validates a header (the 8-byte length, then JSON) against a data area of
// `data_size` bytes. Exposed for the fuzzer and for tests of malformed files.
FT_SDK_API std::vector<TensorInfo> parse_header(const uint8_t* bytes, size_t size, Metadata* metadata,
                                                const std::string& label);

// Writes tensors (any device/dtype supported by the format) with optional metadata. The file is
// written to "<path>.tmp", fsynced and renamed, so a crash never leaves a half-written file.
FT_SDK_API void save(const std::string& path, const TensorMap& tensors, const Metadata& metadata = {});

// Convenience: every tensor of a file or checkpoint (zero-copy views where possible).
FT_SDK_API TensorMap load(const std::string& path);

// "F32" <-> c10::ScalarType. Throws for dtypes this LibTorch cannot represent (F8 on old versions).
FT_SDK_API c10::ScalarType scalar_type_from_dtype(const std::string& dtype);
FT_SDK_API std::string dtype_from_scalar_type(c10::ScalarType type);

}  // namespace finetrain::safetensors
