// T5Encoder: construction, loading under transformers' key names, initialisation, encode().
#include "finetrain/t5_encoder.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/normal.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "finetrain/error.hpp"
#include "finetrain/text_file.hpp"
#include "text_encoders/t5/t5_modules.hpp"

namespace finetrain {
namespace {

namespace fs = std::filesystem;

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Standard deviation of transformers' _init_weights (initializer_factor 1.0) for one parameter;
// 0 for the norm gains, which start at one.
double init_std(const std::string& name, const T5EncoderConfig& c) {
  if (name == "shared.weight") return 1.0;
  if (ends_with(name, "layer_norm.weight")) return 0.0;
  if (ends_with(name, ".SelfAttention.q.weight")) return std::pow(static_cast<double>(c.d_model * c.d_kv), -0.5);
  if (ends_with(name, ".SelfAttention.k.weight") || ends_with(name, ".SelfAttention.v.weight") ||
      ends_with(name, ".relative_attention_bias.weight") || ends_with(name, ".DenseReluDense.wi.weight") ||
      ends_with(name, ".DenseReluDense.wi_0.weight") || ends_with(name, ".DenseReluDense.wi_1.weight"))
    return std::pow(static_cast<double>(c.d_model), -0.5);
  if (ends_with(name, ".SelfAttention.o.weight")) return std::pow(static_cast<double>(c.num_heads * c.d_kv), -0.5);
  if (ends_with(name, ".DenseReluDense.wo.weight")) return std::pow(static_cast<double>(c.d_ff), -0.5);
  throw Error("T5 encoder: no initialisation rule for parameter " + name);
}

}  // namespace

struct T5Encoder::Impl {
  std::shared_ptr<t5::EncoderModel> model;
};

T5Encoder::T5Encoder(const T5EncoderConfig& config, c10::ScalarType dtype, c10::Device device)
    : impl_(std::make_unique<Impl>()) {
  t5::check_supported_dtype(dtype);
  impl_->model = std::make_shared<t5::EncoderModel>(config, t5::ParameterOptions{dtype, device});
  // As transformers' from_pretrained: an encoder starts in eval mode. A frozen text encoder left in
  // training mode draws dropout masks from the global generator and encodes a caption differently
  // on every call (measured: the quickstart's conditions changed from run to run).
  impl_->model->eval();
}

T5Encoder::~T5Encoder() = default;

const T5EncoderConfig& T5Encoder::config() const { return impl_->model->config(); }

torch::nn::Module& T5Encoder::module() { return *impl_->model; }

void T5Encoder::load(const TensorSource& source, const std::string& label) {
  const bool has_shared = std::find(source.names.begin(), source.names.end(), "shared.weight") != source.names.end();
  const TensorSource renamed = source.renamed([has_shared](const std::string& name) -> std::string {
    // transformers ties encoder.embed_tokens to shared; save_pretrained usually writes only shared.
    if (name == "encoder.embed_tokens.weight") return has_shared ? "" : "shared.weight";
    // A full T5ForConditionalGeneration checkpoint: T5EncoderModel ignores the decoder and LM head.
    if (starts_with(name, "decoder.") || name == "lm_head.weight") return "";
    return name;
  });
  load_state(*impl_->model, renamed, /*strict=*/true, label);
}

void T5Encoder::init_random(uint64_t seed) {
  at::Generator generator = at::detail::createCPUGenerator(seed);
  c10::AutoGradMode no_grad(false);
  for (const auto& item : impl_->model->named_parameters(/*recurse=*/true)) {
    at::Tensor parameter = item.value();
    const double std = init_std(item.key(), config());
    if (std == 0.0) {
      parameter.fill_(1.0);
    } else {
      parameter.copy_(at::normal(0.0, std, parameter.sizes(), generator, at::TensorOptions().dtype(at::kFloat)));
    }
  }
}

at::Tensor T5Encoder::encode(const at::Tensor& input_ids, const at::Tensor& attention_mask) const {
  if (!input_ids.defined() || input_ids.dim() != 2 ||
      (input_ids.scalar_type() != at::kLong && input_ids.scalar_type() != at::kInt))
    throw Error(fmt::format("T5 encoder: input_ids must be an integer tensor [batch, length], found {}",
                            input_ids.defined() ? input_ids.toString() + " of dim " + std::to_string(input_ids.dim())
                                                : std::string("an undefined tensor")));
  if (attention_mask.defined() && attention_mask.sizes() != input_ids.sizes())
    throw Error(fmt::format("T5 encoder: attention_mask has shape {}, input_ids {}", c10::str(attention_mask.sizes()),
                            c10::str(input_ids.sizes())));
  const int64_t vocab = config().vocab_size;
  if (input_ids.numel() > 0) {
    const int64_t low = input_ids.min().item<int64_t>();
    const int64_t high = input_ids.max().item<int64_t>();
    if (low < 0 || high >= vocab)
      throw Error(
          fmt::format("T5 encoder: token id {} is outside the vocabulary [0, {})", low < 0 ? low : high, vocab));
  }
  const c10::Device device = impl_->model->shared()->weight().device();
  return impl_->model->forward(input_ids.to(device),
                               attention_mask.defined() ? attention_mask.to(device) : attention_mask);
}

std::unique_ptr<T5Encoder> load_t5_encoder(const std::string& directory, c10::ScalarType dtype, c10::Device device) {
  const fs::path config_path = fs::path(directory) / "config.json";
  auto encoder = std::make_unique<T5Encoder>(
      T5EncoderConfig::from_json(read_text_file(config_path.string()), config_path.string()), dtype, device);
  encoder->load(TensorSource::from_checkpoint(directory), directory);
  return encoder;
}

}  // namespace finetrain
