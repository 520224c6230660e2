#include "training/lr_schedule.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "finetrain/error.hpp"

namespace finetrain::host {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Fraction of the post-warmup phase completed at `step`.
double progress(const LrScheduleSettings& s, int64_t step) {
  return static_cast<double>(step - s.warmup_steps) / static_cast<double>(std::max<int64_t>(1, s.total_steps - s.warmup_steps));
}

}  // namespace

double lr_multiplier(const LrScheduleSettings& s, double base_lr, int64_t step) {
  const bool warming = step < s.warmup_steps;
  const double warmup = static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, s.warmup_steps));
  if (s.name == "constant") return 1.0;
  if (s.name == "constant_with_warmup") return warming ? warmup : 1.0;
  if (s.name == "linear") {
    if (warming) return warmup;
    return std::max(0.0, static_cast<double>(s.total_steps - step) /
                             static_cast<double>(std::max<int64_t>(1, s.total_steps - s.warmup_steps)));
  }
  if (s.name == "cosine") {
    // diffusers' get_scheduler always uses half a wave (num_cycles = 0.5) for "cosine".
    if (warming) return warmup;
    return std::max(0.0, 0.5 * (1.0 + std::cos(kPi * 0.5 * 2.0 * progress(s, step))));
  }
  if (s.name == "cosine_with_restarts") {
    if (warming) return warmup;
    const double p = progress(s, step);
    if (p >= 1.0) return 0.0;
    return std::max(0.0, 0.5 * (1.0 + std::cos(kPi * std::fmod(s.num_cycles * p, 1.0))));
  }
  if (s.name == "polynomial") {
    if (warming) return warmup;
    if (s.lr_end > base_lr)
      throw Error(fmt::format("lr_end ({}) must be smaller than the learning rate ({})", s.lr_end, base_lr));
    if (step > s.total_steps) return s.lr_end / base_lr;
    const double remaining = 1.0 - progress(s, step);
    return ((base_lr - s.lr_end) * std::pow(remaining, s.power) + s.lr_end) / base_lr;
  }
  throw Error(fmt::format(
      "unknown learning-rate schedule '{}' (constant, constant_with_warmup, linear, cosine, cosine_with_restarts, "
      "polynomial)",
      s.name));
}

}  // namespace finetrain::host
