#include "parity/check_parity.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "finetrain/error.hpp"
#include "parity/component_parity.hpp"
#include "parity/fixture_folder.hpp"
#include "parity/scheduler_parity.hpp"
#include "parity/tolerances.hpp"

namespace finetrain::host {

ParityReport check_parity(const std::string& directory, const BuilderCatalog& catalog) {
  ParityReport failed;
  failed.directory = directory;
  try {
    const FixtureFolder folder = FixtureFolder::open(directory);
    failed.class_name = folder.class_name;
    failed.kind = folder.kind;
    const ComponentBuilder* builder = catalog.find(folder.class_name);
    if (!builder) {
      const auto known = catalog.class_names();
      throw Error(fmt::format("{}/config.json: no builder for _class_name '{}'; known classes: {}", directory,
                              folder.class_name, known.empty() ? "(none)" : fmt::format("{}", fmt::join(known, ", "))));
    }
    if (folder.kind == FixtureKind::Scheduler)
      return run_scheduler_parity(folder, *builder, quantity_tolerances_from_readme(folder.readme));
    const auto tolerances = tolerances_from_readme(folder.readme);
    if (!tolerances)
      throw Error(
          fmt::format("{}/README.md: no tolerances stated (expected e.g. \"outputs `atol=2.5e-05, rtol=1e-4`; "
                      "gradients `atol=0.00025, rtol=1e-3`\")",
                      directory));
    return run_component_parity(directory, *builder, *tolerances);
  } catch (const std::exception& e) {
    failed.error = e.what();
  }
  return failed;
}

}  // namespace finetrain::host
