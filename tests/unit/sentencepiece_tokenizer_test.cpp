// The SentencePiece tokenizer plugin, loaded by the PluginHost (with RTLD_DEEPBIND, as its manifest
// asks) and used through HostServices, against the spm_encode / spm_decode command-line tools on a
// model trained here; T5 padding, truncation and EOS; why the plugin needs RTLD_DEEPBIND.
#include <ATen/core/Tensor.h>
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "finetrain/t5_tokenization.hpp"
#include "plugin_host/host_services.hpp"
#include "plugin_host/plugin_host.hpp"
#include "test_support.hpp"

namespace finetrain {
namespace {

namespace fs = std::filesystem;
using finetrain::testing::run_command;

std::string plugin_file() { return finetrain::testing::plugin_dir() + "/ft_tokenizer_sentencepiece.so"; }

// A small corpus with accented Latin, Greek, Japanese and emoji, so the model has multi-byte pieces.
void write_corpus(const fs::path& path) {
  const std::vector<std::string> words = {
      "the",   "quick", "brown", "fox",  "jumps",  "over",  "lazy",   "dog",      "video",    "diffusion", "model",
      "train", "café",  "naïve", "über", "Ωμέγα",  "λόγος", "日本語", "の",       "テキスト", "🎉",         "party",
      "file",  "fine",  "first", "ABC",  "spaced", "out",   "and",    "multiple", "tab",      "inside"};
  std::mt19937 rng(1234);
  std::ofstream out(path);
  for (int line = 0; line < 3000; ++line) {
    const int n = 3 + static_cast<int>(rng() % 10);
    for (int i = 0; i < n; ++i) out << (i ? " " : "") << words[rng() % words.size()];
    out << "\n";
  }
}

// Trains a unigram model with T5's special ids (pad 0, eos 1, unk 2, no bos) unless `extra` overrides them.
std::string train_model(const fs::path& dir, const std::string& name, const std::string& extra = "") {
  write_corpus(dir / "corpus.txt");
  const std::string prefix = (dir / name).string();
  std::string output;
  const int rc = run_command("spm_train --input=" + (dir / "corpus.txt").string() + " --model_prefix=" + prefix +
                                 " --vocab_size=120 --hard_vocab_limit=false --model_type=unigram"
                                 " --character_coverage=1.0 --num_threads=1 --minloglevel=2"
                                 " --pad_id=0 --eos_id=1 --unk_id=2 --bos_id=-1 " +
                                 extra,
                             &output, 120);
  EXPECT_EQ(rc, 0) << output;
  return prefix + ".model";
}

std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<int64_t> parse_ids(const std::string& line) {
  std::istringstream in(line);
  std::vector<int64_t> ids;
  for (int64_t id; in >> id;) ids.push_back(id);
  return ids;
}

std::string ids_text(const std::vector<int64_t>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? " " : "") + std::to_string(ids[i]);
  return s;
}

using finetrain::testing::error_of;

// Sentences spm_encode reads one per line: Unicode, NFKC cases (full width, ligature, combining
// accent), characters the model never saw, the empty string and whitespace.
const std::vector<std::string> kSentences = {
    "the quick brown fox",
    "café naïve über Ωμέγα λόγος",
    "日本語のテキスト 🎉 party",
    "ＡＢＣ full width and the ﬁle ligature",
    "e\xcc\x81 combining accent",
    "unknown Ж characters ∑ here",
    "",
    "   ",
    "  leading and   multiple   spaces  ",
    "tab\tinside",
};

class SentencePieceTokenizer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(finetrain::testing::make_temp_dir("sentencepiece"));
    model_ = new std::string(train_model(*dir_, "t5like"));
    host_ = new host::PluginHost();
    const host::PluginStatus& status = host_->load_file(plugin_file());
    ASSERT_TRUE(status.loaded) << status.error;
    ASSERT_TRUE(status.manifest->flags & FT_MANIFEST_FLAG_DEEPBIND);
    services_ = new host::PluginHostServices(*host_);
  }
  static void TearDownTestSuite() {
    delete services_;
    delete host_;  // the plugin itself stays mapped (never unloaded)
    fs::remove_all(*dir_);
    delete model_;
    delete dir_;
  }

  std::unique_ptr<Tokenizer> open() const { return services_->open_tokenizer("sentencepiece", *model_); }

  static std::string* dir_;
  static std::string* model_;
  static host::PluginHost* host_;
  static host::PluginHostServices* services_;
};

