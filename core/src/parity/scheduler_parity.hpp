// Parity of a scheduler against a scheduler fixture folder: for every case of config.json, build
// the scheduler from the case with the SDK's builder, run the README's call on the case's
// `in.<case>.*` tensors and compare every stored reference `<case>.*` at its quantity's tolerance.
#pragma once

#include "finetrain/model_spec.hpp"
#include "parity/fixture_folder.hpp"
#include "parity/parity_report.hpp"
#include "parity/tolerances.hpp"

namespace finetrain::host {

ParityReport run_scheduler_parity(const FixtureFolder& folder, const ComponentBuilder& builder,
                                  const QuantityTolerances& tolerances);

}  // namespace finetrain::host
