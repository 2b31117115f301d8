#include "core/model/ModelConfig.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/util/Error.h"

// Defaults below are those of the transformers config classes' __init__ arguments
// (configuration_gpt2.py, configuration_llama.py, configuration_mistral.py,
// configuration_qwen2.py, configuration_bert.py, configuration_roberta.py,
// configuration_vit.py) and of PretrainedConfig (tie_word_embeddings = True, no bos/eos/pad,
// id2label = {0: LABEL_0, 1: LABEL_1}).

namespace strata {
namespace {

using Json = nlohmann::json;

// Sizes above this are refused: they cannot be real, and products of two sizes must not
// overflow int64 in the shape checks.
constexpr std::int64_t kMaxSize = std::int64_t{1} << 31;

std::string formatNumber(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// Typed access to the keys of one config object, with errors naming the file and the key.
class Keys {
 public:
  Keys(const Json& obj, std::string source, std::string context)
      : obj_(obj), source_(std::move(source)), context_(std::move(context)) {}

  [[noreturn]] void fail(const std::string& code, const std::string& what) const {
    throw Error(code, source_ + ": " + what);
  }

  bool has(const char* key) const { return obj_.contains(key); }
  bool hasValue(const char* key) const { return obj_.contains(key) && !obj_.at(key).is_null(); }

  // The first of `names` present in the object (aliases such as n_embd / hidden_size).
  const char* pick(std::initializer_list<const char*> names) const {
    for (const char* n : names) {
      if (obj_.contains(n)) return n;
    }
    return *names.begin();
  }

  std::int64_t requiredInt(const char* key) const {
    if (!has(key))
      fail("config.missing_key", "missing required key \"" + std::string(key) + "\"" + ctx());
    return toInt(key, obj_.at(key));
  }
  std::int64_t requiredPositive(const char* key) const { return positive(key, requiredInt(key)); }
  std::int64_t intOr(const char* key, std::int64_t def) const {
    return has(key) ? toInt(key, obj_.at(key)) : def;
  }
  std::int64_t positiveOr(const char* key, std::int64_t def) const {
    return positive(key, intOr(key, def));
  }
  // Key absent -> `def`; key null -> nullopt; else the integer.
  std::optional<std::int64_t> nullableInt(const char* key, std::optional<std::int64_t> def) const {
    if (!has(key)) return def;
    if (obj_.at(key).is_null()) return std::nullopt;
    return toInt(key, obj_.at(key));
  }
  double numberOr(const char* key, double def) const {
    if (!has(key)) return def;
    const Json& v = obj_.at(key);
    if (!v.is_number()) wrongType(key, "a number", v);
    return v.get<double>();
  }
  bool boolOr(const char* key, bool def) const {
    if (!has(key)) return def;
    const Json& v = obj_.at(key);
    if (!v.is_boolean()) wrongType(key, "true or false", v);
    return v.get<bool>();
  }
  std::string stringOr(const char* key, const std::string& def) const {
    if (!has(key)) return def;
    const Json& v = obj_.at(key);
    if (!v.is_string()) wrongType(key, "a string", v);
    return v.get<std::string>();
  }
  std::string nullableString(const char* key) const {
    if (!hasValue(key)) return {};
    return stringOr(key, {});
  }
  std::int64_t positive(const char* key, std::int64_t v) const {
    if (v <= 0) {
      fail("config.invalid_value",
           "\"" + std::string(key) + "\" must be positive, got " + std::to_string(v) + ctx());
    }
    if (v > kMaxSize) {
      fail("config.invalid_value",
           "\"" + std::string(key) + "\" = " + std::to_string(v) + " is too large" + ctx());
    }
    return v;
  }
  [[noreturn]] void wrongType(const std::string& key, const char* expected, const Json& v) const {
    fail("config.wrong_type",
         "key \"" + key + "\" must be " + expected + ", got " + std::string(v.type_name()) + ctx());
  }
  std::int64_t toInt(const std::string& key, const Json& v) const {
    if (v.is_number_unsigned()) {
      if (v.get<std::uint64_t>() >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        fail("config.invalid_value", "key \"" + key + "\" is out of range" + ctx());
      }
      return static_cast<std::int64_t>(v.get<std::uint64_t>());
    }
    if (v.is_number_integer()) return v.get<std::int64_t>();
    wrongType(key, "an integer", v);
  }
  const Json& at(const char* key) const { return obj_.at(key); }
  const std::string& source() const { return source_; }
  std::string ctx() const { return context_.empty() ? std::string() : " (" + context_ + ")"; }

 private:
  const Json& obj_;
  std::string source_;
  std::string context_;
};

std::optional<Architecture> architectureOf(const std::string& modelType) {
  if (modelType == "gpt2") return Architecture::GPT2;
  if (modelType == "llama") return Architecture::Llama;
  if (modelType == "mistral") return Architecture::Mistral;
  if (modelType == "qwen2") return Architecture::Qwen2;
  if (modelType == "bert") return Architecture::Bert;
  if (modelType == "roberta") return Architecture::Roberta;
  if (modelType == "vit") return Architecture::ViT;
  return std::nullopt;
}

void parseSpecialTokens(const Keys& k, ModelConfig& c, std::optional<std::int64_t> bos,
                        std::optional<std::int64_t> eos, std::optional<std::int64_t> pad) {
  c.bosTokenId = k.nullableInt("bos_token_id", bos);
  c.padTokenId = k.nullableInt("pad_token_id", pad);
  if (k.has("eos_token_id") && k.at("eos_token_id").is_array()) {
    for (const Json& v : k.at("eos_token_id"))
      c.eosTokenIds.push_back(k.toInt("eos_token_id", v));
  } else if (auto e = k.nullableInt("eos_token_id", eos)) {
    c.eosTokenIds.push_back(*e);
  }
}

void requireHeadsDivide(const Keys& k, const ModelConfig& c, const char* hiddenKey,
                        const char* headsKey) {
  if (c.hiddenSize % c.numHeads != 0) {
    k.fail("config.heads_mismatch", std::string(headsKey) + " = " + std::to_string(c.numHeads) +
                                        " does not divide " + hiddenKey + " = " +
                                        std::to_string(c.hiddenSize) + k.ctx());
  }
}

void parseGpt2(const Keys& k, ModelConfig& c) {
  // GPT2Config.attribute_map lets the generic names stand in for the GPT-2 ones.
  const char* embd = k.pick({"n_embd", "hidden_size"});
  const char* layer = k.pick({"n_layer", "num_hidden_layers"});
  const char* head = k.pick({"n_head", "num_attention_heads"});
  c.hiddenSize = k.requiredPositive(embd);
  c.numLayers = k.requiredPositive(layer);
  c.numHeads = k.requiredPositive(head);
  c.vocabSize = k.requiredPositive("vocab_size");
  requireHeadsDivide(k, c, embd, head);
  c.numKvHeads = c.numHeads;
  c.headDim = c.hiddenSize / c.numHeads;
  c.maxPositions = k.positiveOr(k.pick({"n_positions", "max_position_embeddings"}), 1024);
  c.nInner = k.nullableInt("n_inner", std::nullopt);
  c.intermediateSize = c.nInner ? k.positive("n_inner", *c.nInner) : 4 * c.hiddenSize;
  c.activation = k.stringOr("activation_function", "gelu_new");
  c.normEps = k.numberOr("layer_norm_epsilon", 1e-5);
  c.scaleAttnWeights = k.boolOr("scale_attn_weights", true);
  c.scaleAttnByInverseLayerIdx = k.boolOr("scale_attn_by_inverse_layer_idx", false);
  c.reorderAndUpcastAttn = k.boolOr("reorder_and_upcast_attn", false);
  c.tieWordEmbeddings = k.boolOr("tie_word_embeddings", true);
  parseSpecialTokens(k, c, 50256, 50256, std::nullopt);
}

RopeScaling parseRopeScaling(const Keys& parent) {
  const Json& j = parent.at("rope_scaling");
  if (!j.is_object()) parent.wrongType("rope_scaling", "an object or null", j);
  Keys k(j, parent.source(), "rope_scaling");
  RopeScaling r;
  // Older files name the type "type"; transformers reads it as rope_type.
  r.ropeType = k.stringOr(k.pick({"rope_type", "type"}), "");
  if (r.ropeType.empty()) k.fail("config.rope_scaling", "rope_scaling has no \"rope_type\"");
  static const char* const known[] = {"default", "linear", "dynamic", "yarn", "longrope", "llama3"};
  bool isKnown = false;
  for (const char* t : known)
    isKnown = isKnown || r.ropeType == t;
  if (!isKnown) {
    k.fail("config.rope_scaling",
           "unknown rope_scaling type \"" + r.ropeType +
               "\" (known: default, linear, dynamic, yarn, longrope, llama3)");
  }
  if (r.ropeType == "default") return r;
  if (!k.has("factor"))
    k.fail("config.rope_scaling", "rope_scaling of type " + r.ropeType + " needs \"factor\"");
  r.factor = k.numberOr("factor", 1.0);
  if (!(r.factor > 0.0)) k.fail("config.rope_scaling", "rope_scaling factor must be positive");
  r.originalMaxPositionEmbeddings = k.intOr("original_max_position_embeddings", 0);
  if (r.ropeType == "llama3") {
    for (const char* key :
         {"low_freq_factor", "high_freq_factor", "original_max_position_embeddings"}) {
      if (!k.has(key)) {
        k.fail("config.rope_scaling",
               "rope_scaling of type llama3 needs \"" + std::string(key) + "\"");
      }
    }
    r.lowFreqFactor = k.numberOr("low_freq_factor", 1.0);
    r.highFreqFactor = k.numberOr("high_freq_factor", 4.0);
    k.positive("original_max_position_embeddings", r.originalMaxPositionEmbeddings);
    if (!(r.lowFreqFactor > 0.0) || !(r.highFreqFactor > r.lowFreqFactor)) {
      k.fail("config.rope_scaling",
             "rope_scaling needs 0 < low_freq_factor < high_freq_factor, got " +
                 formatNumber(r.lowFreqFactor) + " and " + formatNumber(r.highFreqFactor));
    }
  }
  return r;
}

void parseLlamaFamily(const Keys& k, ModelConfig& c) {
  c.hiddenSize = k.requiredPositive("hidden_size");
  c.numLayers = k.requiredPositive("num_hidden_layers");
  c.numHeads = k.requiredPositive("num_attention_heads");
  c.intermediateSize = k.requiredPositive("intermediate_size");
  c.vocabSize = k.requiredPositive("vocab_size");

  // num_key_value_heads: LlamaConfig defaults to None, MistralConfig to 8, Qwen2Config to 32;
  // an explicit null means "same as num_attention_heads" in all three.
  std::optional<std::int64_t> kvDefault;
  if (c.architecture == Architecture::Mistral) kvDefault = 8;
  if (c.architecture == Architecture::Qwen2) kvDefault = 32;
  const auto kv = k.nullableInt("num_key_value_heads", kvDefault);
  c.numKvHeads = kv ? k.positive("num_key_value_heads", *kv) : c.numHeads;
  if (c.numHeads % c.numKvHeads != 0) {
    k.fail("config.heads_mismatch",
           "num_key_value_heads = " + std::to_string(c.numKvHeads) +
               " does not divide num_attention_heads = " + std::to_string(c.numHeads));
  }
  // head_dim given explicitly decouples the heads from hidden_size (q_proj is
  // [heads * head_dim, hidden]); only the derived one needs the division to be exact.
  if (const auto hd = k.nullableInt("head_dim", std::nullopt)) {
    c.headDim = k.positive("head_dim", *hd);
  } else {
    requireHeadsDivide(k, c, "hidden_size", "num_attention_heads");
    c.headDim = c.hiddenSize / c.numHeads;
  }

  std::int64_t maxPos = 2048;
  if (c.architecture == Architecture::Mistral) maxPos = 4096 * 32;
  if (c.architecture == Architecture::Qwen2) maxPos = 32768;
  c.maxPositions = k.positiveOr("max_position_embeddings", maxPos);
  c.activation = k.stringOr("hidden_act", "silu");
  c.normEps = k.numberOr("rms_norm_eps", 1e-6);
  c.tieWordEmbeddings = k.boolOr("tie_word_embeddings", false);
  c.ropeTheta = k.numberOr("rope_theta", 10000.0);
  if (!(c.ropeTheta > 0.0)) k.fail("config.invalid_value", "rope_theta must be positive");
  if (k.hasValue("rope_scaling")) c.ropeScaling = parseRopeScaling(k);

  switch (c.architecture) {
    case Architecture::Llama:
      c.attentionBias = k.boolOr("attention_bias", false);
      c.qkvBias = c.attentionBias;
      c.mlpBias = k.boolOr("mlp_bias", false);
      parseSpecialTokens(k, c, 1, 2, std::nullopt);
      break;
    case Architecture::Mistral:
      if (const auto w = k.nullableInt("sliding_window", 4096))
        c.slidingWindow = k.positive("sliding_window", *w);
      c.useSlidingWindow = c.slidingWindow.has_value();
      parseSpecialTokens(k, c, 1, 2, std::nullopt);
      break;
    case Architecture::Qwen2: {
      c.qkvBias = true;  // Qwen2Attention: q/k/v projections always carry a bias
      c.useSlidingWindow = k.boolOr("use_sliding_window", false);
      const auto w = k.nullableInt("sliding_window", 4096);
      if (c.useSlidingWindow && w) c.slidingWindow = k.positive("sliding_window", *w);
      c.maxWindowLayers = k.intOr("max_window_layers", 28);
      parseSpecialTokens(k, c, std::nullopt, std::nullopt, std::nullopt);
      break;
    }
    default:
      break;
  }
}

void parseBertFamily(const Keys& k, ModelConfig& c) {
  const bool roberta = c.architecture == Architecture::Roberta;
  c.hiddenSize = k.requiredPositive("hidden_size");
  c.numLayers = k.requiredPositive("num_hidden_layers");
  c.numHeads = k.requiredPositive("num_attention_heads");
  c.intermediateSize = k.requiredPositive("intermediate_size");
  c.vocabSize = k.requiredPositive("vocab_size");
  requireHeadsDivide(k, c, "hidden_size", "num_attention_heads");
  c.numKvHeads = c.numHeads;
  c.headDim = c.hiddenSize / c.numHeads;
  c.maxPositions = k.positiveOr("max_position_embeddings", 512);
  c.typeVocabSize = k.positiveOr("type_vocab_size", 2);
  c.activation = k.stringOr("hidden_act", "gelu");
  c.normEps = k.numberOr("layer_norm_eps", 1e-12);
  c.tieWordEmbeddings = k.boolOr("tie_word_embeddings", true);
  c.qkvBias = true;
  c.positionEmbeddingType = k.stringOr("position_embedding_type", "absolute");
  if (c.positionEmbeddingType != "absolute" && c.positionEmbeddingType != "relative_key" &&
      c.positionEmbeddingType != "relative_key_query") {
    k.fail("config.invalid_value", "unknown position_embedding_type \"" + c.positionEmbeddingType +
                                       "\" (known: absolute, relative_key, relative_key_query)");
  }
  if (roberta) {
    parseSpecialTokens(k, c, 0, 2, 1);
    // RobertaEmbeddings: padding_idx = pad_token_id, positions start at padding_idx + 1.
    if (!c.padTokenId || *c.padTokenId < 0) {
      k.fail("config.invalid_value",
             "roberta needs a non-negative pad_token_id (positions start after it)");
    }
    c.positionOffset = *c.padTokenId + 1;
    if (c.maxPositions <= c.positionOffset) {
      k.fail("config.invalid_value", "max_position_embeddings = " + std::to_string(c.maxPositions) +
                                         " leaves no positions after the padding offset " +
                                         std::to_string(c.positionOffset));
    }
  } else {
    parseSpecialTokens(k, c, std::nullopt, std::nullopt, 0);
  }
}

void parseLabels(const Keys& k, ModelConfig& c) {
  if (k.hasValue("id2label")) {
    const Json& j = k.at("id2label");
    if (!j.is_object()) k.wrongType("id2label", "an object", j);
    std::vector<std::optional<std::string>> byId(j.size());
    for (const auto& [key, value] : j.items()) {
      std::size_t used = 0;
      long long id = -1;
      try {
        id = std::stoll(key, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != key.size() || id < 0 || static_cast<std::size_t>(id) >= byId.size() ||
          byId[static_cast<std::size_t>(id)]) {
        k.fail("config.invalid_value", "id2label keys must be the ids 0.." +
                                           std::to_string(j.size() - 1) + ", got \"" + key + "\"");
      }
      if (!value.is_string()) k.wrongType("id2label." + key, "a string", value);
      byId[static_cast<std::size_t>(id)] = value.get<std::string>();
    }
    for (auto& l : byId)
      c.labels.push_back(*l);
    return;
  }
  const std::int64_t n = k.positiveOr("num_labels", 2);
  for (std::int64_t i = 0; i < n; ++i)
    c.labels.push_back("LABEL_" + std::to_string(i));
}

void parseVit(const Keys& k, ModelConfig& c) {
  c.hiddenSize = k.requiredPositive("hidden_size");
  c.numLayers = k.requiredPositive("num_hidden_layers");
  c.numHeads = k.requiredPositive("num_attention_heads");
  c.intermediateSize = k.requiredPositive("intermediate_size");
  requireHeadsDivide(k, c, "hidden_size", "num_attention_heads");
  c.numKvHeads = c.numHeads;
  c.headDim = c.hiddenSize / c.numHeads;
  c.activation = k.stringOr("hidden_act", "gelu");
  c.normEps = k.numberOr("layer_norm_eps", 1e-12);
  c.imageSize = k.positiveOr("image_size", 224);
  c.patchSize = k.positiveOr("patch_size", 16);
  c.numChannels = k.positiveOr("num_channels", 3);
  c.qkvBias = k.boolOr("qkv_bias", true);
  c.encoderStride = k.positiveOr("encoder_stride", 16);
  if (c.patchSize > c.imageSize) {
    k.fail("config.invalid_value", "patch_size = " + std::to_string(c.patchSize) +
                                       " exceeds image_size = " + std::to_string(c.imageSize));
  }
  c.maxPositions = c.numPatches() + 1;  // the [CLS] token plus one per patch
  c.tieWordEmbeddings = k.boolOr("tie_word_embeddings", true);
  parseSpecialTokens(k, c, std::nullopt, std::nullopt, std::nullopt);
  parseLabels(k, c);
}

std::string joinIds(const std::vector<std::int64_t>& ids) {
  std::string s;
  for (std::size_t i = 0; i < ids.size(); ++i)
    s += (i ? ", " : "") + std::to_string(ids[i]);
  return s;
}

}  // namespace

const std::vector<std::string>& supportedModelTypes() {
  static const std::vector<std::string> types = {"gpt2", "llama",   "mistral", "qwen2",
                                                 "bert", "roberta", "vit"};
  return types;
}

std::string ModelConfig::architectureName() const {
  switch (architecture) {
    case Architecture::GPT2:
      return "GPT-2 decoder";
    case Architecture::Llama:
      return "Llama decoder";
    case Architecture::Mistral:
      return "Mistral decoder";
    case Architecture::Qwen2:
      return "Qwen2 decoder";
    case Architecture::Bert:
      return "BERT encoder";
    case Architecture::Roberta:
      return "RoBERTa encoder";
    case Architecture::ViT:
      return "ViT image encoder";
  }
  return "unknown";
}

bool ModelConfig::isDecoder() const {
  return architecture == Architecture::GPT2 || architecture == Architecture::Llama ||
         architecture == Architecture::Mistral || architecture == Architecture::Qwen2;
}

std::int64_t ModelConfig::numPatches() const {
  if (architecture != Architecture::ViT || patchSize <= 0) return 0;
  const std::int64_t side = imageSize / patchSize;
  return side * side;
}

std::vector<std::pair<std::string, std::string>> ModelConfig::summary() const {
  std::vector<std::pair<std::string, std::string>> rows;
  const auto add = [&rows](std::string key, std::string value) {
    rows.emplace_back(std::move(key), std::move(value));
  };
  const auto yesNo = [](bool b) { return std::string(b ? "yes" : "no"); };
  const bool llamaFamily = architecture == Architecture::Llama ||
                           architecture == Architecture::Mistral ||
                           architecture == Architecture::Qwen2;

  add("Architecture",
      architectureName() + (architectures.empty() ? "" : " (" + architectures.front() + ")"));
  add("Model type", modelType);
  add("Hidden size", std::to_string(hiddenSize));
  add("Layers", std::to_string(numLayers));
  add("Attention heads", std::to_string(numHeads));
  if (llamaFamily) add("Key/value heads", std::to_string(numKvHeads));
  add("Head dim", std::to_string(headDim));
  add("MLP width", std::to_string(intermediateSize));
  if (architecture == Architecture::ViT) {
    add("Image size", std::to_string(imageSize));
    add("Patch size", std::to_string(patchSize));
    add("Channels", std::to_string(numChannels));
    add("Patches", std::to_string(numPatches()));
    add("Labels", std::to_string(labels.size()));
  } else {
    add("Vocabulary", std::to_string(vocabSize));
    add("Max positions", std::to_string(maxPositions));
  }
  add(llamaFamily ? "RMSNorm eps" : "LayerNorm eps", formatNumber(normEps));
  add("Activation", activation);
  if (architecture != Architecture::ViT) add("Tied embeddings", yesNo(tieWordEmbeddings));
  if (llamaFamily) {
    add("RoPE theta", formatNumber(ropeTheta));
    if (ropeScaling) {
      std::string s = ropeScaling->ropeType;
      if (s != "default") s += ", factor " + formatNumber(ropeScaling->factor);
      if (s.starts_with("llama3")) {
        s += ", low " + formatNumber(ropeScaling->lowFreqFactor) + ", high " +
             formatNumber(ropeScaling->highFreqFactor);
      }
      if (ropeScaling->originalMaxPositionEmbeddings > 0) {
        s += ", original " + std::to_string(ropeScaling->originalMaxPositionEmbeddings) +
             " positions";
      }
      add("RoPE scaling", s);
    } else {
      add("RoPE scaling", "none");
    }
    add("Sliding window", slidingWindow ? std::to_string(*slidingWindow) : "none");
    add("q/k/v bias", yesNo(qkvBias));
    if (architecture == Architecture::Llama) add("MLP bias", yesNo(mlpBias));
  }
  if (architecture == Architecture::GPT2) {
    add("Scale attention weights", yesNo(scaleAttnWeights));
    if (scaleAttnByInverseLayerIdx) add("Scale by inverse layer index", "yes");
    if (reorderAndUpcastAttn) add("Reorder and upcast attention", "yes");
  }
  if (architecture == Architecture::Bert || architecture == Architecture::Roberta) {
    add("Token types", std::to_string(typeVocabSize));
    add("Position embedding", positionEmbeddingType);
    if (architecture == Architecture::Roberta)
      add("Position offset", std::to_string(positionOffset));
  }
  if (architecture == Architecture::ViT) add("q/k/v bias", yesNo(qkvBias));
  if (bosTokenId) add("BOS token", std::to_string(*bosTokenId));
  if (!eosTokenIds.empty()) add("EOS token", joinIds(eosTokenIds));
  if (padTokenId) add("PAD token", std::to_string(*padTokenId));
  if (!torchDtype.empty()) add("Stored dtype", torchDtype);
  return rows;
}

ModelConfig parseModelConfig(const std::string& jsonText, const std::string& source) {
  Json root;
  try {
    root = Json::parse(jsonText);
  } catch (const Json::exception& e) {
    throw Error("config.invalid_json", source + ": not valid JSON: " + e.what());
  }
  if (!root.is_object()) {
    throw Error("config.invalid_json",
                source + ": expected a JSON object, got " + std::string(root.type_name()));
  }
  Keys k(root, source, "");
  ModelConfig c;
  c.sourcePath = source;
  c.rawJson = jsonText;
  if (!k.has("model_type")) k.fail("config.missing_key", "missing required key \"model_type\"");
  c.modelType = k.stringOr("model_type", "");
  const auto arch = architectureOf(c.modelType);
  if (!arch) {
    std::string list;
    for (const auto& t : supportedModelTypes())
      list += (list.empty() ? "" : ", ") + t;
    k.fail("config.unknown_model_type",
           "unsupported model_type \"" + c.modelType + "\" (supported: " + list + ")");
  }
  c.architecture = *arch;
  Keys fk(root, source, c.modelType);
  if (k.hasValue("architectures")) {
    const Json& a = root.at("architectures");
    if (!a.is_array()) fk.wrongType("architectures", "a list of strings", a);
    for (const Json& v : a) {
      if (!v.is_string()) fk.wrongType("architectures", "a list of strings", a);
      c.architectures.push_back(v.get<std::string>());
    }
  }
  c.torchDtype = fk.nullableString(fk.pick({"torch_dtype", "dtype"}));

  switch (c.architecture) {
    case Architecture::GPT2:
      parseGpt2(fk, c);
      break;
    case Architecture::Llama:
    case Architecture::Mistral:
    case Architecture::Qwen2:
      parseLlamaFamily(fk, c);
      break;
    case Architecture::Bert:
    case Architecture::Roberta:
      parseBertFamily(fk, c);
      break;
    case Architecture::ViT:
      parseVit(fk, c);
      break;
  }
  if (!(c.normEps > 0.0))
    fk.fail("config.invalid_value",
            "the norm epsilon must be positive, got " + formatNumber(c.normEps));
  if (c.activation.empty()) fk.fail("config.invalid_value", "the activation name is empty");
  return c;
}

ModelConfig loadModelConfig(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error("config.not_found", path + ": no such file");
  // config.json files are a few kB; a huge file here is something else named config.json.
  constexpr std::uintmax_t kMaxConfigBytes = 64u << 20;
  const auto size = fs::file_size(path, ec);
  if (ec) throw Error("config.read_failed", path + ": cannot read: " + ec.message());
  if (size > kMaxConfigBytes)
    throw Error("config.read_failed", path + ": larger than 64 MiB, not a config.json");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) throw Error("config.read_failed", path + ": cannot read");
  return parseModelConfig(text.str(), path);
}

}  // namespace strata
