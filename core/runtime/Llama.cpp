// Llama-style decoders (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM) as transformers
// computes them in eager mode:
//
//   x = embed_tokens[ids]
//   per block: x += o_proj(attention(input_layernorm(x)))
//              x += down_proj(act(gate_proj(h)) * up_proj(h)),  h = post_attention_layernorm(x)
//   hidden_states[L] = norm(x); logits = lm_head(hidden_states[L]) (embed_tokens when tied)
//
// Attention: rotary q/k (RopeInternal.h), grouped-query heads (query head h reads key/value head
// h / (heads / kv_heads), as repeat_kv lays them out), scores scaled by head_dim^-0.5, causal
// mask, and the sliding window where the config puts it in effect (Mistral: every layer when
// sliding_window is set; Qwen2: with use_sliding_window, layers >= max_window_layers), which
// lets query i see key j only when i - j < sliding_window (masking_utils'
// sliding_window_overlay). Softmax in float32, as eager attention does.
#include <cmath>
#include <limits>
#include <vector>

#include "core/runtime/RopeInternal.h"
#include "core/runtime/TransformerInternal.h"
#include "core/util/Error.h"

namespace strata::runtime {

namespace {

enum class Activation : std::uint8_t { Silu, Gelu, GeluTanh, Relu };

// The ACT2FN names a Llama-family config may carry.
Activation parseActivation(const std::string& name, const std::string& folder) {
  if (name == "silu" || name == "swish") return Activation::Silu;
  if (name == "gelu") return Activation::Gelu;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast")
    return Activation::GeluTanh;
  if (name == "relu") return Activation::Relu;
  throw Error("model.unsupported",
              folder + ": hidden_act \"" + name +
                  "\" is not supported (supported: silu, gelu, gelu_new, gelu_pytorch_tanh, relu)");
}

at::Tensor activate(Activation a, const at::Tensor& x) {
  switch (a) {
    case Activation::Silu:
      return at::silu(x);
    case Activation::Gelu:
      return at::gelu(x);
    case Activation::GeluTanh:
      return at::gelu(x, "tanh");
    case Activation::Relu:
      return at::relu(x);
  }
  return x;
}

/// LlamaRMSNorm: in float32, x * rsqrt(mean(x^2) + eps), back to the input dtype, then * weight.
at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps) {
  const at::Tensor xf = x.to(at::kFloat);
  const at::Tensor normed = xf * at::rsqrt(xf.pow(2).mean(-1, true) + eps);
  return weight * normed.to(x.scalar_type());
}

struct Block {
  at::Tensor inputNorm, postNorm;
  Linear q, k, v, o;
  Linear gate, up, down;
  std::int64_t window = 0;  // sliding window of this layer; 0 = none
};

class Llama final : public Transformer {
 public:
  Llama(const ModelConfig& c, const WeightLayout& layout, const WeightReader& w)
      : heads_(c.numHeads),
        kvHeads_(c.numKvHeads),
        headDim_(c.headDim),
        eps_(c.normEps),
        activation_(parseActivation(c.activation, w.folder())),
        rope_(c, w.folder(), w.options().device) {
    const std::int64_t d = c.hiddenSize, inter = c.intermediateSize, v = c.vocabSize;
    const std::int64_t q = heads_ * headDim_, kv = kvHeads_ * headDim_;
    embed_ = w.get(layout.embedding, {v, d});
    norm_ = w.get(layout.prefix + "norm.weight", {d});
    auto bias = [&](bool present, const std::string& name, std::int64_t n) {
      return present ? std::optional<at::Tensor>(w.get(name, {n})) : std::nullopt;
    };
    for (std::int64_t i = 0; i < c.numLayers; ++i) {
      const std::string b = layout.blockPrefix + std::to_string(i) + ".";
      const std::string a = b + "self_attn.", m = b + "mlp.";
      Block blk;
      blk.inputNorm = w.get(b + "input_layernorm.weight", {d});
      blk.postNorm = w.get(b + "post_attention_layernorm.weight", {d});
      blk.q = Linear(w.get(a + "q_proj.weight", {q, d}), bias(c.qkvBias, a + "q_proj.bias", q));
      blk.k = Linear(w.get(a + "k_proj.weight", {kv, d}), bias(c.qkvBias, a + "k_proj.bias", kv));
      blk.v = Linear(w.get(a + "v_proj.weight", {kv, d}), bias(c.qkvBias, a + "v_proj.bias", kv));
      blk.o =
          Linear(w.get(a + "o_proj.weight", {d, q}), bias(c.attentionBias, a + "o_proj.bias", d));
      blk.gate = Linear(w.get(m + "gate_proj.weight", {inter, d}),
                        bias(c.mlpBias, m + "gate_proj.bias", inter));
      blk.up = Linear(w.get(m + "up_proj.weight", {inter, d}),
                      bias(c.mlpBias, m + "up_proj.bias", inter));
      blk.down = Linear(w.get(m + "down_proj.weight", {d, inter}),
                        bias(c.mlpBias, m + "down_proj.bias", d));
      if (c.slidingWindow) {
        const bool windowed =
            c.architecture == Architecture::Mistral ||
            (c.architecture == Architecture::Qwen2 && c.useSlidingWindow && i >= c.maxWindowLayers);
        if (windowed) blk.window = *c.slidingWindow;
      }
      blocks_.push_back(std::move(blk));
    }
    if (c.tieWordEmbeddings) {
      lmHead_ = Linear(embed_, std::nullopt);
      hasLogits_ = true;
    } else if (!layout.outputEmbedding.empty()) {
      lmHead_ = Linear(w.get(layout.outputEmbedding, {v, d}), std::nullopt);
      hasLogits_ = true;
    }
  }

