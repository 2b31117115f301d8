#pragma once
// Tiny random-weight BERT / RoBERTa checkpoints in exact Hugging Face layout (BertModel,
// BertForMaskedLM, RobertaForMaskedLM), and a deliberately naive double-precision reference
// of their forward pass written from the modelling equations (modeling_bert.py,
// modeling_roberta.py) with explicit per-head loops. The reference reads the weights from the
// FixtureWriter's stored values, never through the runtime's reader.
#include <QString>

#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "FixtureWriter.h"
#include "NaiveMath.h"

namespace strata::test {

struct BertSpec {
  bool roberta = false;
  std::string prefix = "bert.";  ///< "bert.", "roberta." or "" (a base model's own save)
  bool oldNames = false;         ///< LayerNorm.gamma / LayerNorm.beta (TF-era saves)
  bool head = true;              ///< store the masked-LM head
  bool untied = false;           ///< tie_word_embeddings false and a stored decoder weight
  std::string act = "gelu";
  int D = 32, H = 4, L = 2, V = 89, I = 64, P = 40, types = 2;
  int pad = 0;  ///< pad_token_id (RoBERTa numbers positions after it)
  double eps = 1e-12;
  // Ways to break the checkpoint for the bad-input tests.
  std::string omit;          ///< a tensor not to write
  std::string widen;         ///< a tensor written one element wider in its last dimension
  int configVocab = 0;       ///< vocab_size written to config.json when non-zero
  int configLayers = 0;      ///< num_hidden_layers written when non-zero
  std::string positionType;  ///< position_embedding_type written when non-empty

