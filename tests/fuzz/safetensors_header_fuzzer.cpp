// libFuzzer target for the safetensors header parser: any byte string is a candidate file. The
// parser must accept it or throw finetrain::Error; anything else (another exception, a crash, a
// sanitizer report, unbounded memory) is a bug, and so is an accepted header that breaks the
// layout guarantees readers rely on. Seeds: tests/fuzz/corpus/safetensors_header/.
#include <c10/core/ScalarType.h>

#include <cstddef>
#include <cstdint>

#include "finetrain/error.hpp"
#include "finetrain/safetensors.hpp"

namespace {

// Accepted tensors tile the data area in order, and each holds exactly shape x dtype size bytes.
bool layout_holds(const finetrain::safetensors::Header& header, size_t size) {
  uint64_t covered = 0;
  for (const auto& tensor : header.tensors) {
    if (tensor.begin != covered || tensor.end < tensor.begin) return false;
    uint64_t bytes = c10::elementSize(tensor.scalar_type);
    for (int64_t dim : tensor.shape) bytes *= static_cast<uint64_t>(dim);  // validated not to overflow
    if (bytes != tensor.end - tensor.begin) return false;
    covered = tensor.end;
  }
  return header.data_offset + covered == size;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    if (!layout_holds(finetrain::safetensors::parse_header(data, size, "fuzz"), size)) __builtin_trap();
  } catch (const finetrain::Error&) {
  }
  return 0;
}
