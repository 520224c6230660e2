#include "config/config_errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <tuple>

#include "finetrain/error.hpp"

namespace finetrain::host {

void ConfigErrors::add(const SourceLocation& where, std::string message) {
  problems_.push_back(Problem{where, std::move(message)});
}

void ConfigErrors::throw_if_any() const {
  if (problems_.empty()) return;
  std::vector<std::string> sources;  // in order of first report
  auto rank = [&sources](const Problem& p) {
    size_t source = std::find(sources.begin(), sources.end(), p.where.source) - sources.begin();
    int64_t line = p.where.line > 0 ? p.where.line : std::numeric_limits<int64_t>::max();
    return std::make_tuple(source, line, p.where.column);
  };
  for (const Problem& p : problems_)
    if (std::find(sources.begin(), sources.end(), p.where.source) == sources.end()) sources.push_back(p.where.source);

  std::vector<Problem> sorted = problems_;
  std::stable_sort(sorted.begin(), sorted.end(), [&](const Problem& a, const Problem& b) { return rank(a) < rank(b); });

  std::string text;
  for (size_t i = 0; i < sorted.size() && i < kMaxReported; ++i)
    text += fmt::format("{}{}: {}", i ? "\n" : "", sorted[i].where.to_string(), sorted[i].message);
  if (sorted.size() > kMaxReported) text += fmt::format("\n(and {} more errors)", sorted.size() - kMaxReported);
  throw Error(text);
}

}  // namespace finetrain::host
