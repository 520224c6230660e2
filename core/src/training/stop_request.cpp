#include "training/stop_request.hpp"

#include <atomic>
#include <csignal>

namespace finetrain::host {
namespace {

std::atomic<int> g_signal{0};
struct sigaction g_previous_int;
struct sigaction g_previous_term;

void on_signal(int sig) {
  if (sig == SIGINT && g_signal.load() == SIGINT) {
    // Second Ctrl-C: the user does not want to wait for the checkpoint.
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
    return;
  }
  g_signal.store(sig);
}

}  // namespace

StopRequestGuard::StopRequestGuard() {
  g_signal.store(0);
  struct sigaction action {};
  action.sa_handler = &on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
}

StopRequestGuard::~StopRequestGuard() {
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
}

bool StopRequestGuard::requested() const { return g_signal.load() != 0; }
int StopRequestGuard::signal() const { return g_signal.load(); }

}  // namespace finetrain::host
