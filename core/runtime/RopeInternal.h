#pragma once
// Rotary position embeddings of the Llama family, computed as transformers does
// (modeling_rope_utils' inverse frequencies, LlamaRotaryEmbedding's cos/sin tables, the
// rotate-half convention of apply_rotary_pos_emb). Frequencies and tables are float32, as in
// HF, so the phases at long positions match it rather than an exact-arithmetic ideal.
//
// Supported rope_scaling types: none / "default", "linear" (inv_freq / factor) and "llama3"
// (_compute_llama3_parameters). Others raise model.unsupported naming the type.
#include <ATen/ATen.h>

#include <string>
#include <utility>

#include "core/model/ModelConfig.h"

namespace strata::runtime {

class Rope {
 public:
  Rope() = default;
  /// Frequencies for config.headDim, config.ropeTheta and config.ropeScaling; `folder` names
  /// the model in errors.
  Rope(const ModelConfig& config, const std::string& folder, at::Device device);

  /// cos and sin tables [T, headDim] for positions 0..T-1, converted to `dtype`.
  std::pair<at::Tensor, at::Tensor> table(std::int64_t T, at::ScalarType dtype) const;

  /// x [T, heads, headDim] -> x * cos + rotate_half(x) * sin, with cos/sin from table().
  static at::Tensor apply(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

  /// [headDim / 2] float32, after scaling.
  const at::Tensor& invFreq() const { return invFreq_; }

 private:
  at::Tensor invFreq_;
  double attentionScaling_ = 1.0;  // 1 for every supported type
};

}  // namespace strata::runtime