  at::Tensor embed(const ModelInput& input) const override {
    const auto T = static_cast<std::int64_t>(input.ids.size());
    at::Tensor ids = at::empty({T}, at::kLong);
    std::copy(input.ids.begin(), input.ids.end(), ids.data_ptr<std::int64_t>());
    return at::embedding(embed_, ids.to(embed_.device()));
  }

  at::Tensor block(int layer, const at::Tensor& x, at::Tensor* attention) const override {
    const Block& blk = blocks_.at(static_cast<std::size_t>(layer));
    const std::int64_t T = x.size(0);
    const std::int64_t groups = heads_ / kvHeads_;
    const at::Tensor h = rmsNorm(x, blk.inputNorm, eps_);
    const at::Tensor probs = attentionOf(blk, h);
    if (attention) *attention = probs;

    const at::Tensor vg = blk.v(h).view({T, kvHeads_, headDim_}).transpose(0, 1);  // [kv, T, hd]
    const at::Tensor ctx =
        batchedMatmul(probs.to(x.scalar_type()).view({kvHeads_, groups * T, T}), vg, false)
            .view({heads_, T, headDim_})
            .transpose(0, 1)
            .reshape({T, heads_ * headDim_});
    const at::Tensor mid = x + blk.o(ctx);

    const at::Tensor h2 = rmsNorm(mid, blk.postNorm, eps_);
    return mid + blk.down(activate(activation_, blk.gate(h2)) * blk.up(h2));
  }

  at::Tensor attentionProbs(int layer, const at::Tensor& x) const override {
    const Block& blk = blocks_.at(static_cast<std::size_t>(layer));
    return attentionOf(blk, rmsNorm(x, blk.inputNorm, eps_));
  }

  at::Tensor finalHidden(const at::Tensor& x) const override { return rmsNorm(x, norm_, eps_); }
  bool hasLogits() const override { return hasLogits_; }
  at::Tensor logits(const at::Tensor& lastHidden) const override { return lmHead_(lastHidden); }
  bool lastHiddenNormed() const override { return true; }
  at::Tensor lensNorm(const at::Tensor& h) const override { return rmsNorm(h, norm_, eps_); }

 private:
  /// Causal (and windowed) softmax(q k^T * head_dim^-0.5) in float32, [H, T, T], for the
  /// normalised block input h.
  at::Tensor attentionOf(const Block& blk, const at::Tensor& h) const {
    const std::int64_t T = h.size(0);
    const std::int64_t groups = heads_ / kvHeads_;
    const auto [cos, sin] = rope_.table(T, h.scalar_type());
    const at::Tensor q = Rope::apply(blk.q(h).view({T, heads_, headDim_}), cos, sin);
    const at::Tensor k = Rope::apply(blk.k(h).view({T, kvHeads_, headDim_}), cos, sin);
    // The query heads of one key/value group stacked along the rows: [kv, groups * T, hd]
    // against [kv, T, hd], without materialising repeat_kv's copies.
    const at::Tensor qg = q.transpose(0, 1).reshape({kvHeads_, groups * T, headDim_});
    at::Tensor scores = batchedMatmul(qg, k.transpose(0, 1), true);
    scores.mul_(std::pow(static_cast<double>(headDim_), -0.5));  // head_dim**-0.5
    scores = scores.view({heads_, T, T}).to(at::kFloat);
    if (T > 1) {
      const at::Tensor pos = at::arange(T, at::TensorOptions().dtype(at::kLong).device(h.device()));
      const at::Tensor i = pos.unsqueeze(1), j = pos.unsqueeze(0);
      at::Tensor masked = j > i;
      if (blk.window > 0 && T > blk.window) masked = masked.logical_or(i - j >= blk.window);
      scores.masked_fill_(masked, -std::numeric_limits<float>::infinity());
    }
    return at::softmax(scores, -1);
  }

  std::int64_t heads_, kvHeads_, headDim_;
  double eps_;
  Activation activation_;
  Rope rope_;
  at::Tensor embed_, norm_;
  std::vector<Block> blocks_;
  Linear lmHead_;
  bool hasLogits_ = false;
};

}  // namespace

std::unique_ptr<Transformer> makeLlama(const ModelConfig& config, const WeightLayout& layout,
                                       const WeightReader& weights) {
  return std::make_unique<Llama>(config, layout, weights);
}

}  // namespace strata::runtime