std::string* SentencePieceTokenizer::dir_ = nullptr;
std::string* SentencePieceTokenizer::model_ = nullptr;
host::PluginHost* SentencePieceTokenizer::host_ = nullptr;
host::PluginHostServices* SentencePieceTokenizer::services_ = nullptr;

TEST_F(SentencePieceTokenizer, RegistersATokenizerComponent) {
  const host::ComponentInfo* info = host_->find(FT_PLUGIN_KIND_TOKENIZER, "sentencepiece");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->plugin, "sentencepiece");
  EXPECT_NE(info->descriptor.c_vtable, nullptr);
}

TEST_F(SentencePieceTokenizer, IdsMatchSpmEncode) {
  const fs::path input = fs::path(*dir_) / "sentences.txt";
  {
    std::ofstream out(input);
    for (const auto& s : kSentences) out << s << "\n";
  }
  std::string output;
  ASSERT_EQ(run_command("spm_encode --model=" + *model_ + " --output_format=id --input=" + input.string() +
                            " --output=" + input.string() + ".ids",
                        &output, 60),
            0)
      << output;
  const std::vector<std::string> reference = read_lines(input.string() + ".ids");
  ASSERT_EQ(reference.size(), kSentences.size());
  auto tokenizer = open();
  bool saw_unknown = false;
  for (size_t i = 0; i < kSentences.size(); ++i) {
    const std::vector<int64_t> ids = tokenizer->encode(kSentences[i]);
    EXPECT_EQ(ids, parse_ids(reference[i])) << "sentence " << i << ": '" << kSentences[i] << "'";
    saw_unknown |= std::find(ids.begin(), ids.end(), 2) != ids.end();
  }
  EXPECT_TRUE(saw_unknown) << "no sentence exercised <unk>";
  EXPECT_TRUE(tokenizer->encode("").empty());
}

TEST_F(SentencePieceTokenizer, DecodeMatchesSpmDecodeAndRoundTrips) {
  auto tokenizer = open();
  const fs::path ids_file = fs::path(*dir_) / "ids.txt";
  std::vector<std::vector<int64_t>> all_ids;
  {
    std::ofstream out(ids_file);
    for (const auto& s : kSentences) {
      all_ids.push_back(tokenizer->encode(s));
      out << ids_text(all_ids.back()) << "\n";
    }
  }
  std::string output;
  ASSERT_EQ(run_command("spm_decode --model=" + *model_ + " --input_format=id --input=" + ids_file.string() +
                            " --output=" + ids_file.string() + ".text",
                        &output, 60),
            0)
      << output;
  const std::vector<std::string> reference = read_lines(ids_file.string() + ".text");
  ASSERT_EQ(reference.size(), all_ids.size());
  for (size_t i = 0; i < all_ids.size(); ++i)
    EXPECT_EQ(tokenizer->decode(all_ids[i]), reference[i]) << "sentence " << i;
  // Normalised text without unknown characters comes back unchanged.
  for (const std::string s : {"the quick brown fox", "café naïve über Ωμέγα λόγος", "日本語のテキスト 🎉 party"})
    EXPECT_EQ(tokenizer->decode(tokenizer->encode(s)), s);
}

TEST_F(SentencePieceTokenizer, PieceToIdAndVocabSize) {
  auto tokenizer = open();
  EXPECT_EQ(tokenizer->piece_to_id("<pad>"), 0);
  EXPECT_EQ(tokenizer->piece_to_id("</s>"), 1);
  EXPECT_EQ(tokenizer->piece_to_id("<unk>"), 2);
  EXPECT_EQ(tokenizer->piece_to_id("<s>"), -1);  // bos disabled
  EXPECT_EQ(tokenizer->piece_to_id("no such piece"), -1);
  EXPECT_EQ(tokenizer->vocab_size(), static_cast<int64_t>(read_lines(fs::path(*dir_) / "t5like.vocab").size()));
}

