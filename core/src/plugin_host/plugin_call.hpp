// The one choke point for calls from the host into plugin code: whatever a plugin throws comes
// out as a finetrain::Error whose message starts with the plugin's name (FT-ABI-010), and global
// torch state a plugin changed without an RAII guard is restored and reported (FT-ABI-015).
#pragma once

#include <string>
#include <type_traits>
#include <utility>

namespace finetrain::host {

// Rethrows the in-flight exception as finetrain::Error("plugin '<plugin>': <what>: <message>").
[[noreturn]] void rethrow_from_plugin(const std::string& plugin, const char* what);

// The process-wide torch settings a plugin must only change under an RAII guard: grad mode (of
// the calling thread), the default dtype and the intra-op thread count. Captured on construction;
// anything changed is put back on destruction.
class TorchStateWatch {
 public:
  TorchStateWatch();
  ~TorchStateWatch();
  TorchStateWatch(const TorchStateWatch&) = delete;
  TorchStateWatch& operator=(const TorchStateWatch&) = delete;

  // Restores what changed since construction and throws finetrain::Error naming each setting with
  // its value before and after, prefixed like every choke-point error. Does nothing when unchanged.
  void check(const std::string& plugin, const char* what);

 private:
  std::string restore();  // one-line description of what was restored, empty when nothing changed

  bool grad_mode_;
  int default_dtype_;  // c10::ScalarType
  int num_threads_;
};

template <class F, class R = std::invoke_result_t<F&&>>
R call_plugin(const std::string& plugin, const char* what, F&& f) {
  TorchStateWatch state;
  try {
    if constexpr (std::is_void_v<R>) {
      std::forward<F>(f)();
      state.check(plugin, what);
    } else {
      R result = std::forward<F>(f)();
      state.check(plugin, what);
      if constexpr (std::is_reference_v<R>) {
        return static_cast<R>(result);
      } else {
        return result;
      }
    }
  } catch (...) {
    rethrow_from_plugin(plugin, what);
  }
}

}  // namespace finetrain::host
