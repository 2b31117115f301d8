// GPT-2 (GPT2Model / GPT2LMHeadModel), following transformers' modeling_gpt2.py:
//
//   h0 = wte[ids] + wpe[0..T-1]
//   a  = x + c_proj(attn(ln_1(x)))          c_attn splits into q, k, v (in that order)
//   y  = a + mlp.c_proj(act(mlp.c_fc(ln_2(a))))
//   hidden_states[L] = ln_f(y_L);  logits = hidden_states[L] wte^T (tied) or lm_head
//
// Attention scores are q k^T divided by sqrt(head_dim) when scale_attn_weights and by
// (layer_idx + 1) when scale_attn_by_inverse_layer_idx, masked causally (masked entries get
// probability exactly 0) and normalised by a float32 softmax. reorder_and_upcast_attn only
// changes the order of those float32 operations in HF, so it needs no branch here.
// Conv1D weights are stored [in, out]; they are transposed once at load into Linear's
// [out, in]. The Hub's original files (no "transformer." prefix) also store the causal-mask
// buffers attn.bias / attn.masked_bias, which are never read.
#include <cmath>
#include <limits>
#include <vector>

#include "core/runtime/TransformerInternal.h"
#include "core/util/Error.h"

namespace strata::runtime {

namespace {

enum class Activation : std::uint8_t { GeluTanh, GeluErf, Relu, Silu, QuickGelu, Tanh, Sigmoid };

Activation parseActivation(const std::string& name, const std::string& folder) {
  // transformers' ACT2FN names; gelu_new, gelu_fast and gelu_pytorch_tanh are all the tanh
  // approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
  if (name == "gelu_new" || name == "gelu_fast" || name == "gelu_pytorch_tanh")
    return Activation::GeluTanh;
  if (name == "gelu") return Activation::GeluErf;
  if (name == "relu") return Activation::Relu;
  if (name == "silu" || name == "swish") return Activation::Silu;
  if (name == "quick_gelu") return Activation::QuickGelu;
  if (name == "tanh") return Activation::Tanh;
  if (name == "sigmoid") return Activation::Sigmoid;
  throw Error("model.unsupported",
              folder + "/config.json: activation_function '" + name +
                  "' is not supported (gelu_new, gelu_fast, gelu_pytorch_tanh, gelu, relu, silu, "
                  "swish, quick_gelu, tanh, sigmoid)");
}

at::Tensor activate(Activation a, const at::Tensor& x) {
  switch (a) {
    case Activation::GeluTanh:
      return at::gelu(x, "tanh");
    case Activation::GeluErf:
      return at::gelu(x);
    case Activation::Relu:
      return at::relu(x);
    case Activation::Silu:
      return at::silu(x);
    case Activation::QuickGelu:
      return x * at::sigmoid(x * 1.702);
    case Activation::Tanh:
      return at::tanh(x);
    case Activation::Sigmoid:
      return at::sigmoid(x);
  }
  return x;
}

struct Norm {
  at::Tensor weight, bias;
};

struct Block {
  Norm ln1, ln2;
  Linear cAttn, attnProj, fc, mlpProj;
  double scoreDivisor = 1.0;
};

class Gpt2 final : public Transformer {
 public:
  Gpt2(const ModelConfig& c, const WeightLayout& layout, const WeightReader& w)
      : d_(c.hiddenSize),
        heads_(c.numHeads),
        headDim_(c.hiddenSize / c.numHeads),
        eps_(c.normEps),
        act_(parseActivation(c.activation, w.folder())) {
    const std::int64_t inner = c.intermediateSize;
    const std::string& p = layout.prefix;
    wte_ = w.get(layout.embedding, {c.vocabSize, d_});
    wpe_ = w.get(p + "wpe.weight", {c.maxPositions, d_});
    lnF_ = norm(w, p + "ln_f.");
    // Conv1D [in, out] -> Linear [out, in].
    auto conv1d = [&](const std::string& name, std::int64_t in, std::int64_t out) {
      return Linear(w.get(name + ".weight", {in, out}).t().contiguous(),
                    w.getOptional(name + ".bias", {out}));
    };
    for (std::int64_t i = 0; i < c.numLayers; ++i) {
      const std::string b = layout.blockPrefix + std::to_string(i) + ".";
      Block blk;
      blk.ln1 = norm(w, b + "ln_1.");
      blk.ln2 = norm(w, b + "ln_2.");
      blk.cAttn = conv1d(b + "attn.c_attn", d_, 3 * d_);
      blk.attnProj = conv1d(b + "attn.c_proj", d_, d_);
      blk.fc = conv1d(b + "mlp.c_fc", d_, inner);
      blk.mlpProj = conv1d(b + "mlp.c_proj", inner, d_);
      if (c.scaleAttnWeights) blk.scoreDivisor = std::sqrt(static_cast<double>(headDim_));
      if (c.scaleAttnByInverseLayerIdx) blk.scoreDivisor *= static_cast<double>(i + 1);
      blocks_.push_back(std::move(blk));
    }
    // HF ties lm_head to wte unless tie_word_embeddings is false; an untied checkpoint
    // without lm_head.weight is a bare GPT2Model (no logits).
    if (c.tieWordEmbeddings) {
      head_ = Linear(wte_, std::nullopt);
      hasHead_ = true;
    } else if (!layout.outputEmbedding.empty()) {
      head_ = Linear(w.get(layout.outputEmbedding, {c.vocabSize, d_}), std::nullopt);
      hasHead_ = true;
    }
  }

