// A deliberately broken target: it aborts on any input that starts with "FT". libFuzzer finds
// that in well under a second; the `fuzz.runner_canary` test passes only when the runner reports
// the crash and keeps the reproducer, so a runner that swallowed crashes would fail it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size >= 2 && data[0] == 'F' && data[1] == 'T') std::abort();
  return 0;
}
