#pragma once
// Internal (LibTorch) interface of one model family's forward pass. Model.cpp owns the
// generic capture loop; each family implements these steps on a single sequence
// (no batch dimension): activations are [T, D] float tensors on the model's device.
//
//   h0 = embed(input)                      hidden_states[0]
//   h{l+1} = block(l, h{l}, attn?)         output of block l (attention probs [H,T,T] if asked)
//   hidden_states[L] = finalHidden(hL)     final norm where HF applies it, else identity
//   logits = logits(hidden_states[L])      [T, V] or [1, labels]
//   lensNorm(h)                            the final norm alone (logit lens); identity if none
#include <ATen/ATen.h>

#include <memory>
#include <optional>
#include <string>

#include "core/io/Checkpoint.h"
#include "core/model/ModelConfig.h"
#include "core/model/ModelWeights.h"
#include "core/runtime/Model.h"

namespace strata::runtime {

class Transformer {
 public:
  virtual ~Transformer() = default;
  virtual at::Tensor embed(const ModelInput& input) const = 0;
  /// One block. When `attention` is non-null, stores the softmax probabilities [H, T, T]
  /// (float32) there.
  virtual at::Tensor block(int layer, const at::Tensor& x, at::Tensor* attention) const = 0;
  /// Attention probabilities [H, T, T] of block `layer` for input x, without the rest of the
  /// block. The default runs the whole block; families override it with the attention half.
  virtual at::Tensor attentionProbs(int layer, const at::Tensor& x) const {
    at::Tensor probs;
    block(layer, x, &probs);
    return probs;
  }
  virtual at::Tensor finalHidden(const at::Tensor& x) const = 0;
  /// False when the checkpoint has no output head (BertModel without MLM head, ViTModel).
  virtual bool hasLogits() const = 0;
  virtual at::Tensor logits(const at::Tensor& lastHidden) const = 0;
  /// True when hidden_states[L] is already normalised (GPT-2, Llama): the lens then uses it
  /// as is at index L.
  virtual bool lastHiddenNormed() const = 0;
  virtual at::Tensor lensNorm(const at::Tensor& h) const = 0;
  /// Unembedding for the logit lens ([T, D] -> [T, V]); the LM head for decoders.
  virtual bool hasUnembedding() const { return hasLogits(); }
  virtual at::Tensor unembed(const at::Tensor& normed) const { return logits(normed); }
};

struct WeightOptions {
  at::ScalarType dtype = at::kFloat;  ///< compute dtype (kFloat, or kBFloat16)
  at::Device device = at::kCPU;
};

/// Reads checkpoint tensors as compute-ready at::Tensors. Every getter checks the shape and
/// raises strata::Error("model.missing_tensor" / "model.shape_mismatch") naming the folder
/// and tensor.
class WeightReader {
 public:
  WeightReader(const Checkpoint& checkpoint, std::string folder, WeightOptions options);
  bool has(const std::string& name) const;
  /// float32 copy of the tensor, converted to the compute dtype and device.
  at::Tensor get(const std::string& name, at::IntArrayRef expectedShape) const;
  /// The tensor when present, else nullopt (shape checked when present).
  std::optional<at::Tensor> getOptional(const std::string& name,
                                        at::IntArrayRef expectedShape) const;
  const WeightOptions& options() const { return options_; }
  const std::string& folder() const { return folder_; }

 private:
  const Checkpoint& checkpoint_;
  std::string folder_;
  WeightOptions options_;
};

/// y = x W^T + b for x [T, in], W [out, in]. The one place that picks the GEMM path
/// (oneDNN, BLAS, bf16); every family uses it for every projection.
class Linear {
 public:
  Linear() = default;
  Linear(at::Tensor weight, std::optional<at::Tensor> bias);
  at::Tensor operator()(const at::Tensor& x) const;
  std::int64_t inFeatures() const { return weight_.size(1); }
  std::int64_t outFeatures() const { return weight_.size(0); }
  const at::Tensor& weight() const { return weight_; }

 private:
  at::Tensor weight_;  // [out, in]
  std::optional<at::Tensor> bias_;
};

/// Batched product a [B, M, K] x b^T for b [B, N, K] -> [B, M, N] (transposeB), or
/// a [B, M, K] x b [B, K, N] -> [B, M, N]. Float32 on the CPU goes through oneDNN per batch
/// entry (2-3x faster than the BLAS bmm here, same result to float rounding); other cases
/// use at::bmm.
at::Tensor batchedMatmul(const at::Tensor& a, const at::Tensor& b, bool transposeB);

/// Family factories. Each reads every tensor it needs through `weights` (names per
/// core/model/ModelWeights.h; the layout's prefix is already detected).
std::unique_ptr<Transformer> makeGpt2(const ModelConfig& config, const WeightLayout& layout,
                                      const WeightReader& weights);
std::unique_ptr<Transformer> makeLlama(const ModelConfig& config, const WeightLayout& layout,
                                       const WeightReader& weights);
std::unique_ptr<Transformer> makeBert(const ModelConfig& config, const WeightLayout& layout,
                                      const WeightReader& weights);
std::unique_ptr<Transformer> makeVit(const ModelConfig& config, const WeightLayout& layout,
                                     const WeightReader& weights);

}  // namespace strata::runtime
