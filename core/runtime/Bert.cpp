// BERT and RoBERTa encoders, as Hugging Face's BertModel / BertForMaskedLM and RobertaModel /
// RobertaForMaskedLM run one unpadded sequence (no attention mask, dropout off):
//
//   h0 = LayerNorm(word[ids] + token_type[types] + position[pos])
//        pos = 0..T-1 (BERT); RoBERTa's create_position_ids_from_input_ids: a pad token gets
//        padding_idx, any other token padding_idx + (number of non-pad tokens up to it)
//   a  = LayerNorm(h + dense(attention(h)))      post-LN, bidirectional, scale 1/sqrt(head_dim)
//   h' = LayerNorm(a + dense(act(dense(a))))     act = hidden_act
//
// There is no final norm: hidden_states[L] is the last block's output. The masked-LM head,
// when stored, is dense -> act -> LayerNorm -> decoder (+ bias), with act = hidden_act for
// BERT (BertPredictionHeadTransform) and always erf-GELU for RoBERTa (RobertaLMHead).
//
// Logit lens: an encoder has no final norm to borrow, and the head's transform
// (dense + act + LayerNorm) is a learnt non-linear map, not a normalisation that could be
// split off. The one readout that the model itself defines from a hidden state to token
// probabilities is the whole MLM head, so lensNorm is the identity and unembed(h) is the full
// head; at index L this gives exactly the model's logits (KL to final = 0). Without a head
// there is no readout and hasUnembedding() is false.
#include <cmath>

#include "core/runtime/TransformerInternal.h"
#include "core/util/Error.h"

