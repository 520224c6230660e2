// The one place where LibTorch version differences live (1.13 from Debian, 2.x from wheels).
#pragma once

#include <torch/version.h>

#define FT_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

// float8 dtypes (safetensors F8_E4M3 / F8_E5M2) exist from LibTorch 2.1.
#define FT_HAS_FLOAT8 FT_TORCH_AT_LEAST(2, 1)
