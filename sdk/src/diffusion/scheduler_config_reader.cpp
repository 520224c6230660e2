#include "diffusion/scheduler_config_reader.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "finetrain/error.hpp"

namespace finetrain::detail {

SchedulerConfigReader::SchedulerConfigReader(const std::string& json_text, std::string label)
    : label_(std::move(label)) {
  try {
    object_ = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: invalid JSON: {}", label_, e.what()));
  }
  if (!object_.is_object())
    throw Error(fmt::format("{}: expected a JSON object, found {}", label_, object_.type_name()));
}

void SchedulerConfigReader::fail(const std::string& key, const std::string& message) const {
  throw Error(fmt::format("{}: '{}': {}", label_, key, message));
}

const nlohmann::json* SchedulerConfigReader::find(const std::string& key) {
  read_.insert(key);
  auto it = object_.find(key);
  return it == object_.end() ? nullptr : &*it;
}

int64_t SchedulerConfigReader::get_int(const std::string& key, int64_t fallback) {
  std::optional<int64_t> v = get_optional_int(key, fallback);
  if (!v) fail(key, "expected an integer, found null");
  return *v;
}

std::optional<int64_t> SchedulerConfigReader::get_optional_int(const std::string& key,
                                                               std::optional<int64_t> fallback) {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (v->is_null()) return std::nullopt;
  if (!v->is_number_integer()) fail(key, fmt::format("expected an integer, found {} {}", v->type_name(), v->dump()));
  return v->get<int64_t>();
}

double SchedulerConfigReader::get_double(const std::string& key, double fallback) {
  std::optional<double> v = get_optional_double(key, fallback);
  if (!v) fail(key, "expected a number, found null");
  return *v;
}

bool SchedulerConfigReader::get_bool(const std::string& key, bool fallback) {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (!v->is_boolean()) fail(key, fmt::format("expected true or false, found {} {}", v->type_name(), v->dump()));
  return v->get<bool>();
}

std::string SchedulerConfigReader::get_string(const std::string& key, const std::string& fallback) {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (!v->is_string()) fail(key, fmt::format("expected a string, found {} {}", v->type_name(), v->dump()));
  return v->get<std::string>();
}

std::optional<double> SchedulerConfigReader::get_optional_double(const std::string& key,
                                                                 std::optional<double> fallback) {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (v->is_null()) return std::nullopt;
  if (!v->is_number()) fail(key, fmt::format("expected a number, found {} {}", v->type_name(), v->dump()));
  return v->get<double>();
}

std::optional<std::vector<double>> SchedulerConfigReader::get_optional_doubles(const std::string& key) {
  const nlohmann::json* v = find(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_array()) fail(key, fmt::format("expected a list of numbers, found {} {}", v->type_name(), v->dump()));
  std::vector<double> out;
  for (const auto& item : *v) {
    if (!item.is_number()) fail(key, fmt::format("expected a list of numbers, found element {}", item.dump()));
    out.push_back(item.get<double>());
  }
  return out;
}

void SchedulerConfigReader::finish() const {
  std::vector<std::string> unknown;
  for (const auto& item : object_.items())
    if (!item.key().empty() && item.key()[0] != '_' && !read_.count(item.key())) unknown.push_back(item.key());
  if (unknown.empty()) return;
  std::vector<std::string> known(read_.begin(), read_.end());
  throw Error(fmt::format("{}: unsupported key{} {} (this scheduler reads: {})", label_, unknown.size() > 1 ? "s" : "",
                          fmt::format("'{}'", fmt::join(unknown, "', '")), fmt::join(known, ", ")));
}

}  // namespace finetrain::detail
