// The one exception type finetrain code throws for user-facing errors. It never crosses tier 0:
// plugin entry points convert it (and everything else) to an ft_status.
#pragma once

#include <stdexcept>
#include <string>

#include "finetrain/export.hpp"

namespace finetrain {

class FT_SDK_API Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message);
  ~Error() override;
};

}  // namespace finetrain