  at::Tensor embed(const ModelInput& input) const override {
    const auto T = static_cast<std::int64_t>(input.ids.size());
    const at::Tensor ids = at::tensor(at::IntArrayRef(input.ids), at::kLong).to(wte_.device());
    return at::embedding(wte_, ids) + wpe_.narrow(0, 0, T);
  }

  at::Tensor block(int layer, const at::Tensor& x, at::Tensor* attention) const override {
    const Block& b = blocks_.at(static_cast<std::size_t>(layer));
    const std::int64_t T = x.size(0);
    const at::Tensor qkv = b.cAttn(layerNorm(x, b.ln1));  // [T, 3D]
    const at::Tensor probs = attentionOf(b, qkv);
    if (attention) *attention = probs;
    const at::Tensor context = batchedMatmul(probs.to(qkv.scalar_type()), headsOf(qkv, 2), false)
                                   .transpose(0, 1)
                                   .reshape({T, d_});
    at::Tensor a = b.attnProj(context);
    a.add_(x);
    at::Tensor y = b.mlpProj(activate(act_, b.fc(layerNorm(a, b.ln2))));
    y.add_(a);
    return y;
  }

  at::Tensor attentionProbs(int layer, const at::Tensor& x) const override {
    const Block& b = blocks_.at(static_cast<std::size_t>(layer));
    return attentionOf(b, b.cAttn(layerNorm(x, b.ln1)));
  }

  at::Tensor finalHidden(const at::Tensor& x) const override { return layerNorm(x, lnF_); }
  bool hasLogits() const override { return hasHead_; }
  at::Tensor logits(const at::Tensor& lastHidden) const override { return head_(lastHidden); }
  bool lastHiddenNormed() const override { return true; }
  at::Tensor lensNorm(const at::Tensor& h) const override { return layerNorm(h, lnF_); }

 private:
  Norm norm(const WeightReader& w, const std::string& name) const {
    return {w.get(name + "weight", {d_}), w.get(name + "bias", {d_})};
  }
  /// Part i (0 = q, 1 = k, 2 = v) of the fused projection as [H, T, head_dim].
  at::Tensor headsOf(const at::Tensor& qkv, std::int64_t i) const {
    return qkv.narrow(1, i * d_, d_).view({qkv.size(0), heads_, headDim_}).transpose(0, 1);
  }
  /// Causal softmax(q k^T / divisor) in float32, [H, T, T]. Masked entries are -inf, so
  /// their probabilities are exactly 0 (HF uses finfo.min, which also underflows to 0).
  at::Tensor attentionOf(const Block& b, const at::Tensor& qkv) const {
    const std::int64_t T = qkv.size(0);
    const at::Tensor q = headsOf(qkv, 0), k = headsOf(qkv, 1);
    const at::Tensor mask =
        at::zeros({T, T}, q.options())
            .masked_fill_(at::ones({T, T}, q.options().dtype(at::kBool)).triu(1),
                          -std::numeric_limits<double>::infinity());
    at::Tensor scores = batchedMatmul(q, k, true);
    scores.mul_(1.0 / b.scoreDivisor).add_(mask);
    return at::softmax(scores.to(at::kFloat), -1);
  }
  at::Tensor layerNorm(const at::Tensor& x, const Norm& n) const {
    return at::layer_norm(x, {d_}, n.weight, n.bias, eps_);
  }

  std::int64_t d_, heads_, headDim_;
  double eps_;
  Activation act_;
  at::Tensor wte_, wpe_;
  Norm lnF_;
  std::vector<Block> blocks_;
  Linear head_;
  bool hasHead_ = false;
};

}  // namespace

std::unique_ptr<Transformer> makeGpt2(const ModelConfig& config, const WeightLayout& layout,
                                      const WeightReader& weights) {
  return std::make_unique<Gpt2>(config, layout, weights);
}

}  // namespace strata::runtime
