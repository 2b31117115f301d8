#include "core/runtime/RopeInternal.h"

#include <cmath>

#include "core/util/Error.h"

namespace strata::runtime {

namespace {

// _compute_default_rope_parameters: 1 / base^(arange(0, dim, 2) / dim), in float32.
at::Tensor defaultInvFreq(std::int64_t dim, double base) {
  const at::Tensor exponent =
      at::arange(0, dim, 2, at::kLong).to(at::kFloat) / static_cast<double>(dim);
  return at::pow(at::Scalar(base), exponent).reciprocal();
}

// _compute_llama3_parameters, step by step in float32 as transformers computes it.
at::Tensor llama3InvFreq(const at::Tensor& invFreq, const RopeScaling& s) {
  const double factor = s.factor;
  const double low = s.lowFreqFactor;
  const double high = s.highFreqFactor;
  const auto oldContext = static_cast<double>(s.originalMaxPositionEmbeddings);
  const double lowFreqWavelen = oldContext / low;
  const double highFreqWavelen = oldContext / high;
  // Python's `scalar / tensor` is tensor.reciprocal() * scalar; kept so for equal rounding.
  const at::Tensor wavelen = invFreq.reciprocal() * (2.0 * M_PI);
  at::Tensor scaled = at::where(wavelen > lowFreqWavelen, invFreq / factor, invFreq);
  const at::Tensor smooth = (wavelen.reciprocal() * oldContext - low) / (high - low);
  const at::Tensor smoothed = (1.0 - smooth) * scaled / factor + smooth * scaled;
  const at::Tensor medium = at::logical_not(wavelen < highFreqWavelen)
                                .logical_and(at::logical_not(wavelen > lowFreqWavelen));
  return at::where(medium, smoothed, scaled);
}

}  // namespace

Rope::Rope(const ModelConfig& config, const std::string& folder, at::Device device) {
  const std::int64_t dim = config.headDim;
  if (dim % 2 != 0)
    throw Error("model.unsupported",
                folder + ": rotary embeddings need an even head_dim, got " + std::to_string(dim));
  at::Tensor invFreq = defaultInvFreq(dim, config.ropeTheta);
  if (config.ropeScaling) {
    const RopeScaling& s = *config.ropeScaling;
    if (s.ropeType == "linear") {
      invFreq = invFreq / s.factor;
    } else if (s.ropeType == "llama3") {
      if (s.originalMaxPositionEmbeddings <= 0)
        throw Error(
            "model.unsupported",
            folder + ": rope_scaling of type llama3 needs original_max_position_embeddings");
      invFreq = llama3InvFreq(invFreq, s);
    } else if (s.ropeType != "default") {
      throw Error("model.unsupported",
                  folder + ": rope_scaling of type \"" + s.ropeType +
                      "\" is not supported (supported: default, linear, llama3)");
    }
  }
  invFreq_ = invFreq.to(device).contiguous();
}

std::pair<at::Tensor, at::Tensor> Rope::table(std::int64_t T, at::ScalarType dtype) const {
  // LlamaRotaryEmbedding.forward: freqs = inv_freq (x) positions in float32, emb = [freqs, freqs].
  const at::Tensor positions = at::arange(T, invFreq_.options());
  const at::Tensor freqs = at::outer(positions, invFreq_);
  const at::Tensor emb = at::cat({freqs, freqs}, -1);
  at::Tensor cos = emb.cos();
  at::Tensor sin = emb.sin();
  if (attentionScaling_ != 1.0) {
    cos = cos * attentionScaling_;
    sin = sin * attentionScaling_;
  }
  return {cos.to(dtype), sin.to(dtype)};
}

at::Tensor Rope::apply(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  const std::int64_t half = x.size(-1) / 2;
  const at::Tensor x1 = x.narrow(-1, 0, half);
  const at::Tensor x2 = x.narrow(-1, half, half);
  const at::Tensor rotated = at::cat({-x2, x1}, -1);
  const at::Tensor c = cos.unsqueeze(1);  // [T, 1, headDim] over the heads
  const at::Tensor s = sin.unsqueeze(1);
  return x * c + rotated * s;
}

}  // namespace strata::runtime
