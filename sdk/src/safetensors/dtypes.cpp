// safetensors dtype names <-> LibTorch scalar types.
#include <fmt/format.h>

#include "finetrain/error.hpp"
#include "finetrain/safetensors.hpp"
#include "finetrain/torch_compat.hpp"

namespace finetrain::safetensors {

c10::ScalarType scalar_type_from_dtype(const std::string& dtype) {
  using c10::ScalarType;
  if (dtype == "F64") return ScalarType::Double;
  if (dtype == "F32") return ScalarType::Float;
  if (dtype == "F16") return ScalarType::Half;
  if (dtype == "BF16") return ScalarType::BFloat16;
  if (dtype == "I64") return ScalarType::Long;
  if (dtype == "I32") return ScalarType::Int;
  if (dtype == "I16") return ScalarType::Short;
  if (dtype == "I8") return ScalarType::Char;
  if (dtype == "U8") return ScalarType::Byte;
  if (dtype == "BOOL") return ScalarType::Bool;
#if FT_HAS_FLOAT8
  if (dtype == "F8_E4M3") return ScalarType::Float8_e4m3fn;
  if (dtype == "F8_E5M2") return ScalarType::Float8_e5m2;
#else
  if (dtype == "F8_E4M3" || dtype == "F8_E5M2")
    throw Error(fmt::format("dtype {} needs LibTorch >= 2.1 (this build links {}.{})", dtype, TORCH_VERSION_MAJOR,
                            TORCH_VERSION_MINOR));
#endif
  throw Error(fmt::format("unsupported dtype \"{}\" (supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL{})", dtype,
                          FT_HAS_FLOAT8 ? " F8_E4M3 F8_E5M2" : ""));
}

std::string dtype_from_scalar_type(c10::ScalarType type) {
  using c10::ScalarType;
  switch (type) {
    case ScalarType::Double: return "F64";
    case ScalarType::Float: return "F32";
    case ScalarType::Half: return "F16";
    case ScalarType::BFloat16: return "BF16";
    case ScalarType::Long: return "I64";
    case ScalarType::Int: return "I32";
    case ScalarType::Short: return "I16";
    case ScalarType::Char: return "I8";
    case ScalarType::Byte: return "U8";
    case ScalarType::Bool: return "BOOL";
#if FT_HAS_FLOAT8
    case ScalarType::Float8_e4m3fn: return "F8_E4M3";
    case ScalarType::Float8_e5m2: return "F8_E5M2";
#endif
    default: throw Error(fmt::format("tensor dtype {} cannot be stored in safetensors", c10::toString(type)));
  }
}

}  // namespace finetrain::safetensors
