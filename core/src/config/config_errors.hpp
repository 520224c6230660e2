// Collects configuration problems so that one check reports all of them, not just the first.
#pragma once

#include <string>
#include <vector>

#include "config/config_entry.hpp"

namespace finetrain::host {

class ConfigErrors {
 public:
  // More than this many problems are summarised as "(and N more errors)".
  static constexpr size_t kMaxReported = 20;

  void add(const SourceLocation& where, std::string message);

  // Throws one finetrain::Error, one "<location>: <message>" line per problem: sources in the order
  // they first reported, within a source by line and column, problems without a position last.
  void throw_if_any() const;

 private:
  struct Problem {
    SourceLocation where;
    std::string message;
  };
  std::vector<Problem> problems_;
};

}  // namespace finetrain::host