TEST_F(SentencePieceTokenizer, ErrorsNameThePlugin) {
  const std::string missing = (fs::path(*dir_) / "missing.model").string();
  const std::string open_error = error_of([&] { services_->open_tokenizer("sentencepiece", missing); });
  EXPECT_EQ(
      open_error.rfind("plugin 'sentencepiece': tokenizer open: " + missing + ": cannot load SentencePiece model", 0),
      0u)
      << open_error;
  EXPECT_EQ(error_of([&] { services_->open_tokenizer("wordpiece", *model_); }),
            "unknown tokenizer 'wordpiece'; available: sentencepiece");
  auto tokenizer = open();
  EXPECT_EQ(error_of([&] {
              tokenizer->decode({3, 100000});
            }),
            "plugin 'sentencepiece': tokenizer decode: decode: id 100000 at position 1 is outside the vocabulary [0, " +
                std::to_string(tokenizer->vocab_size()) + ")");
}

TEST_F(SentencePieceTokenizer, LongTextsNeedMoreIdsThanTheFirstBuffer) {
  // NFKC expands the 3-byte ligature U+FDFA into four Arabic words (eight pieces with their
  // word-boundary pieces), so this text has more pieces than bytes + 8 and the host must encode
  // again with the count the plugin reported.
  auto tokenizer = open();
  std::string text;
  for (int i = 0; i < 64; ++i) text += "\xef\xb7\xba ";
  const std::vector<int64_t> ids = tokenizer->encode(text);
  EXPECT_GT(ids.size(), text.size() + 8);
  std::string output;
  ASSERT_EQ(
      run_command("printf '%s\\n' '" + text + "' | spm_encode --model=" + *model_ + " --output_format=id", &output, 60),
      0);
  EXPECT_EQ(ids, parse_ids(output));
}

// ---- T5 tokenization (transformers' T5TokenizerFast with padding="max_length", truncation=True) ----

TEST_F(SentencePieceTokenizer, T5AppendsEosPadsAndMasks) {
  auto tokenizer = open();
  const std::vector<int64_t> pieces = tokenizer->encode("the quick brown fox");
  ASSERT_GT(pieces.size(), 2u);
  const T5TokenizedBatch batch = t5_tokenize(*tokenizer, {"the quick brown fox", ""}, 16);
  ASSERT_EQ(batch.input_ids.sizes(), at::IntArrayRef({2, 16}));
  ASSERT_EQ(batch.attention_mask.sizes(), at::IntArrayRef({2, 16}));
  EXPECT_EQ(batch.input_ids.scalar_type(), at::kLong);
  EXPECT_EQ(batch.attention_mask.scalar_type(), at::kLong);
  auto ids = batch.input_ids.accessor<int64_t, 2>();
  auto mask = batch.attention_mask.accessor<int64_t, 2>();
  const auto n = static_cast<int64_t>(pieces.size());
  for (int64_t i = 0; i < 16; ++i) {
    const int64_t expected = i < n ? pieces[i] : i == n ? 1 : 0;
    EXPECT_EQ(ids[0][i], expected) << i;
    EXPECT_EQ(mask[0][i], i <= n ? 1 : 0) << i;
    EXPECT_EQ(ids[1][i], i == 0 ? 1 : 0) << i;  // the empty text is just "</s>"
    EXPECT_EQ(mask[1][i], i == 0 ? 1 : 0) << i;
  }
}

TEST_F(SentencePieceTokenizer, T5TruncationKeepsEosLast) {
  auto tokenizer = open();
  std::string text;
  for (int i = 0; i < 100; ++i) text += "the quick brown fox jumps over the lazy dog ";
  const std::vector<int64_t> pieces = tokenizer->encode(text);
  ASSERT_GT(pieces.size(), 128u);
  const T5TokenizedBatch batch = t5_tokenize(*tokenizer, {text});  // the pipelines' 128
  ASSERT_EQ(batch.input_ids.sizes(), at::IntArrayRef({1, 128}));
  auto ids = batch.input_ids.accessor<int64_t, 2>();
  for (int64_t i = 0; i < 127; ++i) EXPECT_EQ(ids[0][i], pieces[i]) << i;
  EXPECT_EQ(ids[0][127], 1);
  EXPECT_EQ(batch.attention_mask.sum().item<int64_t>(), 128);

  const T5TokenizedBatch one = t5_tokenize(*tokenizer, {text}, 1);
  EXPECT_EQ(one.input_ids.item<int64_t>(), 1);
  EXPECT_EQ(error_of([&] { t5_tokenize(*tokenizer, {text}, 0); }),
            "T5 tokenization: max_length must be at least 1, found 0");
}

