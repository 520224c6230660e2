// Which samples form each batch. Every epoch is a permutation derived from (seed, epoch) alone, so
// the data position is two integers and a resumed run sees exactly the batches the uninterrupted
// run would have seen.
#pragma once

#include <cstdint>
#include <vector>

namespace finetrain::host {

struct DataPosition {
  int64_t epoch = 0;
  int64_t offset = 0;  // samples of this epoch already consumed
  bool operator==(const DataPosition& o) const { return epoch == o.epoch && offset == o.offset; }
};

class EpochSampler {
 public:
  // Batches never straddle epochs: a last partial batch of an epoch is dropped (drop_last).
  EpochSampler(int64_t num_samples, int64_t batch_size, uint64_t seed, bool shuffle);

  std::vector<int64_t> next_batch();
  DataPosition position() const { return position_; }
  void restore(const DataPosition& position);

  // The order of epoch `epoch` (exposed for tests).
  std::vector<int64_t> epoch_order(int64_t epoch) const;

 private:
  int64_t num_samples_;
  int64_t batch_size_;
  uint64_t seed_;
  bool shuffle_;
  DataPosition position_;
  std::vector<int64_t> order_;  // of position_.epoch
};

}  // namespace finetrain::host
