#include "training/progress.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>

namespace finetrain::host {
namespace {

std::string duration_text(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "?";
  const auto s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

}  // namespace

bool stderr_is_tty() { return isatty(fileno(stderr)) == 1; }

Progress::Progress(int64_t total_steps, int64_t first_step, bool bar)
    : total_(total_steps), first_(first_step), bar_(bar), last_step_(first_step),
      start_(std::chrono::steady_clock::now()), last_plain_(start_) {}

double Progress::steps_per_second() const {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return elapsed > 0 && last_step_ > first_ ? static_cast<double>(last_step_ - first_) / elapsed : 0.0;
}

std::string Progress::status_line(int64_t step, double loss, double lr) const {
  const double rate = steps_per_second();
  const double eta = rate > 0 ? static_cast<double>(total_ - step) / rate : -1;
  return fmt::format("step {}/{} loss {:.4f} lr {:.3g} {:.2f} it/s eta {}", step, total_, loss, lr, rate,
                     duration_text(eta));
}

void Progress::update(int64_t step, double loss, double lr) {
  last_step_ = step;
  if (bar_) {
    const int width = 24;
    const int filled = total_ > 0 ? static_cast<int>(width * step / total_) : width;
    std::fprintf(stderr, "\r[%s%s] %s\x1b[K", std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                 status_line(step, loss, lr).c_str());
    std::fflush(stderr);
    drawn_ = true;
    return;
  }
  // Plain lines: at most one every 10 s, plus the first and last step.
  const auto now = std::chrono::steady_clock::now();
  if (step == first_ + 1 || step == total_ || now - last_plain_ >= std::chrono::seconds(10)) {
    spdlog::info("{}", status_line(step, loss, lr));
    last_plain_ = now;
  }
}

void Progress::message(const std::string& text) {
  if (drawn_) {
    std::fprintf(stderr, "\r\x1b[K");
    std::fflush(stderr);
  }
  spdlog::info("{}", text);
}

void Progress::finish() {
  if (drawn_) {
    std::fprintf(stderr, "\n");
    std::fflush(stderr);
    drawn_ = false;
  }
}

}  // namespace finetrain::host
