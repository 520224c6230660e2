// transformers' T5Attention._relative_position_bucket. The logarithmic buckets truncate a float32
// value, so the float32 ops run in the reference's order (log of float32 / max_exact, divided by
// the double log(max_distance / max_exact), times the bucket span, truncated): a float64
// evaluation lands on different buckets for some distances.
#include <ATen/TensorOperators.h>
#include <ATen/ops/abs.h>
#include <ATen/ops/full_like.h>
#include <ATen/ops/log.h>
#include <ATen/ops/minimum.h>
#include <ATen/ops/where.h>

#include <cmath>

#include "finetrain/error.hpp"
#include "finetrain/t5_encoder.hpp"

namespace finetrain {

at::Tensor t5_relative_position_bucket(const at::Tensor& relative_position, int64_t num_buckets, int64_t max_distance) {
  if (relative_position.scalar_type() != at::kLong)
    throw Error("t5_relative_position_bucket: relative positions must be int64");
  // Bidirectional: the upper half of the buckets is for keys after the query.
  const int64_t half = num_buckets / 2;
  const int64_t max_exact = half / 2;
  if (max_exact < 1 || max_distance <= max_exact)
    throw Error("t5_relative_position_bucket: need num_buckets >= 4 and max_distance > num_buckets / 4");
  const at::Tensor buckets = (relative_position > 0).to(at::kLong) * half;
  const at::Tensor distance = at::abs(relative_position);
  const at::Tensor is_small = distance < max_exact;
  at::Tensor if_large =
      (at::log(distance.to(at::kFloat) / max_exact) /
       std::log(static_cast<double>(max_distance) / static_cast<double>(max_exact)) * (half - max_exact))
          .to(at::kLong) +
      max_exact;
  if_large = at::minimum(if_large, at::full_like(if_large, half - 1));
  return buckets + at::where(is_small, distance, if_large);
}

}  // namespace finetrain
