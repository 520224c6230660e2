// safetensors read/write (docs/safetensors.md). Reading maps the file and validates the header
// strictly before any tensor is touched: header length bounds, well-formed JSON of the exact
// schema, offsets inside the data area, tensors covering it contiguously without overlaps,
// shape x dtype size = byte length, no duplicate names. Tensors are zero-copy views into the
// mapping where alignment allows. Every error is a finetrain::Error naming the file and the tensor.
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

// A validated header.
struct FT_SDK_API Header {
  Metadata metadata;                // "__metadata__" (absent or null: empty)
  std::vector<TensorInfo> tensors;  // in data order (ascending offsets)
  uint64_t data_offset = 0;         // where the data area starts in the file: 8 + header length
};

// Parses and validates the header of a whole file held in `bytes` (the data area is needed to
// check the offsets). Throws finetrain::Error("<label>: ...") on any violation and on nothing else,
// whatever the bytes (fuzzed: tests/fuzz/safetensors_header_fuzzer.cpp).
FT_SDK_API Header parse_header(const uint8_t* bytes, size_t size, const std::string& label);

// One .safetensors file, memory-mapped (private, copy-on-write). Tensors returned by tensor()
// keep the mapping alive after the File is gone.
class FT_SDK_API File {
 public:
  // Opens, maps and validates; throws finetrain::Error("<path>: ...") on any violation.
  static std::shared_ptr<const File> open(const std::string& path);
  virtual ~File();

  virtual const std::string& path() const = 0;
  virtual const Metadata& metadata() const = 0;
  virtual const std::vector<TensorInfo>& tensors() const = 0;  // in data order
  virtual const TensorInfo* find(const std::string& name) const = 0;
  // CPU tensor of the stored dtype: a view into the mapping when the bytes are aligned for the
  // dtype (always, for files this writer or the reference writer produced), else a copy. Writing
  // into a view changes this process's private pages only, never the file.
  virtual at::Tensor tensor(const std::string& name) const = 0;
  // An owned copy read from the file without touching the mapping, so resident memory grows by
  // this tensor only: for tensors consumed once, like loading weights into a module.
  virtual at::Tensor read(const std::string& name) const = 0;
};

// A checkpoint that may be sharded: a .safetensors file, a *.safetensors.index.json, or a
// directory holding one of those under the diffusers (diffusion_pytorch_model.*) or transformers
// (model.*) name, or exactly one candidate file.
class FT_SDK_API Checkpoint {
 public:
  static std::shared_ptr<const Checkpoint> open(const std::string& path);
  virtual ~Checkpoint();

  virtual const std::string& path() const = 0;         // the file or index actually opened
  virtual std::vector<std::string> names() const = 0;  // sorted
  virtual bool contains(const std::string& name) const = 0;
  virtual const TensorInfo& info(const std::string& name) const = 0;
  virtual at::Tensor tensor(const std::string& name) const = 0;  // File::tensor of its shard
  virtual at::Tensor read(const std::string& name) const = 0;    // File::read of its shard
  virtual const Metadata& metadata() const = 0;                  // of the single file, or of the first shard by name
};

// Writes tensors (any device, any dtype the format has) with optional metadata, so that the
// reference reader accepts the file: tensors sorted like the reference writer (dtype, then name)
// and stored contiguously, each aligned for its dtype, header padded with spaces to a multiple of
// 8 bytes. Written to "<path>.tmp", fsynced and renamed: a crash never leaves a half-written file.
FT_SDK_API void save(const std::string& path, const TensorMap& tensors, const Metadata& metadata = {});

// Every tensor of a file or checkpoint (views where possible).
FT_SDK_API TensorMap load(const std::string& path);

// "F32" <-> c10::ScalarType. F8_E4M3 / F8_E5M2 need LibTorch >= 2.1; older builds throw naming
// the linked version.
FT_SDK_API c10::ScalarType scalar_type_from_dtype(const std::string& dtype);
FT_SDK_API std::string dtype_from_scalar_type(c10::ScalarType type);

}  // namespace finetrain::safetensors
