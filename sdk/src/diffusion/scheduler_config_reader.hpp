// Typed reading of a diffusers scheduler config object with errors that name the source and key.
// Every key read is marked; finish() rejects keys nobody read, so a config option this
// implementation does not know about is an error instead of being silently ignored.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace finetrain::detail {

class SchedulerConfigReader {
 public:
  // Parses `json_text` (must be an object); `label` prefixes every error ("scheduler_config.json").
  SchedulerConfigReader(const std::string& json_text, std::string label);

  int64_t get_int(const std::string& key, int64_t fallback);
  double get_double(const std::string& key, double fallback);
  bool get_bool(const std::string& key, bool fallback);
  std::string get_string(const std::string& key, const std::string& fallback);
  // Absent keys give `fallback`; JSON null gives nullopt.
  std::optional<int64_t> get_optional_int(const std::string& key, std::optional<int64_t> fallback);
  std::optional<double> get_optional_double(const std::string& key, std::optional<double> fallback);
  std::optional<std::vector<double>> get_optional_doubles(const std::string& key);

  // Throws naming every key that was not read (keys starting with '_' are metadata).
  void finish() const;

  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

 private:
  const nlohmann::json* find(const std::string& key);

  nlohmann::json object_;
  std::string label_;
  std::set<std::string> read_;
};

}  // namespace finetrain::detail
