// finetrain::Error on its own: it needs nothing but the standard library, so tools that use only
// the parsers (the fuzzers in tests/fuzz) can compile it without LibTorch.
#include "finetrain/error.hpp"

namespace finetrain {

Error::Error(const std::string& message) : std::runtime_error(message) {}
Error::~Error() = default;

}  // namespace finetrain
