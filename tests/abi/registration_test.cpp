// FT-ABI-007 (descriptors by declared size), FT-ABI-008 (host table), FT-ABI-018 (ABI version
// history), FT-ABI-019 (component names, kinds and interfaces).
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "abi_fixtures.hpp"
#include "finetrain/plugin.hpp"
#include "finetrain/trainer.hpp"
#include "test_support.hpp"

using namespace finetrain::host;
using abi_test::component_of;
using abi_test::expect_host_healthy;
using abi_test::expect_loads;
using abi_test::fixture;
using abi_test::refusal;
using finetrain::testing::error_of;

// ---- FT-ABI-007: descriptors are copied by their declared size ----

TEST(AbiDescriptors, MissingRequiredFieldIsNamed) {
  PluginHost host;
  EXPECT_EQ(refusal(host, "missing_required_field"),
            "init failed: component 'softmax-missing_required_field' (attention-backend): missing required field "
            "'create'");
  expect_host_healthy(host);
}

TEST(AbiDescriptors, SmallerThanAbi10IsRefused) {
  PluginHost host;
  EXPECT_EQ(refusal(host, "descriptor_too_small"), "init failed: component descriptor struct_size " +
                                                       std::to_string(offsetof(ft_component_descriptor, c_vtable)) +
                                                       " is smaller than ABI 1.0's " +
                                                       std::to_string(FT_COMPONENT_DESCRIPTOR_V1_SIZE));
  expect_host_healthy(host);
}

TEST(AbiDescriptors, LargerFromANewerSdkIsAcceptedAndItsExtraFieldsIgnored) {
  PluginHost host;
  expect_loads(host, "descriptor_larger");
  const ComponentInfo* info = host.find(FT_PLUGIN_KIND_ATTENTION_BACKEND, component_of("descriptor_larger"));
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->descriptor.struct_size, sizeof(ft_component_descriptor));  // the host's own copy
  abi_test::expect_component_computes(host, component_of("descriptor_larger"));
  expect_host_healthy(host);
}

TEST(AbiDescriptors, StringsAreCopiedByTheHost) {
  PluginHost host;
  expect_loads(host, "good");
  const ComponentInfo* info = host.find(FT_PLUGIN_KIND_ATTENTION_BACKEND, component_of("good"));
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->descriptor.name, info->name.c_str());
  EXPECT_EQ(info->descriptor.interface_name, info->interface_name.c_str());
  EXPECT_EQ(info->description, "plain softmax attention (ABI fixture good)");
  EXPECT_EQ(info->file, fixture("good"));
}

// ---- FT-ABI-008: the host table only grows; functions are fetched by versioned name ----

TEST(AbiHostTable, PluginFetchesFunctionsByVersionedName) {
  // The fixtures' init checks the table from the plugin side and fails to load if it is wrong.
  PluginHost host;
  expect_loads(host, "good");
  EXPECT_EQ(host_function("ft_host_no_such_function_v1"), nullptr);
  EXPECT_NE(host_function(FT_HOST_REGISTER_COMPONENT_V1), nullptr);
}

TEST(AbiHostTable, PluginRefusesATableSmallerThanItKnows) {
  ft_host_api small{};
  small.struct_size = offsetof(ft_host_api, get_proc);
  bool body_ran = false;
  ft_status* s = finetrain::detail::run_init(&small, [&](finetrain::PluginRegistrar&) { body_ran = true; });
  ASSERT_NE(s, nullptr);
  EXPECT_STREQ(s->message, "host table is missing or too small");
  ft_status_release(s);
  EXPECT_FALSE(body_ran);
}

// ---- FT-ABI-018: ABI version history, 1.0 -> 1.1 ----

TEST(AbiVersionHistory, EveryFunctionOfEveryMinorIsStillServed) {
  struct Entry {
    const char* name;
    uint16_t since_minor;
  };
  // docs/sdk.md "ABI version history". Entries are never removed: that is the rule.
  const std::vector<Entry> history = {{FT_HOST_REGISTER_COMPONENT_V1, 0}, {FT_HOST_LOG_V1, 1}};
  for (const Entry& e : history) {
    EXPECT_NE(host_function(e.name), nullptr) << e.name;
    auto it = std::find_if(host_functions().begin(), host_functions().end(),
                           [&](const HostFunction& f) { return std::string(f.name) == e.name; });
    ASSERT_NE(it, host_functions().end()) << e.name;
    EXPECT_EQ(it->since_minor, e.since_minor) << e.name;
  }
  uint16_t newest = 0;
  for (const HostFunction& f : host_functions()) newest = std::max(newest, f.since_minor);
  EXPECT_LE(newest, FT_ABI_VERSION_MINOR) << "a host function claims a minor this SDK does not have";
  EXPECT_EQ(FT_ABI_VERSION_MAJOR, 1);
  EXPECT_EQ(FT_ABI_VERSION_MINOR, 1) << "new minor: add it to docs/sdk.md's history and to this test";
}

