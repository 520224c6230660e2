// What a person watching the run sees: a live bar on a terminal, plain log lines otherwise
// (files, CI, `--disable-progress-bars`).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace finetrain::host {

class Progress {
 public:
  // `bar`: draw a live bar on stderr (only sensible when stderr is a TTY).
  Progress(int64_t total_steps, int64_t first_step, bool bar);
  void update(int64_t step, double loss, double lr);
  void finish();
  // A log line printed while the bar is shown (clears the bar first).
  void message(const std::string& text);

  // Steps per second over the steps seen so far (0 before two updates).
  double steps_per_second() const;

 private:
  std::string status_line(int64_t step, double loss, double lr) const;

  int64_t total_;
  int64_t first_;
  bool bar_;
  int64_t last_step_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_plain_;
  bool drawn_ = false;
};

// True when stderr is a terminal.
bool stderr_is_tty();

}  // namespace finetrain::host
