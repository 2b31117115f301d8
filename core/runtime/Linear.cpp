#include "core/runtime/TransformerInternal.h"

namespace strata::runtime {

Linear::Linear(at::Tensor weight, std::optional<at::Tensor> bias)
    : weight_(std::move(weight)), bias_(std::move(bias)) {}

at::Tensor Linear::operator()(const at::Tensor& x) const {
  return bias_ ? at::linear(x, weight_, *bias_) : at::linear(x, weight_);
}

}  // namespace strata::runtime