TEST_F(SentencePieceTokenizer, T5NeedsEosAndPadPieces) {
  const std::string model = train_model(*dir_, "no_eos", "--eos_id=-1");
  auto tokenizer = services_->open_tokenizer("sentencepiece", model);
  EXPECT_EQ(tokenizer->piece_to_id("</s>"), -1);
  EXPECT_EQ(error_of([&] { t5_tokenize(*tokenizer, {"the fox"}); }),
            "T5 tokenization: the tokenizer has no '</s>' piece");
}

// ---- `finetrain plugins` ----

TEST_F(SentencePieceTokenizer, FinetrainPluginsListsItAsCompatible) {
  std::string output;
  ASSERT_EQ(run_command(finetrain::testing::finetrain_executable() + " plugins --json 2>/dev/null", &output, 60), 0)
      << output;
  const nlohmann::json list = nlohmann::json::parse(output);
  bool found = false;
  for (const auto& entry : list) {
    if (entry.value("name", "") != "sentencepiece") continue;
    found = true;
    EXPECT_EQ(entry.at("kind"), "tokenizer");
    EXPECT_EQ(entry.at("compatible"), true) << entry.dump();
  }
  EXPECT_TRUE(found) << output;
  ASSERT_EQ(run_command(finetrain::testing::finetrain_executable() + " plugins inspect " + plugin_file() +
                            " --json 2>/dev/null",
                        &output, 60),
            0)
      << output;
  EXPECT_EQ(nlohmann::json::parse(output).at("compatible"), true);
}

// ---- why the manifest asks for RTLD_DEEPBIND ----

// What the host would do without the flag: dlopen(RTLD_NOW | RTLD_LOCAL), init, open a model.
// libsentencepiece's bundled protobuf 3.14 code then binds to LibTorch's libprotobuf 3.21, whose
// version check throws google::protobuf::FatalException on the first model load (an uncaught
// throw: SIGABRT). The plugin's tier-0 catch turns it into a failed open; the child reports it.
[[noreturn]] void open_model_without_deepbind(const std::string& model) {
  void* library = dlopen(plugin_file().c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    std::fprintf(stderr, "dlopen failed: %s\n", dlerror());
    std::exit(3);
  }
  static const ft_tokenizer_vtable* vtable = nullptr;
  ft_host_register_component_v1_fn register_component = [](ft_host_context*, const ft_component_descriptor* d) {
    vtable = static_cast<const ft_tokenizer_vtable*>(d->c_vtable);
    return static_cast<ft_status*>(nullptr);
  };
  static ft_proc register_proc = reinterpret_cast<ft_proc>(register_component);
  ft_host_api api{};
  api.struct_size = sizeof api;
  api.abi_major = FT_ABI_VERSION_MAJOR;
  api.abi_minor = FT_ABI_VERSION_MINOR;
  api.get_proc = [](ft_host_context*, const char* name) {
    return std::strcmp(name, FT_HOST_REGISTER_COMPONENT_V1) == 0 ? register_proc : nullptr;
  };
  auto init = reinterpret_cast<ft_plugin_init_fn>(dlsym(library, FT_PLUGIN_INIT_SYMBOL));
  if (!init || init(&api) || !vtable) std::exit(4);
  void* handle = nullptr;
  if (ft_status* status = vtable->open(vtable->user_data, model.c_str(), &handle)) {
    std::fprintf(stderr, "open failed: %s\n", status->message);
    std::exit(5);
  }
  std::exit(0);
}

TEST(SentencePieceWithoutDeepbind, FirstModelLoadFailsTheProtobufVersionCheck) {
  // The child must start fresh: in a forked child of a process that already loaded the plugin with
  // RTLD_DEEPBIND, dlopen would just return that copy.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const std::string dir = finetrain::testing::make_temp_dir("sentencepiece_nodeepbind");
  const std::string model = train_model(dir, "t5like");
  EXPECT_EXIT(open_model_without_deepbind(model), ::testing::ExitedWithCode(5),
              "open failed: open: This program was compiled against version 3\\.14\\.0 of the Protocol Buffer "
              "runtime library, which is not compatible with the installed version \\(3\\.21");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace finetrain
