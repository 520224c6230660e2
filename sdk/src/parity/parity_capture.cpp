#include "finetrain/parity_capture.hpp"

namespace finetrain {
namespace {
thread_local ParityCapture* g_active = nullptr;
}  // namespace

ParityCapture::ParityCapture() : previous_(g_active) { g_active = this; }
ParityCapture::~ParityCapture() { g_active = previous_; }

bool capture_active() { return g_active != nullptr; }

void capture_intermediate(const std::string& name, const at::Tensor& value) {
  ParityCapture* capture = g_active;
  if (!capture) return;
  const size_t call = capture->calls_[name]++;
  at::Tensor copy = value.detach().clone();
  if (call == 1) {
    // Second call: the module runs more than once, so the first output also gets its ".call0" name.
    for (const auto& [n, t] : capture->tensors_) {
      if (n == name) {
        capture->tensors_.emplace_back(name + ".call0", t);
        break;
      }
    }
  }
  capture->tensors_.emplace_back(call == 0 ? name : name + ".call" + std::to_string(call), copy);
}

}  // namespace finetrain
