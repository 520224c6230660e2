// Running the real `finetrain` binary on a generated dataset, for the end-to-end tests.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace finetrain::testing {

// A dataset made by examples/quickstart/make_dataset.sh (cached per test binary run).
const std::string& quickstart_dataset();

// Writes a run file: configs/quickstart.toml's content with `overrides` (key -> TOML literal)
// appended as --set arguments at run time.
struct E2eRun {
  std::string output_dir;
  std::vector<std::string> sets;  // "key=value"
  std::string command(const std::string& extra = "") const;
};

// The per-step records of <output_dir>/train_log.jsonl, last entry per step wins (a resumed run
// appends the steps after its checkpoint again).
std::map<int64_t, double> logged_losses(const std::string& output_dir);

// Starts a command in its own process group; returns its pid.
pid_t spawn(const std::string& command, const std::string& log_file);
// Waits for pid with a time limit; returns its exit status, or -1 after killing it on timeout.
int wait_for(pid_t pid, int timeout_seconds);

std::string read_file(const std::string& path);

}  // namespace finetrain::testing
