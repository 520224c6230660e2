#include "finetrain/text_file.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "finetrain/error.hpp"

namespace finetrain {

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace finetrain