TEST(AbiVersionHistory, Abi11LogFunctionReachesTheHostLog) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(16);
  spdlog::default_logger()->sinks().push_back(sink);
  PluginHost host;
  expect_loads(host, "good");
  spdlog::default_logger()->sinks().pop_back();
  const auto lines = sink->last_raw();
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](const spdlog::details::log_msg_buffer& m) {
    return std::string(m.payload.data(), m.payload.size()) == "[abi-good] registered softmax-good";
  }));
}

namespace {

// A byte-level tokenizer: the 1.1 tokenizer kind's plain-C table.
ft_status* tok_open(void*, const char*, void** handle) {
  *handle = nullptr;
  return nullptr;
}
ft_status* tok_encode(void*, const char* text, size_t n, int64_t* ids, size_t capacity, size_t* count) {
  for (size_t i = 0; i < n && i < capacity; ++i) ids[i] = static_cast<unsigned char>(text[i]);
  *count = n;
  return nullptr;
}
ft_status* tok_decode(void*, const int64_t* ids, size_t n, char* text, size_t capacity, size_t* length) {
  for (size_t i = 0; i < n && i < capacity; ++i) text[i] = static_cast<char>(ids[i]);
  *length = n;
  return nullptr;
}
int64_t tok_piece_to_id(void*, const char* piece) { return piece[0] && !piece[1] ? piece[0] : -1; }
int64_t tok_vocab_size(void*) { return 256; }
void tok_close(void*) {}

ft_component_descriptor tokenizer_descriptor(const ft_tokenizer_vtable* vtable) {
  ft_component_descriptor d{};
  d.struct_size = sizeof d;
  d.kind = FT_PLUGIN_KIND_TOKENIZER;
  d.name = "bytes";
  d.version = "1";
  d.description = "byte tokenizer";
  d.c_vtable = vtable;
  return d;
}

}  // namespace

TEST(AbiVersionHistory, Abi11TokenizerKindIsAPlainCTable) {
  static const ft_tokenizer_vtable full = {sizeof(ft_tokenizer_vtable),
                                           &tok_open,
                                           &tok_encode,
                                           &tok_decode,
                                           &tok_piece_to_id,
                                           &tok_vocab_size,
                                           &tok_close,
                                           nullptr};
  ft_tokenizer_vtable without_decode = full;
  without_decode.decode = nullptr;
  PluginHost host;
  EXPECT_EQ(error_of([&] { host.register_builtin(tokenizer_descriptor(&without_decode)); }),
            "built-in component refused: component 'bytes' (tokenizer): missing required field "
            "'c_vtable functions'");
  host.register_builtin(tokenizer_descriptor(&full));
  const ComponentInfo* info = host.find(FT_PLUGIN_KIND_TOKENIZER, "bytes");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->descriptor.c_vtable, &full);
}

// ---- FT-ABI-019: component names, kinds and interfaces ----

TEST(AbiComponents, NameOutsideTheAllowedAlphabetIsRefused) {
  PluginHost host;
  EXPECT_EQ(refusal(host, "bad_component_name"),
            "init failed: component name 'Softmax Attention' is not of the form [a-z0-9][a-z0-9_.-]*");
  expect_host_healthy(host);
}

TEST(AbiComponents, InterfaceNotMatchingTheKindIsRefused) {
  PluginHost host;
  EXPECT_EQ(refusal(host, "interface_mismatch"),
            "init failed: component 'softmax-interface_mismatch': interface 'finetrain.Trainer' does not match kind "
            "attention-backend (expected 'finetrain.AttentionBackend')");
  expect_host_healthy(host);
}

TEST(AbiComponents, CreatingAsAnotherInterfaceIsRefused) {
  PluginHost host;
  expect_loads(host, "good");
  EXPECT_EQ(error_of([&] { host.create<finetrain::Trainer>(component_of("good")); }),
            "unknown trainer 'softmax-good'; available: (none)");
  expect_host_healthy(host);
}

TEST(AbiComponents, NewerInterfaceVersionThanTheHostKnowsIsNotCreated) {
  PluginHost host;
  expect_loads(host, "newer_interface");
  EXPECT_EQ(error_of([&] { host.create<finetrain::AttentionBackend>(component_of("newer_interface")); }),
            "plugin 'abi-newer_interface': attention-backend 'softmax-newer_interface' implements "
            "finetrain.AttentionBackend v2, this host understands finetrain.AttentionBackend v1");
  expect_host_healthy(host);
}
