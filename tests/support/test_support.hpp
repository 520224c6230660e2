// Helpers shared by the test suites.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>

namespace finetrain::testing {

// $FT_FIXTURES_DIR, else the configured default (../shared/fixtures next to the checkout).
std::string fixtures_root();

// The fixture folder `relative` (e.g. "ltx/transformer") when it exists. When it does not, the
// caller must skip — or fail when FT_REQUIRE_FIXTURES=1 (CI): use FT_REQUIRE_FIXTURE below.
std::optional<std::string> fixture_dir(const std::string& relative);
bool fixtures_required();

// A fresh empty directory under the build tree's test scratch area, removed by the caller's fixture.
std::string make_temp_dir(const std::string& tag);

// Path of a built binary / plugin directory.
std::string binary_dir();
std::string source_dir();
std::string plugin_dir();
std::string finetrain_executable();

// Runs a shell command with a time limit, capturing stdout+stderr. Returns the exit code
// (124 on timeout, as timeout(1) reports it).
int run_command(const std::string& command, std::string* output, int timeout_seconds = 300);

// The what() of the finetrain::Error `f` throws, or "(no error)" when it returns normally. Any other
// exception propagates (and fails the test).
std::string error_of(const std::function<void()>& f);

}  // namespace finetrain::testing

// Binds `var` to the fixture folder or ends the test: "skipped: no fixtures", or a failure when
// FT_REQUIRE_FIXTURES=1 so that CI never passes by skipping.
#define FT_REQUIRE_FIXTURE(var, relative)                                                          \
  std::string var;                                                                                 \
  do {                                                                                             \
    auto ft_dir_ = ::finetrain::testing::fixture_dir(relative);                                    \
    if (!ft_dir_) {                                                                                \
      if (::finetrain::testing::fixtures_required()) {                                             \
        FAIL() << "fixture " << (relative) << " missing under " << ::finetrain::testing::fixtures_root() \
               << " and FT_REQUIRE_FIXTURES=1";                                                    \
      }                                                                                            \
      GTEST_SKIP() << "skipped: no fixtures (" << (relative) << ")";                               \
    }                                                                                              \
    var = *ft_dir_;                                                                                \
  } while (0)
