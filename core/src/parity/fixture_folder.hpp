// What a fixture folder is: its kind, the `_class_name` it is built from, its README and, for
// scheduler fixtures, its cases (docs/parity.md describes both layouts).
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "parity/parity_report.hpp"

namespace finetrain::host {

struct SchedulerCase {
  std::string name;  // "" for a single-case fixture (config.json = {"config": ..., "set_timesteps": ...})
  std::string json;  // the case object {"config": ..., "set_timesteps": ...}, serialised
};

struct FixtureFolder {
  std::string directory;
  FixtureKind kind = FixtureKind::Component;
  std::string class_name;
  std::string readme;                // "" when the folder has no README.md
  std::vector<SchedulerCase> cases;  // scheduler fixtures only, in config.json order

  // Component layout: config.json has a top-level "_class_name". Scheduler layout: config.json is
  // one case {"config": {..., "_class_name": ...}, "set_timesteps": {...}} or an object of named
  // cases of that form, all of the same class. Anything else throws finetrain::Error saying which.
  static FixtureFolder open(const std::string& directory);
};

}  // namespace finetrain::host
