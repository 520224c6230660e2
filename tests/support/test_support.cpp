#include "test_support.hpp"

#include <sys/wait.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

#include "finetrain/error.hpp"

namespace finetrain::testing {

namespace fs = std::filesystem;

std::string fixtures_root() {
  if (const char* env = std::getenv("FT_FIXTURES_DIR"); env && *env) return env;
  return FT_DEFAULT_FIXTURES_DIR;
}

std::optional<std::string> fixture_dir(const std::string& relative) {
  fs::path p = fs::path(fixtures_root()) / relative;
  std::error_code ec;
  if (fs::is_directory(p, ec)) return p.string();
  return std::nullopt;
}

bool fixtures_required() {
  const char* env = std::getenv("FT_REQUIRE_FIXTURES");
  return env && std::string(env) == "1";
}

std::string make_temp_dir(const std::string& tag) {
  static std::atomic<int> counter{0};
  fs::path p = fs::path(FT_TEST_BINARY_DIR) / "test-scratch" /
               (tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

std::string binary_dir() { return FT_TEST_BINARY_DIR; }
std::string source_dir() { return FT_TEST_SOURCE_DIR; }
std::string plugin_dir() { return FT_TEST_PLUGIN_DIR; }
std::string finetrain_executable() { return std::string(FT_TEST_BINARY_DIR) + "/bin/finetrain"; }

int run_command(const std::string& command, std::string* output, int timeout_seconds) {
  std::string wrapped = "timeout -k 5 " + std::to_string(timeout_seconds) + " bash -c '" + [&] {
    std::string escaped;
    for (char c : command) escaped += (c == '\'') ? std::string("'\\''") : std::string(1, c);
    return escaped;
  }() + "' 2>&1";
  FILE* pipe = popen(wrapped.c_str(), "r");
  if (!pipe) return -1;
  std::array<char, 4096> buffer;
  std::string text;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) text.append(buffer.data(), n);
  int status = pclose(pipe);
  if (output) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const finetrain::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace finetrain::testing
