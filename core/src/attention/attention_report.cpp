#include "attention/attention_report.hpp"

#include <fmt/format.h>

#include "finetrain/attention_checks.hpp"

namespace finetrain::host {

std::string backend_list_table(const AttentionRegistry& registry, const std::map<std::string, std::string>& origins) {
  std::string out = fmt::format("{:<12} {:>8}  {:<22} {}\n", "NAME", "PRIORITY", "FROM", "CHECKS");
  const std::string indent(12 + 1 + 8 + 2 + 22 + 1, ' ');
  for (const auto& backend : registry.backends()) {
    const std::string name = backend->name();
    auto origin = origins.find(name);
    std::string from = origin == origins.end() ? "built-in" : "plugin " + origin->second;
    std::vector<std::string> lines;
    if (const AttentionCheckList* list = capability<AttentionCheckList>(*backend)) {
      for (const AttentionCheck& check : list->checks())
        lines.push_back(check.auto_only ? "[auto only] " + check.name : check.name);
      if (lines.empty()) lines.push_back("(none: accepts every problem)");
    } else {
      lines.push_back("(the backend does not list its checks)");
    }
    out += fmt::format("{:<12} {:>8}  {:<22} {}\n", name, backend->priority(), from, lines[0]);
    for (size_t i = 1; i < lines.size(); ++i) out += indent + lines[i] + "\n";
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
