#pragma once
// Tiny Llama / Mistral / Qwen2 checkpoints in Hugging Face layout (LlamaForCausalLM naming:
// model.embed_tokens, model.layers.{i}.self_attn.q_proj, ..., model.norm, lm_head), written with
// FixtureWriter, and a deliberately naive double-precision reference of the forward pass from
// the modelling equations (explicit per-head loops, rotary angles from the formula), reading
// the weights as FixtureWriter stored them.
#include <QString>

#include <cmath>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "FixtureWriter.h"
#include "NaiveMath.h"

namespace strata::test {

struct LlamaSpec {
  std::string modelType = "llama";  ///< "llama", "mistral" or "qwen2"
  int D = 32, H = 4, KV = 2, headDim = 8, I = 48, L = 2, V = 101;
  bool writeHeadDim = false;  ///< write "head_dim" (needed when it is not D / H)
  int maxPositions = 64;
  double theta = 10000.0, eps = 1e-5;
  std::string ropeType;  ///< "" = no rope_scaling; "linear", "llama3", or anything else
  double factor = 8.0, lowFreq = 1.0, highFreq = 4.0;
  int originalMax = 64;
  bool tie = false;
  bool attentionBias = false, mlpBias = false;  ///< llama's attention_bias / mlp_bias
  /// sliding_window as written (0 = null); mistral applies it, qwen2 only with
  /// useSlidingWindow on layers >= maxWindowLayers.
  int slidingWindow = 0;
  bool useSlidingWindow = false;
  int maxWindowLayers = 0;
  std::string act = "silu";
  DType dtype = DType::F32;
  // Bad-input knobs.
  std::string omit;                          ///< tensor left out of the file
  std::string reshape;                       ///< tensor written with one extra row
  std::optional<int> configKv, configVocab;  ///< config values that contradict the weights

  bool qkvBias() const { return modelType == "qwen2" || (modelType == "llama" && attentionBias); }
  bool oBias() const { return modelType == "llama" && attentionBias; }
  bool hasMlpBias() const { return modelType == "llama" && mlpBias; }
  int windowOf(int layer) const {
    if (modelType == "mistral") return slidingWindow;
    if (modelType == "qwen2" && useSlidingWindow && layer >= maxWindowLayers) return slidingWindow;
    return 0;
  }

  std::string configJson() const {
    std::ostringstream j;
    j.precision(17);
    j << "{\n  \"model_type\": \"" << modelType << "\",\n"
      << "  \"hidden_size\": " << D << ",\n  \"num_hidden_layers\": " << L
      << ",\n  \"num_attention_heads\": " << H
      << ",\n  \"num_key_value_heads\": " << configKv.value_or(KV)
      << ",\n  \"intermediate_size\": " << I << ",\n  \"vocab_size\": " << configVocab.value_or(V)
      << ",\n  \"max_position_embeddings\": " << maxPositions << ",\n  \"rms_norm_eps\": " << eps
      << ",\n  \"rope_theta\": " << theta << ",\n  \"hidden_act\": \"" << act
      << "\",\n  \"tie_word_embeddings\": " << (tie ? "true" : "false");
    if (writeHeadDim) j << ",\n  \"head_dim\": " << headDim;
    if (modelType == "llama")
      j << ",\n  \"attention_bias\": " << (attentionBias ? "true" : "false")
        << ",\n  \"mlp_bias\": " << (mlpBias ? "true" : "false");
    if (modelType == "mistral" || modelType == "qwen2") {
      j << ",\n  \"sliding_window\": ";
      if (slidingWindow > 0)
        j << slidingWindow;
      else
        j << "null";
    }
    if (modelType == "qwen2")
      j << ",\n  \"use_sliding_window\": " << (useSlidingWindow ? "true" : "false")
        << ",\n  \"max_window_layers\": " << maxWindowLayers;
    if (!ropeType.empty()) {
      j << ",\n  \"rope_scaling\": {\"rope_type\": \"" << ropeType << "\", \"factor\": " << factor;
      if (ropeType == "llama3")
        j << ", \"low_freq_factor\": " << lowFreq << ", \"high_freq_factor\": " << highFreq
          << ", \"original_max_position_embeddings\": " << originalMax;
      j << "}";
    }
    j << ",\n  \"architectures\": [\"" << archName() << "\"]\n}\n";
    return j.str();
  }

