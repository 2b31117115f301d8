#include "core/model/ModelWeights.h"

#include <cstdint>
#include <map>
#include <set>

#include "core/util/Error.h"

namespace strata {
namespace {

using Shape = std::vector<std::int64_t>;

std::string shapeText(const Shape& s) {
  std::string t = "[";
  for (std::size_t i = 0; i < s.size(); ++i)
    t += (i ? ", " : "") + std::to_string(s[i]);
  return t + "]";
}

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool isLlamaFamily(Architecture a) {
  return a == Architecture::Llama || a == Architecture::Mistral || a == Architecture::Qwen2;
}

// Config key names as the file spells them, so messages point at the right line.
struct KeyNames {
  const char* hidden;
  const char* layers;
  const char* positions;
};

KeyNames keyNames(const ModelConfig& c) {
  if (c.architecture == Architecture::GPT2) return {"n_embd", "n_layer", "n_positions"};
  return {"hidden_size", "num_hidden_layers", "max_position_embeddings"};
}

class Checker {
 public:
  Checker(const ModelConfig& c, const std::vector<TensorInfo>& tensors, std::string source)
      : c_(c), source_(std::move(source)) {
    for (const auto& t : tensors)
      byName_[t.name] = &t;
  }

  [[noreturn]] void fail(const std::string& code, const std::string& what) const {
    throw Error(code, source_ + ": " + what);
  }

  const TensorInfo* find(const std::string& name) const {
    const auto it = byName_.find(name);
    return it == byName_.end() ? nullptr : it->second;
  }

  const TensorInfo& require(const std::string& name) const {
    const TensorInfo* t = find(name);
    if (!t)
      fail("model.missing_tensor",
           "the weights lack " + name + " (required for " + c_.architectureName() + ")");
    return *t;
  }

  // `why` says which config values make up the expected shape.
  void expect(const std::string& name, const Shape& shape, bool required,
              const std::string& why) const {
    const TensorInfo* t = required ? &require(name) : find(name);
    if (t && t->shape != shape) {
      fail("model.shape_mismatch", name + " has shape " + shapeText(t->shape) +
                                       " but config.json implies " + shapeText(shape) + " (" + why +
                                       ")");
    }
  }

  // A [vocab, hidden] matrix: the token embedding or an output embedding.
  void expectVocabMatrix(const std::string& name) const {
    const TensorInfo& t = require(name);
    const KeyNames k = keyNames(c_);
    if (t.shape.size() != 2) {
      fail("model.shape_mismatch",
           name + " has shape " + shapeText(t.shape) + ", expected [vocab_size, " + k.hidden + "]");
    }
    if (t.shape[0] != c_.vocabSize) {
      fail("model.vocab_mismatch", "vocab_size = " + std::to_string(c_.vocabSize) +
                                       " in config.json but " + name + " has " +
                                       std::to_string(t.shape[0]) + " rows " + shapeText(t.shape));
    }
    if (t.shape[1] != c_.hiddenSize) {
      fail("model.hidden_mismatch",
           std::string(k.hidden) + " = " + std::to_string(c_.hiddenSize) + " in config.json but " +
               name + " has " + std::to_string(t.shape[1]) + " columns " + shapeText(t.shape));
    }
  }

