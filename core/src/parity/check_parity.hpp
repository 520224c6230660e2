// `finetrain check-parity DIR`: everything but the printing. Reads the folder, picks the builder of
// its `_class_name` from the catalog, reads the README's tolerances and runs the component or
// scheduler parity. Never throws: problems end up in ParityReport::error.
#pragma once

#include <string>

#include "parity/builder_catalog.hpp"
#include "parity/parity_report.hpp"

namespace finetrain::host {

ParityReport check_parity(const std::string& directory, const BuilderCatalog& catalog);

}  // namespace finetrain::host
