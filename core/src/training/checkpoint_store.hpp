// The checkpoints directory of a run: `<output_dir>/checkpoints/step_<N>/`.
//
// A checkpoint is written into a hidden temporary directory, every file and the directory are
// fsynced, and only then renamed to step_<N>: a crash (kill -9, power loss) at any point leaves
// either the complete new checkpoint or none, never a half one. Leftover temporary directories
// are removed on the next start.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace finetrain::host {

class CheckpointStore {
 public:
  // keep_last <= 0 keeps every checkpoint.
  CheckpointStore(std::string checkpoints_dir, int64_t keep_last);

  // Creates step_<step> atomically: `write` fills the (temporary) directory it is given. Replaces an
  // existing step_<step>. Then removes the oldest checkpoints beyond keep_last. Returns the final path.
  std::string save(int64_t step, const std::function<void(const std::string& directory)>& write);

  std::vector<int64_t> steps() const;  // complete checkpoints, ascending
  std::optional<std::string> latest() const;
  std::string path_for(int64_t step) const;
  // Removes temporary directories left by an interrupted save.
  void remove_incomplete() const;

  const std::string& directory() const { return dir_; }

 private:
  std::string dir_;
  int64_t keep_last_;
};

// fsyncs a file or a directory; throws finetrain::Error naming it on failure.
void fsync_path(const std::string& path);

}  // namespace finetrain::host