  void expectLayerCount(const std::string& blockPrefix) const {
    std::set<std::int64_t> indices;
    for (auto it = byName_.lower_bound(blockPrefix);
         it != byName_.end() && it->first.starts_with(blockPrefix); ++it) {
      const std::string& n = it->first;
      std::size_t p = blockPrefix.size();
      std::int64_t idx = 0;
      const std::size_t digitsStart = p;
      while (p < n.size() && n[p] >= '0' && n[p] <= '9' && p - digitsStart < 9) {
        idx = idx * 10 + (n[p] - '0');
        ++p;
      }
      if (p == digitsStart || p >= n.size() || n[p] != '.') continue;  // not "<prefix><int>."
      indices.insert(idx);
    }
    const KeyNames k = keyNames(c_);
    const std::string said =
        std::string(k.layers) + " = " + std::to_string(c_.numLayers) + " in config.json";
    if (indices.empty())
      fail("model.layer_mismatch", said + " but the weights hold no " + blockPrefix + "{i} blocks");
    const std::int64_t count = static_cast<std::int64_t>(indices.size());
    const std::int64_t last = *indices.rbegin();
    if (count != c_.numLayers || last != count - 1) {
      std::string held = std::to_string(count) + " blocks (" + blockPrefix +
                         std::to_string(*indices.begin()) + " .. " + blockPrefix +
                         std::to_string(last) + ")";
      if (last != count - 1) {
        for (std::int64_t i = 0; i <= last; ++i) {
          if (!indices.count(i)) {
            held += ", block " + std::to_string(i) + " missing";
            break;
          }
        }
      }
      fail("model.layer_mismatch", said + " but the weights hold " + held);
    }
  }