  std::string archName() const {
    if (modelType == "mistral") return "MistralForCausalLM";
    if (modelType == "qwen2") return "Qwen2ForCausalLM";
    return "LlamaForCausalLM";
  }
};

/// Writes the checkpoint for `s` into `dir`; the returned writer holds every stored value.
inline FixtureWriter writeLlama(const LlamaSpec& s, const QString& dir, std::uint64_t seed) {
  FixtureWriter w(seed);
  const std::int64_t D = s.D, q = s.H * s.headDim, kv = s.KV * s.headDim, I = s.I, V = s.V;
  auto add = [&](const std::string& name, std::vector<std::int64_t> shape, float scale,
                 float offset = 0.0f) {
    if (name == s.omit) return;
    if (name == s.reshape) shape[0] += 1;
    w.add(name, std::move(shape), scale, s.dtype, offset);
  };
  add("model.embed_tokens.weight", {V, D}, 1.0f);
  for (int l = 0; l < s.L; ++l) {
    const std::string b = "model.layers." + std::to_string(l) + ".";
    add(b + "input_layernorm.weight", {D}, 0.1f, 1.0f);
    add(b + "post_attention_layernorm.weight", {D}, 0.1f, 1.0f);
    add(b + "self_attn.q_proj.weight", {q, D}, 0.25f);
    add(b + "self_attn.k_proj.weight", {kv, D}, 0.25f);
    add(b + "self_attn.v_proj.weight", {kv, D}, 0.25f);
    add(b + "self_attn.o_proj.weight", {D, q}, 0.2f);
    if (s.qkvBias()) {
      add(b + "self_attn.q_proj.bias", {q}, 0.2f);
      add(b + "self_attn.k_proj.bias", {kv}, 0.2f);
      add(b + "self_attn.v_proj.bias", {kv}, 0.2f);
    }
    if (s.oBias()) add(b + "self_attn.o_proj.bias", {D}, 0.1f);
    add(b + "mlp.gate_proj.weight", {I, D}, 0.2f);
    add(b + "mlp.up_proj.weight", {I, D}, 0.2f);
    add(b + "mlp.down_proj.weight", {D, I}, 0.2f);
    if (s.hasMlpBias()) {
      add(b + "mlp.gate_proj.bias", {I}, 0.1f);
      add(b + "mlp.up_proj.bias", {I}, 0.1f);
      add(b + "mlp.down_proj.bias", {D}, 0.1f);
    }
  }
  add("model.norm.weight", {D}, 0.1f, 1.0f);
  if (!s.tie) add("lm_head.weight", {V, D}, 0.2f);
  w.write(dir, s.configJson());
  return w;
}

/// Rotary inverse frequencies from the formulas (default, linear, llama3), in double.
inline std::vector<double> referenceInvFreq(const LlamaSpec& s) {
  std::vector<double> f(static_cast<std::size_t>(s.headDim / 2));
  for (std::size_t i = 0; i < f.size(); ++i) {
    double inv = 1.0 / std::pow(s.theta, 2.0 * static_cast<double>(i) / s.headDim);
    if (s.ropeType == "linear") inv /= s.factor;
    if (s.ropeType == "llama3") {
      const double wavelen = 2.0 * M_PI / inv;
      const double lowWavelen = s.originalMax / s.lowFreq;    // longer: divided by factor
      const double highWavelen = s.originalMax / s.highFreq;  // shorter: kept
      if (wavelen > lowWavelen) {
        inv /= s.factor;
      } else if (wavelen >= highWavelen) {
        const double smooth = (s.originalMax / wavelen - s.lowFreq) / (s.highFreq - s.lowFreq);
        inv = (1.0 - smooth) * inv / s.factor + smooth * inv;
      }
    }
    f[i] = inv;
  }
  return f;
}

struct LlamaReference {
  std::vector<Vec> hidden;     ///< L + 1 entries [T, D]; the last after the final norm
  std::vector<Vec> attention;  ///< L entries [H, T, T]
  Vec logits;                  ///< [T, V]
  Vec lensLogits(const Vec& h, int T, const LlamaSpec& s, const FixtureWriter& w) const {
    const Vec normed = rmsNorm(h, T, s.D, toVec(w["model.norm.weight"]), s.eps);
    return linearOutIn(normed, T, s.D, unembedding(s, w), s.V, nullptr);
  }
  static Vec unembedding(const LlamaSpec& s, const FixtureWriter& w) {
    return toVec(w[s.tie ? "model.embed_tokens.weight" : "lm_head.weight"]);
  }
};

inline double referenceAct(const std::string& act, double x) {
  if (act == "silu") return silu(x);
  if (act == "gelu") return geluErf(x);
  if (act == "gelu_pytorch_tanh") return geluTanh(x);
  return x > 0 ? x : 0.0;  // relu
}

/// The HF forward pass of `s` on `ids`, one position, head and key at a time.
inline LlamaReference llamaReference(const LlamaSpec& s, const FixtureWriter& w,
                                     const std::vector<std::int64_t>& ids) {
  const int T = static_cast<int>(ids.size()), D = s.D, H = s.H, hd = s.headDim;
  const int q = H * hd, kv = s.KV * hd, group = H / s.KV, half = hd / 2;
  const std::vector<double> invFreq = referenceInvFreq(s);
  LlamaReference r;

  const Vec E = toVec(w["model.embed_tokens.weight"]);
  Vec x(static_cast<std::size_t>(T) * D);
  for (int t = 0; t < T; ++t)
    for (int i = 0; i < D; ++i)
      x[t * D + i] = E[ids[t] * D + i];
  r.hidden.push_back(x);

  auto weight = [&](const std::string& name) { return toVec(w[name]); };
  auto rotate = [&](Vec& m, int heads) {  // m [T, heads * hd]
    for (int t = 0; t < T; ++t)
      for (int h = 0; h < heads; ++h)
        for (int i = 0; i < half; ++i) {
          const double angle = t * invFreq[i];
          double& a = m[t * heads * hd + h * hd + i];
          double& b = m[t * heads * hd + h * hd + i + half];
          const double a0 = a, b0 = b;
          a = a0 * std::cos(angle) - b0 * std::sin(angle);
          b = b0 * std::cos(angle) + a0 * std::sin(angle);
        }
  };

  for (int l = 0; l < s.L; ++l) {
    const std::string b = "model.layers." + std::to_string(l) + ".";
    const Vec h = rmsNorm(x, T, D, weight(b + "input_layernorm.weight"), s.eps);
    std::optional<Vec> bq, bk, bv, bo;
    if (s.qkvBias()) {
      bq = weight(b + "self_attn.q_proj.bias");
      bk = weight(b + "self_attn.k_proj.bias");
      bv = weight(b + "self_attn.v_proj.bias");
    }
    if (s.oBias()) bo = weight(b + "self_attn.o_proj.bias");
    Vec Q = linearOutIn(h, T, D, weight(b + "self_attn.q_proj.weight"), q, bq ? &*bq : nullptr);
    Vec K = linearOutIn(h, T, D, weight(b + "self_attn.k_proj.weight"), kv, bk ? &*bk : nullptr);
    const Vec Vv =
        linearOutIn(h, T, D, weight(b + "self_attn.v_proj.weight"), kv, bv ? &*bv : nullptr);
    rotate(Q, H);
    rotate(K, s.KV);

    const int window = s.windowOf(l);
    Vec probs(static_cast<std::size_t>(H) * T * T, 0.0);
    Vec ctx(static_cast<std::size_t>(T) * q, 0.0);
    for (int head = 0; head < H; ++head) {
      const int kvHead = head / group;
      for (int i = 0; i < T; ++i) {
        std::vector<double> row;
        std::vector<int> keys;
        for (int j = 0; j <= i; ++j) {
          if (window > 0 && i - j >= window) continue;
          double dot = 0;
          for (int d = 0; d < hd; ++d)
            dot += Q[i * q + head * hd + d] * K[j * kv + kvHead * hd + d];
          row.push_back(dot / std::sqrt(static_cast<double>(hd)));
          keys.push_back(j);
        }
        softmaxInPlace(row.data(), static_cast<int>(row.size()));
        for (std::size_t n = 0; n < keys.size(); ++n) {
          const int j = keys[n];
          probs[(static_cast<std::size_t>(head) * T + i) * T + j] = row[n];
          for (int d = 0; d < hd; ++d)
            ctx[i * q + head * hd + d] += row[n] * Vv[j * kv + kvHead * hd + d];
        }
      }
    }
    r.attention.push_back(probs);
    const Vec attnOut =
        linearOutIn(ctx, T, q, weight(b + "self_attn.o_proj.weight"), D, bo ? &*bo : nullptr);
    for (std::size_t i = 0; i < x.size(); ++i)
      x[i] += attnOut[i];

    const Vec h2 = rmsNorm(x, T, D, weight(b + "post_attention_layernorm.weight"), s.eps);
    std::optional<Vec> bg, bu, bd;
    if (s.hasMlpBias()) {
      bg = weight(b + "mlp.gate_proj.bias");
      bu = weight(b + "mlp.up_proj.bias");
      bd = weight(b + "mlp.down_proj.bias");
    }
    const Vec g =
        linearOutIn(h2, T, D, weight(b + "mlp.gate_proj.weight"), s.I, bg ? &*bg : nullptr);
    const Vec u = linearOutIn(h2, T, D, weight(b + "mlp.up_proj.weight"), s.I, bu ? &*bu : nullptr);
    Vec m(g.size());
    for (std::size_t i = 0; i < m.size(); ++i)
      m[i] = referenceAct(s.act, g[i]) * u[i];
    const Vec down =
        linearOutIn(m, T, s.I, weight(b + "mlp.down_proj.weight"), D, bd ? &*bd : nullptr);
    for (std::size_t i = 0; i < x.size(); ++i)
      x[i] += down[i];
    if (l + 1 < s.L) r.hidden.push_back(x);
  }
  const Vec last = rmsNorm(x, T, D, weight("model.norm.weight"), s.eps);
  r.hidden.push_back(last);
  r.logits = linearOutIn(last, T, D, LlamaReference::unembedding(s, w), s.V, nullptr);
  return r;
}

}  // namespace strata::test
