#include "attention/attention_report.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "finetrain/attention_checks.hpp"

namespace finetrain::host {

std::string backend_list_table(const AttentionRegistry& registry, const std::map<std::string, std::string>& origins) {
  struct Row {
    std::string name, from;
    int priority;
    std::vector<std::string> checks;
  };
  std::vector<Row> rows;
  size_t name_width = 4, from_width = 4;
  for (const auto& backend : registry.backends()) {
    Row row{backend->name(), "built-in", backend->priority(), {}};
    if (auto origin = origins.find(row.name); origin != origins.end()) row.from = "plugin " + origin->second;
    if (const AttentionCheckList* list = capability<AttentionCheckList>(*backend)) {
      for (const AttentionCheck& check : list->checks())
        row.checks.push_back(check.auto_only ? "[auto only] " + check.name : check.name);
      if (row.checks.empty()) row.checks.push_back("(none: accepts every problem)");
    } else {
      row.checks.push_back("(the backend does not list its checks)");
    }
    name_width = std::max(name_width, row.name.size());
    from_width = std::max(from_width, row.from.size());
    rows.push_back(std::move(row));
  }
  auto line = [&](const std::string& name, const std::string& priority, const std::string& from,
                  const std::string& check) {
    return fmt::format("{:<{}}  {:>8}  {:<{}}  {}\n", name, name_width, priority, from, from_width, check);
  };
  std::string out = line("NAME", "PRIORITY", "FROM", "CHECKS");
  for (const Row& row : rows) {
    out += line(row.name, std::to_string(row.priority), row.from, row.checks[0]);
    for (size_t i = 1; i < row.checks.size(); ++i) out += line("", "", "", row.checks[i]);
  }
  return out;
}

std::string explain_table(const std::vector<RecordedAttentionCall>& calls, const AttentionRegistry& registry) {
  std::string out = fmt::format("attention policy: {} (phase: {})\n", registry.policy().describe(),
                                to_string(registry.phase()));
  for (const RecordedAttentionCall& call : calls) {
    out += fmt::format("\n{}\n  problem:  {}\n", call.site, call.problem.describe());
    try {
      out += fmt::format("  selected: {}\n", registry.select(call.site, call.problem)->name());
    } catch (const std::exception& e) {
      out += fmt::format("  selected: none: {}\n", e.what());
    }
    for (const AttentionVerdict& v : registry.explain(call.problem)) {
      std::string verdict = v.auto_candidate ? "ok" : v.supported ? "explicit only" : "refuses";
      out += fmt::format("    {:<12} {:>4}  {:<13} {}\n", v.backend, v.priority, verdict, v.reason);
    }
  }
  return out;
}

}  // namespace finetrain::host