 private:
  const ModelConfig& c_;
  std::string source_;
  std::map<std::string, const TensorInfo*> byName_;
};

void checkGpt2(const ModelConfig& c, const Checker& k, const WeightLayout& l) {
  const std::int64_t d = c.hiddenSize, inner = c.intermediateSize;
  k.expect(l.prefix + "wpe.weight", {c.maxPositions, d}, true, "n_positions x n_embd");
  k.expect(l.prefix + "ln_f.weight", {d}, true, "n_embd");
  for (std::int64_t i = 0; i < c.numLayers; ++i) {
    const std::string b = l.blockPrefix + std::to_string(i) + ".";
    k.expect(b + "ln_1.weight", {d}, true, "n_embd");
    // Conv1D stores [in, out], the transpose of nn.Linear.
    k.expect(b + "attn.c_attn.weight", {d, 3 * d}, true, "n_embd x 3 n_embd, Conv1D");
    k.expect(b + "attn.c_attn.bias", {3 * d}, false, "3 n_embd");
    k.expect(b + "attn.c_proj.weight", {d, d}, true, "n_embd x n_embd, Conv1D");
    k.expect(b + "ln_2.weight", {d}, true, "n_embd");
    k.expect(b + "mlp.c_fc.weight", {d, inner}, true, "n_embd x n_inner, Conv1D");
    k.expect(b + "mlp.c_fc.bias", {inner}, false, "n_inner");
    k.expect(b + "mlp.c_proj.weight", {inner, d}, true, "n_inner x n_embd, Conv1D");
  }
}

void checkLlama(const ModelConfig& c, const Checker& k, const WeightLayout& l) {
  const std::int64_t d = c.hiddenSize, q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim;
  const std::int64_t inter = c.intermediateSize;
  const std::string qWhy = "num_attention_heads x head_dim = " + std::to_string(q);
  const std::string kvWhy = "num_key_value_heads x head_dim = " + std::to_string(kv);
  k.expect(l.prefix + "norm.weight", {d}, true, "hidden_size");
  for (std::int64_t i = 0; i < c.numLayers; ++i) {
    const std::string b = l.blockPrefix + std::to_string(i) + ".";
    k.expect(b + "input_layernorm.weight", {d}, true, "hidden_size");
    k.expect(b + "post_attention_layernorm.weight", {d}, true, "hidden_size");
    k.expect(b + "self_attn.q_proj.weight", {q, d}, true, qWhy);
    k.expect(b + "self_attn.k_proj.weight", {kv, d}, true, kvWhy);
    k.expect(b + "self_attn.v_proj.weight", {kv, d}, true, kvWhy);
    k.expect(b + "self_attn.o_proj.weight", {d, q}, true, qWhy);
    k.expect(b + "self_attn.q_proj.bias", {q}, c.qkvBias, qWhy);
    k.expect(b + "self_attn.k_proj.bias", {kv}, c.qkvBias, kvWhy);
    k.expect(b + "self_attn.v_proj.bias", {kv}, c.qkvBias, kvWhy);
    k.expect(b + "self_attn.o_proj.bias", {d}, c.attentionBias, "hidden_size");
    k.expect(b + "mlp.gate_proj.weight", {inter, d}, true, "intermediate_size x hidden_size");
    k.expect(b + "mlp.up_proj.weight", {inter, d}, true, "intermediate_size x hidden_size");
    k.expect(b + "mlp.down_proj.weight", {d, inter}, true, "hidden_size x intermediate_size");
    k.expect(b + "mlp.gate_proj.bias", {inter}, c.mlpBias, "intermediate_size");
    k.expect(b + "mlp.down_proj.bias", {d}, c.mlpBias, "hidden_size");
  }
}

// BERT, RoBERTa and ViT share the encoder block; ViT nests self-attention one level deeper.
void checkEncoderBlocks(const ModelConfig& c, const Checker& k, const WeightLayout& l,
                        const std::string& selfAttn) {
  const std::int64_t d = c.hiddenSize, inter = c.intermediateSize;
  for (std::int64_t i = 0; i < c.numLayers; ++i) {
    const std::string b = l.blockPrefix + std::to_string(i) + ".";
    for (const char* p : {"query", "key", "value"}) {
      k.expect(b + selfAttn + p + ".weight", {d, d}, true, "hidden_size x hidden_size");
      k.expect(b + selfAttn + p + ".bias", {d}, c.qkvBias, "hidden_size");
    }
    k.expect(b + "attention.output.dense.weight", {d, d}, true, "hidden_size x hidden_size");
    k.expect(b + "intermediate.dense.weight", {inter, d}, true, "intermediate_size x hidden_size");
    k.expect(b + "output.dense.weight", {d, inter}, true, "hidden_size x intermediate_size");
  }
}

void checkBert(const ModelConfig& c, const Checker& k, const WeightLayout& l) {
  const std::string e = l.prefix + "embeddings.";
  k.expect(e + "position_embeddings.weight", {c.maxPositions, c.hiddenSize}, true,
           "max_position_embeddings x hidden_size");
  k.expect(e + "token_type_embeddings.weight", {c.typeVocabSize, c.hiddenSize}, true,
           "type_vocab_size x hidden_size");
  checkEncoderBlocks(c, k, l, "attention.self.");
}

void checkVit(const ModelConfig& c, const Checker& k, const WeightLayout& l) {
  const std::int64_t d = c.hiddenSize;
  const TensorInfo& proj = k.require(l.embedding);
  if (proj.shape.size() != 4 || proj.shape[0] != d) {
    k.fail("model.hidden_mismatch", "hidden_size = " + std::to_string(d) + " in config.json but " +
                                        l.embedding + " has shape " + shapeText(proj.shape));
  }
  k.expect(l.embedding, {d, c.numChannels, c.patchSize, c.patchSize}, true,
           "hidden_size x num_channels x patch_size x patch_size");
  const std::string e = l.prefix + "embeddings.";
  k.expect(e + "cls_token", {1, 1, d}, true, "1 x 1 x hidden_size");
  k.expect(e + "position_embeddings", {1, c.numPatches() + 1, d}, true,
           "1 x ((image_size / patch_size)^2 + 1) x hidden_size");
  checkEncoderBlocks(c, k, l, "attention.attention.");
  k.expect("classifier.weight", {static_cast<std::int64_t>(c.labels.size()), d}, false,
           "labels x hidden_size");
}

}  // namespace

WeightLayout detectWeightLayout(const ModelConfig& c, const std::vector<TensorInfo>& tensors,
                                const std::string& source) {
  std::vector<std::string> prefixes;
  std::string embedding, blocks, output;
  switch (c.architecture) {
    case Architecture::GPT2:
      prefixes = {"transformer.", ""};
      embedding = "wte.weight";
      blocks = "h.";
      output = "lm_head.weight";
      break;
    case Architecture::Llama:
    case Architecture::Mistral:
    case Architecture::Qwen2:
      prefixes = {"model.", ""};
      embedding = "embed_tokens.weight";
      blocks = "layers.";
      output = "lm_head.weight";
      break;
    case Architecture::Bert:
      prefixes = {"bert.", ""};
      embedding = "embeddings.word_embeddings.weight";
      blocks = "encoder.layer.";
      output = "cls.predictions.decoder.weight";
      break;
    case Architecture::Roberta:
      prefixes = {"roberta.", ""};
      embedding = "embeddings.word_embeddings.weight";
      blocks = "encoder.layer.";
      output = "lm_head.decoder.weight";
      break;
    case Architecture::ViT:
      prefixes = {"vit.", ""};
      embedding = "embeddings.patch_embeddings.projection.weight";
      blocks = "encoder.layer.";
      break;
  }
  std::set<std::string> names;
  for (const auto& t : tensors)
    names.insert(t.name);
  for (const auto& p : prefixes) {
    if (!names.count(p + embedding)) continue;
    WeightLayout l;
    l.prefix = p;
    l.embedding = p + embedding;
    l.blockPrefix = p + blocks;
    if (!output.empty() && names.count(output)) l.outputEmbedding = output;
    return l;
  }
  std::string tried;
  for (const auto& p : prefixes)
    tried += (tried.empty() ? "" : " or ") + p + embedding;
  throw Error("model.missing_tensor", source + ": no " + c.architectureName() +
                                          " embedding in the weights (looked for " + tried +
                                          "); do the weights belong to this config.json?");
}

bool isBufferTensor(const ModelConfig& c, const std::string& name) {
  switch (c.architecture) {
    case Architecture::GPT2:
      // The causal mask and its fill value, stored by older GPT-2 saves (persistent buffers).
      return name == "attn.bias" || name == "attn.masked_bias" || endsWith(name, ".attn.bias") ||
             endsWith(name, ".attn.masked_bias");
    case Architecture::Llama:
    case Architecture::Mistral:
    case Architecture::Qwen2:
      return endsWith(name, "rotary_emb.inv_freq");
    case Architecture::Bert:
    case Architecture::Roberta:
      return endsWith(name, "embeddings.position_ids") ||
             endsWith(name, "embeddings.token_type_ids");
    case Architecture::ViT:
      return false;
  }
  return false;
}

std::vector<std::string> validateWeights(const ModelConfig& c,
                                         const std::vector<TensorInfo>& tensors,
                                         const std::string& source) {
  std::vector<std::string> warnings;
  const WeightLayout l = detectWeightLayout(c, tensors, source);
  const Checker k(c, tensors, source);
  if (c.architecture != Architecture::ViT) k.expectVocabMatrix(l.embedding);
  if (!l.outputEmbedding.empty()) {
    k.expectVocabMatrix(l.outputEmbedding);
    if (c.tieWordEmbeddings) {
      warnings.push_back(l.outputEmbedding +
                         " is stored although tie_word_embeddings is true; it is ignored "
                         "(the input embedding is used) and not counted as parameters");
    }
  } else if (!c.tieWordEmbeddings && isLlamaFamily(c.architecture)) {
    warnings.push_back(
        "no lm_head.weight although tie_word_embeddings is false: a base model without a language "
        "modelling head, so no logits");
  }
  k.expectLayerCount(l.blockPrefix);
  switch (c.architecture) {
    case Architecture::GPT2:
      checkGpt2(c, k, l);
      break;
    case Architecture::Llama:
    case Architecture::Mistral:
    case Architecture::Qwen2:
      checkLlama(c, k, l);
      break;
    case Architecture::Bert:
    case Architecture::Roberta:
      checkBert(c, k, l);
      break;
    case Architecture::ViT:
      checkVit(c, k, l);
      break;
  }
  for (const auto& t : tensors) {
    if (!isFloating(t.dtype) && !isBufferTensor(c, t.name)) {
      warnings.push_back(t.name + " has non-floating dtype " + std::string(dtypeName(t.dtype)) +
                         " and is not counted as a parameter");
    }
  }
  return warnings;
}

}  // namespace strata
