// Reads a safetensors header as a stream of JSON events and rejects anything outside the schema at
// the event where it appears. No JSON tree is built, so memory stays proportional to the tensors
// declared however deep or long a hostile header is, and nothing recurses on the input's nesting.
#include "safetensors/header_schema.hpp"

#include <fmt/format.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "finetrain/error.hpp"

namespace finetrain::safetensors::detail {
namespace {

using Json = nlohmann::json;

// How a value the schema did not expect is shown in an error.
std::string string_shown(const std::string& text) {
  size_t shown = 40;
  if (text.size() <= shown) return "\"" + text + "\"";
  while (shown > 0 && (static_cast<unsigned char>(text[shown]) & 0xC0) == 0x80) --shown;  // keep UTF-8 whole
  return "\"" + text.substr(0, shown) + "...\"";
}

// What nlohmann says went wrong, without its exception id and position prefix (we give the offset
// ourselves) and without the raw bytes it last read (they may not even be UTF-8).
std::string json_error_reason(const std::string& what) {
  std::string reason = what.substr(what.find("] ") == std::string::npos ? 0 : what.find("] ") + 2);
  if (reason.rfind("parse error", 0) == 0 && reason.find(": ") != std::string::npos)
    reason = reason.substr(reason.find(": ") + 2);
  const size_t last_read = reason.find("; last read: ");
  if (last_read != std::string::npos) {
    const size_t expected = reason.rfind("; expected ");
    reason = reason.substr(0, last_read) +
             (expected != std::string::npos && expected > last_read ? reason.substr(expected) : std::string());
  }
  return reason;
}

class SchemaReader final : public nlohmann::json_sax<Json> {
 public:
  explicit SchemaReader(const std::string& label) : label_(label) {}

  RawHeader take() { return std::move(header_); }

  bool null() override { return scalar("null"); }
  bool boolean(bool value) override { return scalar(value ? "true" : "false"); }
  bool number_integer(number_integer_t value) override { return scalar(std::to_string(value)); }
  bool number_float(number_float_t, const string_t& text) override { return scalar(text); }
  bool binary(binary_t&) override { return scalar("binary data"); }  // JSON text never yields it

  bool number_unsigned(number_unsigned_t value) override {
    if (state_ == State::Shape) {
      entry_.shape.push_back(value);
      return true;
    }
    if (state_ == State::Offsets) {
      offsets_.push_back(value);
      return true;
    }
    return scalar(std::to_string(value));
  }

  bool string(string_t& value) override {
    if (state_ == State::Metadata) {
      header_.metadata[key_] = value;
      return true;
    }
    if (state_ == State::Entry && field_ == "dtype") {
      entry_.dtype = value;
      return true;
    }
    return scalar(string_shown(value));
  }

  bool start_object(std::size_t) override {
    switch (state_) {
      case State::Start: state_ = State::Top; return true;
      case State::Top:
        keys_.clear();
        if (key_ == "__metadata__") {
          state_ = State::Metadata;
        } else {
          state_ = State::Entry;
          entry_ = RawEntry{};
          entry_.name = key_;
        }
        return true;
      default: return scalar("an object");
    }
  }

  bool key(string_t& key) override {
    if (state_ == State::Top) {
      if (!names_.insert(key).second)
        fail(key == "__metadata__" ? "__metadata__ appears twice" : fmt::format("duplicate tensor name '{}'", key));
      key_ = key;
    } else if (state_ == State::Metadata) {
      if (!keys_.insert(key).second) fail(fmt::format("__metadata__ has key '{}' twice", key));
      key_ = key;
    } else {  // State::Entry: the only other place an object can be open
      if (key != "dtype" && key != "shape" && key != "data_offsets")
        fail_entry(fmt::format("unknown field '{}' (expected dtype, shape, data_offsets)", key));
      if (!keys_.insert(key).second) fail_entry(fmt::format("field '{}' appears twice", key));
      field_ = key;
    }
    return true;
  }

