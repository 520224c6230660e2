// One JSON object per optimizer step in <output_dir>/train_log.jsonl. A resumed run appends; steps
// after the checkpoint it resumed from then appear again, and the later entry is the valid one.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <string>

namespace finetrain::host {

struct StepRecord {
  int64_t step = 0;  // 1-based: the number of optimizer steps taken after this one
  double loss = 0.0;  // mean over the step's micro-batches; NaN/Inf when skipped
  double learning_rate = 0.0;
  double grad_norm = 0.0;  // before clipping
  double seconds = 0.0;
  bool skipped = false;  // NaN/Inf guard tripped: no update was made
  int64_t epoch = 0;
  std::map<std::string, double> metrics;  // from the trainer
};

class StepLog {
 public:
  explicit StepLog(const std::string& path);
  void write(const StepRecord& record);  // flushed per line, so a killed run keeps every finished step

 private:
  std::ofstream out_;
};

}  // namespace finetrain::host
