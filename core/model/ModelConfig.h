#pragma once
// A Hugging Face `config.json`, parsed into one typed, validated value.
//
// Supported `model_type`s: gpt2, llama, mistral, qwen2, bert, roberta, vit. Optional keys take
// the defaults of the matching transformers config class (GPT2Config, LlamaConfig,
// MistralConfig, Qwen2Config, BertConfig, RobertaConfig, ViTConfig; PretrainedConfig for the
// shared ones such as tie_word_embeddings). The keys that fix tensor shapes are required
// (hidden size, layers, heads, vocabulary, MLP width; see ModelConfig.cpp), because a default
// there would describe a different model than the one on disk.
//
// Errors are strata::Error with these codes, each message naming the file:
//   config.not_found           no config.json in the folder
//   config.read_failed         the file cannot be read
//   config.invalid_json        not JSON, or not a JSON object
//   config.missing_key         a required key is absent (message names the key)
//   config.wrong_type          a key holds the wrong JSON type (names key, expected type)
//   config.unknown_model_type  model_type is not supported (message lists the supported ones)
//   config.invalid_value       a size is not positive, an enum-like string is unknown, ...
//   config.heads_mismatch      num_attention_heads does not divide hidden_size (or
//                              num_key_value_heads does not divide num_attention_heads)
//   config.rope_scaling        rope_scaling is malformed or lacks its type's keys
//
// Threading: a ModelConfig is a plain value; copies may be used on any thread.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace strata {

enum class Architecture : std::uint8_t { GPT2, Llama, Mistral, Qwen2, Bert, Roberta, ViT };

/// The supported `model_type` strings, in the order error messages list them.
const std::vector<std::string>& supportedModelTypes();

/// `rope_scaling` of Llama-style configs (transformers' modeling_rope_utils keys). The
/// fields a given rope_type does not use keep these values and are not shown.
struct RopeScaling {
  std::string ropeType;  ///< "llama3", "linear", "dynamic", "yarn", ... (legacy key "type")
  double factor = 1.0;
  double lowFreqFactor = 1.0;                      ///< llama3
  double highFreqFactor = 4.0;                     ///< llama3
  std::int64_t originalMaxPositionEmbeddings = 0;  ///< llama3 / yarn; 0 when absent
};

struct ModelConfig {
  // -- identity
  std::string modelType;  ///< as in config.json ("gpt2", "llama", ...)
  Architecture architecture = Architecture::GPT2;
  std::vector<std::string> architectures;  ///< "architectures" list, e.g. "LlamaForCausalLM"
  std::string sourcePath;                  ///< the config.json this came from
  std::string rawJson;                     ///< its text, unchanged
  std::string torchDtype;  ///< "torch_dtype" (or newer "dtype"); empty when absent/null

  // -- common shape (GPT-2 names in brackets)
  std::int64_t hiddenSize = 0;        ///< hidden_size [n_embd]
  std::int64_t numLayers = 0;         ///< num_hidden_layers [n_layer]
  std::int64_t numHeads = 0;          ///< num_attention_heads [n_head]
  std::int64_t numKvHeads = 0;        ///< num_key_value_heads; = numHeads outside Llama family
  std::int64_t headDim = 0;           ///< head_dim, default hiddenSize / numHeads
  std::int64_t intermediateSize = 0;  ///< intermediate_size [n_inner, null -> 4 * n_embd]
  std::int64_t vocabSize = 0;         ///< vocab_size; 0 for ViT
  std::int64_t maxPositions = 0;      ///< max_position_embeddings [n_positions]; ViT: patches+1
  double normEps = 0.0;               ///< layer_norm_epsilon / rms_norm_eps / layer_norm_eps
  std::string activation;             ///< activation_function / hidden_act
  bool tieWordEmbeddings = true;

  // -- special tokens (absent in the file and without a class default -> nullopt / empty)
  std::optional<std::int64_t> bosTokenId;
  std::vector<std::int64_t> eosTokenIds;  ///< eos_token_id may be an int or a list
  std::optional<std::int64_t> padTokenId;

  // -- GPT-2
  std::optional<std::int64_t> nInner;  ///< n_inner as given (nullopt for null/absent)
  bool scaleAttnWeights = true;
  bool scaleAttnByInverseLayerIdx = false;
  bool reorderAndUpcastAttn = false;

  // -- Llama / Mistral / Qwen2
  double ropeTheta = 10000.0;
  std::optional<RopeScaling> ropeScaling;
  bool attentionBias = false;  ///< bias on q/k/v/o (Llama attention_bias)
  bool qkvBias = false;        ///< bias on q/k/v: Qwen2 always; ViT qkv_bias; BERT always
  bool mlpBias = false;        ///< Llama mlp_bias
  /// Window of sliding-window attention when it is in effect (Mistral sliding_window;
  /// Qwen2 only with use_sliding_window), else nullopt.
  std::optional<std::int64_t> slidingWindow;
  bool useSlidingWindow = false;     ///< Qwen2 use_sliding_window
  std::int64_t maxWindowLayers = 0;  ///< Qwen2 max_window_layers

  // -- BERT / RoBERTa
  std::int64_t typeVocabSize = 0;
  std::string positionEmbeddingType;  ///< "absolute", "relative_key", "relative_key_query"
  /// RoBERTa numbers positions from padding_idx + 1 (= pad_token_id + 1); 0 for BERT.
  std::int64_t positionOffset = 0;

  // -- ViT
  std::int64_t imageSize = 0;
  std::int64_t patchSize = 0;
  std::int64_t numChannels = 0;
  std::int64_t encoderStride = 0;
  std::vector<std::string> labels;  ///< id2label by id (PretrainedConfig default LABEL_0/1)

  /// Human-readable family, e.g. "GPT-2 decoder", "Llama decoder", "ViT image encoder".
  std::string architectureName() const;
  bool isDecoder() const;
  /// ViT: (imageSize / patchSize)^2; 0 otherwise.
  std::int64_t numPatches() const;
  /// Ordered rows for display (inspect output, GUI inspector): family-relevant keys only.
  std::vector<std::pair<std::string, std::string>> summary() const;
};

/// Parses and validates config.json text. `source` names the file in error messages.
ModelConfig parseModelConfig(const std::string& jsonText, const std::string& source);
/// Reads `path` and parses it; config.not_found / config.read_failed when it cannot.
ModelConfig loadModelConfig(const std::string& path);

}  // namespace strata
