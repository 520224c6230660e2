#include "data/epoch_sampler.hpp"

#include <fmt/format.h>

#include <numeric>
#include <random>

#include "finetrain/error.hpp"

namespace finetrain::host {
namespace {

// Unbiased integer in [0, bound) from a 64-bit engine, written out so the sequence does not depend
// on the standard library's distribution implementation.
uint64_t below(std::mt19937_64& engine, uint64_t bound) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t x;
  do {
    x = engine();
  } while (x >= limit);
  return x % bound;
}

}  // namespace

EpochSampler::EpochSampler(int64_t num_samples, int64_t batch_size, uint64_t seed, bool shuffle)
    : num_samples_(num_samples), batch_size_(batch_size), seed_(seed), shuffle_(shuffle) {
  if (batch_size < 1) throw Error(fmt::format("batch size must be at least 1, got {}", batch_size));
  if (num_samples < batch_size)
    throw Error(fmt::format("the dataset has {} usable samples, fewer than one batch of {}", num_samples, batch_size));
  order_ = epoch_order(0);
}

std::vector<int64_t> EpochSampler::epoch_order(int64_t epoch) const {
  std::vector<int64_t> order(static_cast<size_t>(num_samples_));
  std::iota(order.begin(), order.end(), 0);
  if (!shuffle_) return order;
  std::mt19937_64 engine(seed_ * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(epoch));
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[below(engine, i)]);  // Fisher-Yates
  return order;
}

std::vector<int64_t> EpochSampler::next_batch() {
  if (position_.offset + batch_size_ > num_samples_) {
    position_ = {position_.epoch + 1, 0};
    order_ = epoch_order(position_.epoch);
  }
  std::vector<int64_t> batch(order_.begin() + position_.offset, order_.begin() + position_.offset + batch_size_);
  position_.offset += batch_size_;
  return batch;
}

void EpochSampler::restore(const DataPosition& position) {
  if (position.epoch < 0 || position.offset < 0 || position.offset > num_samples_)
    throw Error(fmt::format("data position (epoch {}, offset {}) does not fit a dataset of {} samples", position.epoch,
                            position.offset, num_samples_));
  position_ = position;
  order_ = epoch_order(position.epoch);
}

}  // namespace finetrain::host
