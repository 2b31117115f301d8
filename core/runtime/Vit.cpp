// ViT (ViTModel / ViTForImageClassification), following transformers' modeling_vit.py:
//
//   x0  = [cls_token ; Conv2d_{k=s=patch}(pixel_values) flattened row-major] + position_embeddings
//   block l:  h = x + W_o Attn(layernorm_before(x))            (bidirectional, q/k/v bias =
//             y = h + W_2 act(W_1 layernorm_after(h))            qkv_bias, scale head_dim^-1/2)
//   hidden_states[l] = x_l for l = 0..L (the encoder's; the last one is BEFORE `layernorm`)
//   logits = classifier(layernorm(x_L)[CLS])                     [1, num_labels]
//
// The patch convolution (kernel = stride = patch) is a matrix product over unfolded patches,
// run through Linear like every other projection.
//
// Logit lens: hasUnembedding() is false. The only head is a classifier that HF applies to the
// CLS token alone after the final layernorm; there is no vocabulary to read patch tokens out
// into, so a per-position lens would not be the model's own readout. (A CLS-only "classifier
// lens" would be a separate analysis.)
#include <cmath>

#include "core/runtime/TransformerInternal.h"
#include "core/util/Error.h"

namespace strata::runtime {

namespace {

struct Norm {
  at::Tensor weight, bias;
};

struct VitBlock {
  Norm before, after;
  Linear query, key, value, attnOut, up, down;
};

enum class Act : std::uint8_t { GeluErf, GeluTanh, QuickGelu, Relu, Silu };

Act parseActivation(const ModelConfig& c, const std::string& folder) {
  const std::string& a = c.activation;
  if (a == "gelu") return Act::GeluErf;
  if (a == "gelu_new" || a == "gelu_pytorch_tanh" || a == "gelu_fast") return Act::GeluTanh;
  if (a == "quick_gelu") return Act::QuickGelu;
  if (a == "relu") return Act::Relu;
  if (a == "silu" || a == "swish") return Act::Silu;
  throw Error("model.unsupported",
              folder + ": hidden_act '" + a +
                  "' is not supported for ViT (gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, "
                  "quick_gelu, relu, silu)");
}

class Vit final : public Transformer {
 public:
  Vit(const ModelConfig& config, const WeightLayout& layout, const WeightReader& w)
      : c_(config),
        act_(parseActivation(config, w.folder())),
        dtype_(w.options().dtype),
        device_(w.options().device) {
    const std::int64_t D = c_.hiddenSize, I = c_.intermediateSize;
    const std::int64_t P = c_.patchSize, C = c_.numChannels;
    const std::string e = layout.prefix + "embeddings.";
    const at::Tensor proj = w.get(layout.embedding, {D, C, P, P});
    patch_ = Linear(proj.reshape({D, C * P * P}),
                    w.getOptional(e + "patch_embeddings.projection.bias", {D}));
    cls_ = w.get(e + "cls_token", {1, 1, D}).reshape({1, D});
    positions_ = w.get(e + "position_embeddings", {1, c_.numPatches() + 1, D})
                     .reshape({c_.numPatches() + 1, D});
    auto norm = [&](const std::string& name) {
      return Norm{w.get(name + ".weight", {D}), w.get(name + ".bias", {D})};
    };
    auto linear = [&](const std::string& name, std::int64_t out, std::int64_t in, bool bias) {
      std::optional<at::Tensor> b;
      if (bias) b = w.get(name + ".bias", {out});
      return Linear(w.get(name + ".weight", {out, in}), std::move(b));
    };
    for (std::int64_t l = 0; l < c_.numLayers; ++l) {
      const std::string b = layout.blockPrefix + std::to_string(l) + ".";
      const std::string sa = b + "attention.attention.";
      VitBlock blk;
      blk.before = norm(b + "layernorm_before");
      blk.after = norm(b + "layernorm_after");
      blk.query = linear(sa + "query", D, D, c_.qkvBias);
      blk.key = linear(sa + "key", D, D, c_.qkvBias);
      blk.value = linear(sa + "value", D, D, c_.qkvBias);
      blk.attnOut = linear(b + "attention.output.dense", D, D, true);
      blk.up = linear(b + "intermediate.dense", I, D, true);
      blk.down = linear(b + "output.dense", D, I, true);
      blocks_.push_back(std::move(blk));
    }
    final_ = norm(layout.prefix + "layernorm");
    const auto labels = static_cast<std::int64_t>(c_.labels.size());
    if (w.has("classifier.weight")) {
      classifier_ = linear("classifier", labels, D, w.has("classifier.bias"));
      hasClassifier_ = true;
    }
  }