  bool end_object() override {
    if (state_ == State::Top) {
      state_ = State::Done;
    } else if (state_ == State::Metadata) {
      state_ = State::Top;
    } else {  // State::Entry
      for (const char* field : {"dtype", "shape", "data_offsets"})
        if (!keys_.count(field)) fail_entry(fmt::format("missing field '{}'", field));
      header_.entries.push_back(std::move(entry_));
      state_ = State::Top;
    }
    return true;
  }

  bool start_array(std::size_t) override {
    if (state_ == State::Entry && field_ == "shape") {
      state_ = State::Shape;
      return true;
    }
    if (state_ == State::Entry && field_ == "data_offsets") {
      state_ = State::Offsets;
      offsets_.clear();
      return true;
    }
    return scalar("an array");
  }

  bool end_array() override {
    if (state_ == State::Offsets) {
      if (offsets_.size() != 2)
        fail_entry(fmt::format("data_offsets must be [begin, end], got {} values", offsets_.size()));
      entry_.begin = offsets_[0];
      entry_.end = offsets_[1];
    }
    state_ = State::Entry;  // only the shape and data_offsets arrays are ever open
    return true;
  }

  // nlohmann counts characters read, so the offending one is at offset position - 1.
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& error) override {
    fail(fmt::format("header is not valid JSON (offset {} in the header): {}", position > 0 ? position - 1 : 0,
                     json_error_reason(error.what())));
  }

 private:
  enum class State { Start, Top, Metadata, Entry, Shape, Offsets, Done };

  // A value (described by `shown`) where the schema wants something else: says what it wanted.
  bool scalar(const std::string& shown) {
    switch (state_) {
      case State::Start: fail(fmt::format("header must be a JSON object, got {}", shown));
      case State::Top:
        if (key_ == "__metadata__") {
          if (shown == "null") return true;  // the reference reader treats null as "no metadata"
          fail(fmt::format("__metadata__ must be an object of strings, got {}", shown));
        }
        fail(fmt::format("tensor '{}': entry must be an object, got {}", key_, shown));
      case State::Metadata: fail(fmt::format("__metadata__ value of '{}' must be a string, got {}", key_, shown));
      case State::Entry:
        if (field_ == "dtype") fail_entry(fmt::format("dtype must be a string, got {}", shown));
        if (field_ == "shape") fail_entry(fmt::format("shape must be an array, got {}", shown));
        fail_entry(fmt::format("data_offsets must be an array [begin, end], got {}", shown));
      case State::Shape: fail_entry(fmt::format("shape entries must be non-negative integers, got {}", shown));
      case State::Offsets: fail_entry(fmt::format("data_offsets must be non-negative integers, got {}", shown));
      case State::Done: break;
    }
    fail(fmt::format("unexpected {} after the header object", shown));  // the parser never gets here
  }

  [[noreturn]] void fail(const std::string& what) const { throw Error(label_ + ": " + what); }
  [[noreturn]] void fail_entry(const std::string& what) const {
    fail(fmt::format("tensor '{}': {}", entry_.name, what));
  }

  const std::string& label_;
  RawHeader header_;
  State state_ = State::Start;
  std::set<std::string> names_;  // top-level keys seen
  std::set<std::string> keys_;   // keys of the object now open below the top level
  std::string key_;              // last top-level or __metadata__ key
  std::string field_;            // last entry field
  RawEntry entry_;
  std::vector<uint64_t> offsets_;
};

}  // namespace

RawHeader read_header_json(const char* begin, const char* end, const std::string& label) {
  // nlohmann's lexer takes a NUL byte for the end of the input and would ignore what follows; JSON
  // text never contains one (not even inside strings, where it must be escaped).
  if (const void* nul = std::memchr(begin, '\0', static_cast<size_t>(end - begin)))
    throw Error(fmt::format("{}: header is not valid JSON (offset {} in the header): NUL byte", label,
                            static_cast<const char*>(nul) - begin));
  SchemaReader reader(label);
  Json::sax_parse(begin, end, &reader, nlohmann::json::input_format_t::json, /*strict=*/true,
                  /*ignore_comments=*/false);
  return reader.take();
}

}  // namespace finetrain::safetensors::detail