namespace strata::runtime {

namespace {

enum class Activation : std::uint8_t { GeluErf, GeluTanh, QuickGelu, Relu, Silu, Tanh };

/// transformers' ACT2FN names that BERT-family checkpoints use.
Activation parseActivation(const std::string& name, const std::string& folder) {
  if (name == "gelu" || name == "gelu_python") return Activation::GeluErf;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast")
    return Activation::GeluTanh;
  if (name == "quick_gelu") return Activation::QuickGelu;
  if (name == "relu") return Activation::Relu;
  if (name == "silu" || name == "swish") return Activation::Silu;
  if (name == "tanh") return Activation::Tanh;
  throw Error("model.unsupported",
              folder + "/config.json: hidden_act \"" + name +
                  "\" is not supported (gelu, gelu_python, gelu_new, gelu_pytorch_tanh, "
                  "gelu_fast, quick_gelu, relu, silu, swish, tanh)");
}

at::Tensor activate(Activation a, const at::Tensor& x) {
  switch (a) {
    case Activation::GeluErf:
      return at::gelu(x);
    case Activation::GeluTanh:
      return at::gelu(x, "tanh");
    case Activation::QuickGelu:
      return x * at::sigmoid(x * 1.702);
    case Activation::Relu:
      return at::relu(x);
    case Activation::Silu:
      return at::silu(x);
    case Activation::Tanh:
      return at::tanh(x);
  }
  return x;
}

/// LayerNorm computed in float32 whatever the compute dtype (as the mean and variance need).
struct LayerNorm {
  at::Tensor weight, bias;  // float32
  double eps = 1e-12;
  at::Tensor operator()(const at::Tensor& x) const {
    return at::layer_norm(x.to(at::kFloat), {weight.size(0)}, weight, bias, eps)
        .to(x.scalar_type());
  }
};

/// Reads `base`.weight/.bias, or the TensorFlow-era `base`.gamma/.beta of older BERT saves.
LayerNorm readLayerNorm(const WeightReader& r, const std::string& base, std::int64_t d,
                        double eps) {
  const bool old = !r.has(base + ".weight") && r.has(base + ".gamma");
  LayerNorm n;
  n.weight = r.get(base + (old ? ".gamma" : ".weight"), {d}).to(at::kFloat);
  n.bias = r.get(base + (old ? ".beta" : ".bias"), {d}).to(at::kFloat);
  n.eps = eps;
  return n;
}

Linear readLinear(const WeightReader& r, const std::string& base, std::int64_t out,
                  std::int64_t in) {
  return Linear(r.get(base + ".weight", {out, in}), r.get(base + ".bias", {out}));
}

/// The first of `names` that is stored, else the first (so the error names the usual one).
std::string firstStored(const WeightReader& r, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (r.has(n)) return n;
  return *names.begin();
}

struct EncoderBlock {
  Linear qkv;  // query, key and value stacked into one [3D, D] projection
  Linear attnOut;
  LayerNorm attnNorm;
  Linear intermediate;
  Linear output;
  LayerNorm outputNorm;
};

struct MlmHead {
  Linear dense;
  Activation act = Activation::GeluErf;
  LayerNorm norm;
  Linear decoder;  // [V, D], the word embedding itself when tied
};

class Bert final : public Transformer {
 public:
  Bert(const ModelConfig& c, const WeightLayout& layout, const WeightReader& r)
      : roberta_(c.architecture == Architecture::Roberta),
        heads_(c.numHeads),
        headDim_(c.hiddenSize / c.numHeads),
        device_(r.options().device) {
    const std::string& folder = r.folder();
    if (c.positionEmbeddingType != "absolute")
      throw Error("model.unsupported",
                  folder + "/config.json: position_embedding_type \"" + c.positionEmbeddingType +
                      "\" is not supported; only \"absolute\" position embeddings are");
    const std::int64_t d = c.hiddenSize, inter = c.intermediateSize, v = c.vocabSize;
    const double eps = c.normEps;
    act_ = parseActivation(c.activation, folder);
    if (roberta_) padIdx_ = c.positionOffset - 1;

    const std::string e = layout.prefix + "embeddings.";
    word_ = r.get(layout.embedding, {v, d});
    position_ = r.get(e + "position_embeddings.weight", {c.maxPositions, d});
    tokenType_ = r.get(e + "token_type_embeddings.weight", {c.typeVocabSize, d});
    embedNorm_ = readLayerNorm(r, e + "LayerNorm", d, eps);

    for (std::int64_t i = 0; i < c.numLayers; ++i) {
      const std::string b = layout.blockPrefix + std::to_string(i) + ".";
      const std::string s = b + "attention.self.";
      EncoderBlock blk;
      blk.qkv = Linear(at::cat({r.get(s + "query.weight", {d, d}), r.get(s + "key.weight", {d, d}),
                                r.get(s + "value.weight", {d, d})}),
                       at::cat({r.get(s + "query.bias", {d}), r.get(s + "key.bias", {d}),
                                r.get(s + "value.bias", {d})}));
      blk.attnOut = readLinear(r, b + "attention.output.dense", d, d);
      blk.attnNorm = readLayerNorm(r, b + "attention.output.LayerNorm", d, eps);
      blk.intermediate = readLinear(r, b + "intermediate.dense", inter, d);
      blk.output = readLinear(r, b + "output.dense", d, inter);
      blk.outputNorm = readLayerNorm(r, b + "output.LayerNorm", d, eps);
      blocks_.push_back(std::move(blk));
    }
    readHead(c, layout, r);
  }

  at::Tensor embed(const ModelInput& input) const override {
    const auto T = static_cast<std::int64_t>(input.ids.size());
    const auto longs = at::TensorOptions().dtype(at::kLong);
    const at::Tensor ids = at::tensor(at::IntArrayRef(input.ids), longs);
    at::Tensor positions;
    if (roberta_) {
      const at::Tensor notPad = ids.ne(padIdx_).to(at::kLong);
      positions = at::cumsum(notPad, 0) * notPad + padIdx_;
    } else {
      positions = at::arange(T, longs);
    }
    const at::Tensor types = input.tokenTypeIds.empty()
                                 ? at::zeros({T}, longs)
                                 : at::tensor(at::IntArrayRef(input.tokenTypeIds), longs);
    const at::Tensor x = at::embedding(word_, ids.to(device_)) +
                         at::embedding(tokenType_, types.to(device_)) +
                         at::embedding(position_, positions.to(device_));
    return embedNorm_(x);
  }

