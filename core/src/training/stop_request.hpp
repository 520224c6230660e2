// SIGTERM / SIGINT during training: finish the step, write a checkpoint, exit 0 — what a preempted
// cluster job needs. A second SIGINT stops immediately.
#pragma once

namespace finetrain::host {

// Installs the handlers for the guard's lifetime and restores the previous ones after.
class StopRequestGuard {
 public:
  StopRequestGuard();
  ~StopRequestGuard();
  StopRequestGuard(const StopRequestGuard&) = delete;
  StopRequestGuard& operator=(const StopRequestGuard&) = delete;

  bool requested() const;
  int signal() const;  // the signal that asked, 0 if none
};

}  // namespace finetrain::host