  at::Tensor embed(const ModelInput& input) const override {
    const std::int64_t C = c_.numChannels, S = c_.imageSize, P = c_.patchSize;
    const std::int64_t n = S / P;
    // Model::run has checked the shape [C, S, S]; a conv with stride P ignores any remainder
    // rows / columns when S is not a multiple of P, as PyTorch does.
    const at::Tensor px = at::from_blob(const_cast<float*>(input.pixels.data.data()), {C, S, S},
                                        at::TensorOptions().dtype(at::kFloat))
                              .to(device_, dtype_, /*non_blocking=*/false, /*copy=*/true);
    const at::Tensor patches = px.narrow(1, 0, n * P)
                                   .narrow(2, 0, n * P)
                                   .reshape({C, n, P, n, P})
                                   .permute({1, 3, 0, 2, 4})  // [row, col, C, P, P]
                                   .reshape({n * n, C * P * P});
    return at::cat({cls_, patch_(patches)}, 0) + positions_;
  }

  at::Tensor block(int layer, const at::Tensor& x, at::Tensor* attention) const override {
    const VitBlock& b = blocks_[static_cast<std::size_t>(layer)];
    const std::int64_t T = x.size(0), D = c_.hiddenSize;
    const at::Tensor h = layerNorm(x, b.before);
    const at::Tensor probs = attentionOf(b, h);
    if (attention) *attention = probs;
    const at::Tensor context = batchedMatmul(probs.to(h.scalar_type()), headsOf(b.value(h)), false)
                                   .transpose(0, 1)
                                   .reshape({T, D});
    const at::Tensor mid = x + b.attnOut(context);
    return mid + b.down(activate(b.up(layerNorm(mid, b.after))));
  }

  at::Tensor attentionProbs(int layer, const at::Tensor& x) const override {
    const VitBlock& b = blocks_[static_cast<std::size_t>(layer)];
    return attentionOf(b, layerNorm(x, b.before));
  }

  at::Tensor finalHidden(const at::Tensor& x) const override { return x; }
  bool hasLogits() const override { return hasClassifier_; }
  at::Tensor logits(const at::Tensor& lastHidden) const override {
    return classifier_(layerNorm(lastHidden, final_).narrow(0, 0, 1));
  }
  bool lastHiddenNormed() const override { return false; }
  at::Tensor lensNorm(const at::Tensor& h) const override { return layerNorm(h, final_); }
  bool hasUnembedding() const override { return false; }
  at::Tensor unembed(const at::Tensor&) const override {
    throw Error("run.no_unembedding",
                "a ViT has no unembedding: its classifier reads only the CLS token");
  }

 private:
  /// [T, D] -> [H, T, head_dim].
  at::Tensor headsOf(const at::Tensor& t) const {
    return t.view({t.size(0), c_.numHeads, c_.headDim}).transpose(0, 1);
  }
  /// softmax(q k^T / sqrt(head_dim)) of the normalised input h, float32 as
  /// eager_attention_forward, [H, T, T].
  at::Tensor attentionOf(const VitBlock& b, const at::Tensor& h) const {
    const at::Tensor scores = batchedMatmul(headsOf(b.query(h)), headsOf(b.key(h)), true) *
                              (1.0 / std::sqrt(static_cast<double>(c_.headDim)));
    return at::softmax(scores, -1, at::kFloat);
  }

  at::Tensor layerNorm(const at::Tensor& x, const Norm& n) const {
    return at::layer_norm(x, {c_.hiddenSize}, n.weight, n.bias, c_.normEps);
  }
  at::Tensor activate(const at::Tensor& x) const {
    switch (act_) {
      case Act::GeluErf:
        return at::gelu(x);
      case Act::GeluTanh:
        return at::gelu(x, "tanh");
      case Act::QuickGelu:
        return x * at::sigmoid(1.702 * x);
      case Act::Relu:
        return at::relu(x);
      case Act::Silu:
        return at::silu(x);
    }
    return x;
  }

  ModelConfig c_;
  Act act_;
  at::ScalarType dtype_;
  at::Device device_;
  Linear patch_;
  at::Tensor cls_, positions_;
  std::vector<VitBlock> blocks_;
  Norm final_;
  Linear classifier_;
  bool hasClassifier_ = false;
};

}  // namespace

std::unique_ptr<Transformer> makeVit(const ModelConfig& config, const WeightLayout& layout,
                                     const WeightReader& weights) {
  return std::make_unique<Vit>(config, layout, weights);
}

}  // namespace strata::runtime
