#pragma once
// Tiny random GPT-2 checkpoints in exact Hugging Face layout, and a deliberately naive
// double-precision GPT-2 forward pass written from transformers' modeling_gpt2.py equations
// (explicit per-head loops; weights taken from the FixtureWriter's stored values, never from
// the reader under test).
#include <QString>

#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "tests/core/runtime/FixtureWriter.h"
#include "tests/core/runtime/NaiveMath.h"

namespace strata::test {

struct Gpt2Spec {
  int d = 32, heads = 4, layers = 3, vocab = 97, positions = 64;
  int inner = 0;  ///< n_inner; 0 writes null (= 4 d)
  DType dtype = DType::F32;
  std::string prefix = "transformer.";  ///< "" = the Hub's original naming
  bool storeMaskBuffers = false;        ///< attn.bias / attn.masked_bias as in the original files
  std::string activation = "gelu_new";
  bool scaleAttnWeights = true;
  bool scaleByInverseLayerIdx = false;
  bool tied = true;          ///< tie_word_embeddings
  bool storeLmHead = false;  ///< lm_head.weight present
  double eps = 1e-5;

  int innerSize() const { return inner > 0 ? inner : 4 * d; }
  int headDim() const { return d / heads; }

  std::string configJson() const {
    std::ostringstream s;
    s << "{\"architectures\": [\"GPT2LMHeadModel\"], \"model_type\": \"gpt2\", \"n_embd\": " << d
      << ", \"n_head\": " << heads << ", \"n_layer\": " << layers << ", \"vocab_size\": " << vocab
      << ", \"n_positions\": " << positions << ", \"n_ctx\": " << positions
      << ", \"n_inner\": " << (inner > 0 ? std::to_string(inner) : "null")
      << ", \"activation_function\": \"" << activation << "\", \"layer_norm_epsilon\": " << eps
      << ", \"scale_attn_weights\": " << (scaleAttnWeights ? "true" : "false")
      << ", \"scale_attn_by_inverse_layer_idx\": " << (scaleByInverseLayerIdx ? "true" : "false")
      << ", \"tie_word_embeddings\": " << (tied ? "true" : "false") << "}";
    return s.str();
  }
};

/// Adds every tensor of `spec` to `w` (names skipped when listed in `skip`).
inline void addGpt2Weights(FixtureWriter& w, const Gpt2Spec& s,
                           const std::vector<std::string>& skip = {}) {
  const std::int64_t d = s.d, f = s.innerSize(), p = s.positions;
  auto add = [&](const std::string& name, std::vector<std::int64_t> shape, float scale,
                 float offset = 0.0f) {
    for (const auto& k : skip)
      if (k == name) return;
    w.add(name, std::move(shape), scale, s.dtype, offset);
  };
  const std::string& pre = s.prefix;
  add(pre + "wte.weight", {s.vocab, d}, 0.5f);
  add(pre + "wpe.weight", {p, d}, 0.2f);
  for (int l = 0; l < s.layers; ++l) {
    const std::string b = pre + "h." + std::to_string(l) + ".";
    add(b + "ln_1.weight", {d}, 0.1f, 1.0f);
    add(b + "ln_1.bias", {d}, 0.1f);
    add(b + "attn.c_attn.weight", {d, 3 * d}, 0.3f);
    add(b + "attn.c_attn.bias", {3 * d}, 0.1f);
    add(b + "attn.c_proj.weight", {d, d}, 0.15f);
    add(b + "attn.c_proj.bias", {d}, 0.1f);
    add(b + "ln_2.weight", {d}, 0.1f, 1.0f);
    add(b + "ln_2.bias", {d}, 0.1f);
    add(b + "mlp.c_fc.weight", {d, f}, 0.2f);
    add(b + "mlp.c_fc.bias", {f}, 0.1f);
    add(b + "mlp.c_proj.weight", {f, d}, 0.1f);
    add(b + "mlp.c_proj.bias", {d}, 0.1f);
    if (s.storeMaskBuffers) {
      std::vector<float> tril(static_cast<std::size_t>(p * p));
      for (std::int64_t i = 0; i < p; ++i)
        for (std::int64_t j = 0; j <= i; ++j)
          tril[static_cast<std::size_t>(i * p + j)] = 1.0f;
      w.put(b + "attn.bias", {1, 1, p, p}, tril);
      w.put(b + "attn.masked_bias", {}, {-1e4f});
    }
  }
  add(pre + "ln_f.weight", {d}, 0.1f, 1.0f);
  add(pre + "ln_f.bias", {d}, 0.1f);
  if (s.storeLmHead) add("lm_head.weight", {s.vocab, d}, 0.5f);
}

struct Gpt2Reference {
  std::vector<Vec> hidden;     ///< L + 1 entries, [T, D]; the last after ln_f
  std::vector<Vec> attention;  ///< L entries, [H, T, T]
  Vec logits;                  ///< [T, V]
};

inline double referenceActivation(const std::string& name, double x) {
  if (name == "gelu_new" || name == "gelu_fast" || name == "gelu_pytorch_tanh") return geluTanh(x);
  if (name == "gelu") return geluErf(x);
  if (name == "relu") return x > 0 ? x : 0.0;
  if (name == "silu" || name == "swish") return silu(x);
  QTest::qFail(("no reference for activation " + name).c_str(), __FILE__, __LINE__);
  return 0;
}

/// GPT2LMHeadModel forward with output_hidden_states and output_attentions, in double.
inline Gpt2Reference gpt2Reference(const FixtureWriter& w, const Gpt2Spec& s,
                                   const std::vector<std::int64_t>& ids) {
  const int T = static_cast<int>(ids.size()), D = s.d, H = s.heads, hd = s.headDim();
  const int F = s.innerSize();
  const std::string& pre = s.prefix;
  auto W = [&](const std::string& name) { return toVec(w[name]); };
  Gpt2Reference r;
  const Vec wte = W(pre + "wte.weight"), wpe = W(pre + "wpe.weight");
  Vec x(static_cast<std::size_t>(T) * D);
  for (int t = 0; t < T; ++t)
    for (int i = 0; i < D; ++i)
      x[t * D + i] = wte[ids[t] * D + i] + wpe[t * D + i];
  r.hidden.push_back(x);
  for (int l = 0; l < s.layers; ++l) {
    const std::string b = pre + "h." + std::to_string(l) + ".";
    const Vec h = layerNorm(x, T, D, W(b + "ln_1.weight"), W(b + "ln_1.bias"), s.eps);
    const Vec attnBias = W(b + "attn.c_attn.bias");
    const Vec qkv = linearInOut(h, T, D, W(b + "attn.c_attn.weight"), 3 * D, &attnBias);
    Vec probs(static_cast<std::size_t>(H) * T * T, 0.0);
    Vec context(static_cast<std::size_t>(T) * D, 0.0);
    for (int head = 0; head < H; ++head) {
      for (int i = 0; i < T; ++i) {
        std::vector<double> row(static_cast<std::size_t>(i + 1));
        for (int j = 0; j <= i; ++j) {  // causal: keys 0..i only
          double dot = 0;
          for (int e = 0; e < hd; ++e)
            dot += qkv[i * 3 * D + head * hd + e] * qkv[j * 3 * D + D + head * hd + e];
          if (s.scaleAttnWeights) dot /= std::sqrt(static_cast<double>(hd));
          if (s.scaleByInverseLayerIdx) dot /= static_cast<double>(l + 1);
          row[static_cast<std::size_t>(j)] = dot;
        }
        softmaxInPlace(row.data(), i + 1);
        for (int j = 0; j <= i; ++j) {
          probs[(static_cast<std::size_t>(head) * T + i) * T + j] = row[j];
          for (int e = 0; e < hd; ++e)
            context[i * D + head * hd + e] += row[j] * qkv[j * 3 * D + 2 * D + head * hd + e];
        }
      }
    }
    r.attention.push_back(probs);
    const Vec projBias = W(b + "attn.c_proj.bias");
    const Vec a = linearInOut(context, T, D, W(b + "attn.c_proj.weight"), D, &projBias);
    for (std::size_t i = 0; i < x.size(); ++i)
      x[i] += a[i];
    const Vec m = layerNorm(x, T, D, W(b + "ln_2.weight"), W(b + "ln_2.bias"), s.eps);
    const Vec fcBias = W(b + "mlp.c_fc.bias");
    Vec f = linearInOut(m, T, D, W(b + "mlp.c_fc.weight"), F, &fcBias);
    for (double& v : f)
      v = referenceActivation(s.activation, v);
    const Vec outBias = W(b + "mlp.c_proj.bias");
    const Vec o = linearInOut(f, T, F, W(b + "mlp.c_proj.weight"), D, &outBias);
    for (std::size_t i = 0; i < x.size(); ++i)
      x[i] += o[i];
    if (l + 1 < s.layers) r.hidden.push_back(x);
  }
  const Vec last = layerNorm(x, T, D, W(pre + "ln_f.weight"), W(pre + "ln_f.bias"), s.eps);
  r.hidden.push_back(last);
  const Vec head = (!s.tied && s.storeLmHead) ? W("lm_head.weight") : wte;
  r.logits = linearOutIn(last, T, D, head, s.vocab, nullptr);
  return r;
}

/// Writes the checkpoint of `spec` into `dir`; returns the writer holding the stored values.
inline FixtureWriter writeGpt2(const QString& dir, const Gpt2Spec& spec, std::uint64_t seed,
                               const std::vector<std::string>& skip = {}) {
  FixtureWriter w(seed);
  addGpt2Weights(w, spec, skip);
  w.write(dir, spec.configJson());
  return w;
}

}  // namespace strata::test