  at::Tensor block(int layer, const at::Tensor& x, at::Tensor* attention) const override {
    const EncoderBlock& b = blocks_.at(static_cast<std::size_t>(layer));
    const std::int64_t T = x.size(0), D = x.size(1);
    const at::Tensor qkv = headsOf(b, x);
    const at::Tensor probs = attentionOf(qkv);
    if (attention) *attention = probs.contiguous();
    const at::Tensor context =
        batchedMatmul(probs.to(x.scalar_type()), qkv[2], false).transpose(0, 1).reshape({T, D});
    const at::Tensor a = b.attnNorm(b.attnOut(context) + x);
    return b.outputNorm(b.output(activate(act_, b.intermediate(a))) + a);
  }

  at::Tensor attentionProbs(int layer, const at::Tensor& x) const override {
    return attentionOf(headsOf(blocks_.at(static_cast<std::size_t>(layer)), x));
  }

  at::Tensor finalHidden(const at::Tensor& x) const override { return x; }
  bool hasLogits() const override { return head_.has_value(); }
  at::Tensor logits(const at::Tensor& lastHidden) const override {
    const MlmHead& h = head_.value();
    return h.decoder(h.norm(activate(h.act, h.dense(lastHidden))));
  }
  bool lastHiddenNormed() const override { return false; }
  // See the top of this file: the lens reads every layer through the full MLM head.
  at::Tensor lensNorm(const at::Tensor& h) const override { return h; }

 private:
  /// q, k, v of a block as [3, H, T, head_dim].
  at::Tensor headsOf(const EncoderBlock& b, const at::Tensor& x) const {
    return b.qkv(x).view({x.size(0), 3, heads_, headDim_}).permute({1, 2, 0, 3});
  }
  /// Bidirectional softmax(q k^T / sqrt(head_dim)), scores and softmax in float32 as HF
  /// upcasts attention for half-precision weights: [H, T, T].
  at::Tensor attentionOf(const at::Tensor& qkv) const {
    const double scale = 1.0 / std::sqrt(static_cast<double>(headDim_));
    const at::Tensor scores = batchedMatmul(qkv[0], qkv[1], true).to(at::kFloat) * scale;
    return at::softmax(scores, -1);
  }

  void readHead(const ModelConfig& c, const WeightLayout& layout, const WeightReader& r) {
    const std::int64_t d = c.hiddenSize, v = c.vocabSize;
    const std::string p = roberta_ ? "lm_head." : "cls.predictions.";
    const std::string dense = roberta_ ? p + "dense" : p + "transform.dense";
    if (!r.has(dense + ".weight")) return;  // a base model: no logits
    // Built in place: moving a Linear out of a local trips GCC's -Wmaybe-uninitialized on
    // its optional bias.
    MlmHead& h = head_.emplace();
    h.dense = readLinear(r, dense, d, d);
    // RobertaLMHead calls gelu() directly; BertPredictionHeadTransform uses hidden_act.
    h.act = roberta_ ? Activation::GeluErf : act_;
    h.norm =
        readLayerNorm(r, roberta_ ? p + "layer_norm" : p + "transform.LayerNorm", d, c.normEps);
    // The decoder's bias is one parameter saved under either name (decoder.bias is tied to it).
    const std::string biasName = p + "bias", decoderBias = p + "decoder.bias";
    const at::Tensor bias = r.get(firstStored(r, {biasName.c_str(), decoderBias.c_str()}), {v});
    at::Tensor weight;
    if (c.tieWordEmbeddings) {
      weight = word_;  // HF ties the decoder to the input embedding, ignoring a stored copy
    } else {
      const std::string name =
          layout.outputEmbedding.empty() ? p + "decoder.weight" : layout.outputEmbedding;
      weight = r.get(name, {v, d});
    }
    h.decoder = Linear(weight, bias);
  }

  bool roberta_;
  std::int64_t heads_, headDim_;
  at::Device device_;
  std::int64_t padIdx_ = 0;
  Activation act_ = Activation::GeluErf;
  at::Tensor word_, position_, tokenType_;
  LayerNorm embedNorm_;
  std::vector<EncoderBlock> blocks_;
  std::optional<MlmHead> head_;
};

}  // namespace

std::unique_ptr<Transformer> makeBert(const ModelConfig& config, const WeightLayout& layout,
                                      const WeightReader& weights) {
  return std::make_unique<Bert>(config, layout, weights);
}

}  // namespace strata::runtime
