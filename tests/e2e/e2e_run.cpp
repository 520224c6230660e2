#include "e2e_run.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "test_support.hpp"

namespace finetrain::testing {

namespace fs = std::filesystem;

const std::string& quickstart_dataset() {
  static const std::string dir = [] {
    const std::string d = make_temp_dir("e2e-data");
    std::string out;
    const int rc = run_command("bash '" + source_dir() + "/examples/quickstart/make_dataset.sh' '" + d + "' 1", &out, 300);
    if (rc != 0) throw std::runtime_error("make_dataset.sh failed: " + out);
    return d;
  }();
  return dir;
}

std::string E2eRun::command(const std::string& extra) const {
  std::string c = "cd '" + source_dir() + "' && '" + finetrain_executable() + "' configs/quickstart.toml" +
                  " --disable-progress-bars --plugin-path '" + plugin_dir() + "'" + " --set output_dir='" + output_dir +
                  "' --set data.path='" + quickstart_dataset() + "' --set model.tokenizer='" + quickstart_dataset() +
                  "/tokenizer/spiece.model'";
  for (const auto& s : sets) c += " --set '" + s + "'";
  return c + " " + extra;
}

std::map<int64_t, double> logged_losses(const std::string& output_dir) {
  std::map<int64_t, double> losses;
  std::ifstream in(fs::path(output_dir) / "train_log.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    losses[j.at("step").get<int64_t>()] = j.at("loss").get<double>();
  }
  return losses;
}

pid_t spawn(const std::string& command, const std::string& log_file) {
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    execl("/bin/bash", "bash", "-c", (command + " > '" + log_file + "' 2>&1").c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

int wait_for(pid_t pid, int timeout_seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace finetrain::testing