  std::string lnWeight(const std::string& base) const {
    return base + (oldNames ? ".gamma" : ".weight");
  }
  std::string lnBias(const std::string& base) const {
    return base + (oldNames ? ".beta" : ".bias");
  }
  std::string emb() const { return prefix + "embeddings."; }
  std::string layer(int i) const { return prefix + "encoder.layer." + std::to_string(i) + "."; }
  std::string headPrefix() const { return roberta ? "lm_head." : "cls.predictions."; }
  std::string headDense() const { return headPrefix() + (roberta ? "dense" : "transform.dense"); }
  std::string headNorm() const {
    return roberta ? "lm_head.layer_norm" : "cls.predictions.transform.LayerNorm";
  }
};

/// Writes `dir`/config.json and `dir`/model.safetensors for `s`, keeping the values in `w`.
inline void writeBert(const BertSpec& s, FixtureWriter& w, const QString& dir) {
  auto add = [&](const std::string& name, std::vector<std::int64_t> shape, float scale,
                 float offset = 0.0f) {
    if (name == s.omit) return;
    if (name == s.widen) shape.back() += 1;
    w.add(name, shape, scale, DType::F32, offset);
  };
  auto linear = [&](const std::string& base, int out, int in, float scale) {
    add(base + ".weight", {out, in}, scale);
    add(base + ".bias", {out}, 0.1f);
  };
  auto norm = [&](const std::string& base) {
    add(s.lnWeight(base), {s.D}, 0.1f, 1.0f);
    add(s.lnBias(base), {s.D}, 0.1f);
  };
  const std::string e = s.emb();
  add(e + "word_embeddings.weight", {s.V, s.D}, 0.5f);
  add(e + "position_embeddings.weight", {s.P, s.D}, 0.5f);
  add(e + "token_type_embeddings.weight", {s.types, s.D}, 0.5f);
  norm(e + "LayerNorm");
  for (int i = 0; i < s.L; ++i) {
    const std::string b = s.layer(i);
    for (const char* p : {"query", "key", "value"})
      linear(b + "attention.self." + p, s.D, s.D, 0.3f);
    linear(b + "attention.output.dense", s.D, s.D, 0.2f);
    norm(b + "attention.output.LayerNorm");
    linear(b + "intermediate.dense", s.I, s.D, 0.2f);
    linear(b + "output.dense", s.D, s.I, 0.15f);
    norm(b + "output.LayerNorm");
  }
  if (!s.roberta && !s.prefix.empty()) linear(s.prefix + "pooler.dense", s.D, s.D, 0.2f);
  if (s.head) {
    linear(s.headDense(), s.D, s.D, 0.3f);
    norm(s.headNorm());
    add(s.headPrefix() + "bias", {s.V}, 0.1f);
    if (s.untied) add(s.headPrefix() + "decoder.weight", {s.V, s.D}, 0.4f);
  }

  std::string arch = s.roberta ? "Roberta" : "Bert";
  arch += s.head ? "ForMaskedLM" : "Model";
  std::string json =
      "{\"model_type\": \"" + std::string(s.roberta ? "roberta" : "bert") +
      "\", \"architectures\": [\"" + arch + "\"]" + ", \"hidden_size\": " + std::to_string(s.D) +
      ", \"num_hidden_layers\": " + std::to_string(s.configLayers ? s.configLayers : s.L) +
      ", \"num_attention_heads\": " + std::to_string(s.H) +
      ", \"intermediate_size\": " + std::to_string(s.I) +
      ", \"vocab_size\": " + std::to_string(s.configVocab ? s.configVocab : s.V) +
      ", \"max_position_embeddings\": " + std::to_string(s.P) +
      ", \"type_vocab_size\": " + std::to_string(s.types) + ", \"hidden_act\": \"" + s.act +
      "\", \"layer_norm_eps\": 1e-12" + ", \"pad_token_id\": " + std::to_string(s.pad) +
      ", \"tie_word_embeddings\": " + (s.untied ? "false" : "true");
  if (!s.positionType.empty()) json += ", \"position_embedding_type\": \"" + s.positionType + "\"";
  json += "}";
  w.write(dir, json);
}

struct BertReference {
  std::vector<Vec> hidden;  ///< L + 1 entries, [T, D]
  std::vector<Vec> attn;    ///< L entries, [H, T, T]
  Vec logits;               ///< [T, V], empty without a head
};

inline double refActivation(const std::string& name, double x) {
  if (name == "gelu") return geluErf(x);
  if (name == "gelu_new") return geluTanh(x);
  if (name == "relu") return std::max(0.0, x);
  QTest::qFail(("no reference for activation " + name).c_str(), __FILE__, __LINE__);
  return 0.0;
}

/// The masked-LM head applied to a [T, D] hidden state: dense -> act -> LayerNorm -> decoder.
inline Vec refMlmHead(const BertSpec& s, const FixtureWriter& w, const Vec& h, int T) {
  const Vec dw = toVec(w[s.headDense() + ".weight"]), db = toVec(w[s.headDense() + ".bias"]);
  Vec y = linearOutIn(h, T, s.D, dw, s.D, &db);
  for (double& v : y)
    v = s.roberta ? geluErf(v) : refActivation(s.act, v);  // RobertaLMHead: always gelu
  y = layerNorm(y, T, s.D, toVec(w[s.lnWeight(s.headNorm())]), toVec(w[s.lnBias(s.headNorm())]),
                s.eps);
  const Vec decoder = toVec(s.untied ? w[s.headPrefix() + "decoder.weight"]
                                     : w[s.emb() + "word_embeddings.weight"]);
  const Vec bias = toVec(w[s.headPrefix() + "bias"]);
  return linearOutIn(y, T, s.D, decoder, s.V, &bias);
}

inline BertReference refBert(const BertSpec& s, const FixtureWriter& w,
                             const std::vector<std::int64_t>& ids,
                             const std::vector<std::int64_t>& typeIds) {
  const int T = static_cast<int>(ids.size()), D = s.D, H = s.H, hd = s.D / s.H;
  BertReference r;
  // Embeddings. RoBERTa: create_position_ids_from_input_ids (pad -> padding_idx, others count
  // the non-pad tokens so far, from padding_idx + 1).
  const std::string e = s.emb();
  const auto& word = w[e + "word_embeddings.weight"];
  const auto& pos = w[e + "position_embeddings.weight"];
  const auto& typ = w[e + "token_type_embeddings.weight"];
  Vec x(static_cast<std::size_t>(T) * D);
  int seen = 0;
  for (int t = 0; t < T; ++t) {
    int p = t;
    if (s.roberta) {
      if (ids[t] != s.pad) ++seen;
      p = ids[t] != s.pad ? s.pad + seen : s.pad;
    }
    const int ty = typeIds.empty() ? 0 : static_cast<int>(typeIds[t]);
    for (int i = 0; i < D; ++i)
      x[t * D + i] = double(word[ids[t] * D + i]) + typ[ty * D + i] + pos[p * D + i];
  }
  x = layerNorm(x, T, D, toVec(w[s.lnWeight(e + "LayerNorm")]), toVec(w[s.lnBias(e + "LayerNorm")]),
                s.eps);
  r.hidden.push_back(x);

  for (int l = 0; l < s.L; ++l) {
    const std::string b = s.layer(l);
    auto lin = [&](const Vec& in, const std::string& name, int inDim, int outDim) {
      const Vec W = toVec(w[name + ".weight"]), bias = toVec(w[name + ".bias"]);
      return linearOutIn(in, T, inDim, W, outDim, &bias);
    };
    const Vec q = lin(x, b + "attention.self.query", D, D);
    const Vec k = lin(x, b + "attention.self.key", D, D);
    const Vec v = lin(x, b + "attention.self.value", D, D);
    Vec probs(static_cast<std::size_t>(H) * T * T);
    Vec ctx(static_cast<std::size_t>(T) * D, 0.0);
    for (int h = 0; h < H; ++h)
      for (int i = 0; i < T; ++i) {
        double* row = &probs[(static_cast<std::size_t>(h) * T + i) * T];
        for (int j = 0; j < T; ++j) {  // every key: an encoder attends both ways
          double dot = 0;
          for (int c = 0; c < hd; ++c)
            dot += q[i * D + h * hd + c] * k[j * D + h * hd + c];
          row[j] = dot / std::sqrt(double(hd));
        }
        softmaxInPlace(row, T);
        for (int j = 0; j < T; ++j)
          for (int c = 0; c < hd; ++c)
            ctx[i * D + h * hd + c] += row[j] * v[j * D + h * hd + c];
      }
    r.attn.push_back(probs);
    Vec a = lin(ctx, b + "attention.output.dense", D, D);
    for (std::size_t i = 0; i < a.size(); ++i)
      a[i] += x[i];
    const std::string an = b + "attention.output.LayerNorm";
    a = layerNorm(a, T, D, toVec(w[s.lnWeight(an)]), toVec(w[s.lnBias(an)]), s.eps);
    Vec m = lin(a, b + "intermediate.dense", D, s.I);
    for (double& val : m)
      val = refActivation(s.act, val);
    Vec o = lin(m, b + "output.dense", s.I, D);
    for (std::size_t i = 0; i < o.size(); ++i)
      o[i] += a[i];
    const std::string on = b + "output.LayerNorm";
    x = layerNorm(o, T, D, toVec(w[s.lnWeight(on)]), toVec(w[s.lnBias(on)]), s.eps);
    r.hidden.push_back(x);
  }
  if (s.head) r.logits = refMlmHead(s, w, x, T);
  return r;
}

}  // namespace strata::test
