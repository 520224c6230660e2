// Runs a child process with a time limit and captures its stdout (stderr passes through).
#pragma once

#include <string>
#include <vector>

namespace finetrain::cli {

struct ChildResult {
  int exit_code = -1;      // -1 when killed by a signal
  bool timed_out = false;  // killed after the time limit
  std::string output;      // its stdout
};

// argv[0] is the program path (no PATH search). Throws finetrain::Error when it cannot start.
ChildResult run_child(const std::vector<std::string>& argv, int timeout_seconds);

// The path of the running executable (/proc/self/exe).
std::string current_executable();

}  // namespace finetrain::cli
