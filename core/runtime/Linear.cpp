// The GEMM path of every projection.
//
// Why oneDNN: Debian's LibTorch sends float32 at::linear to OpenBLAS, whose generic kernels
// reach ~30-50 GFLOP/s on a 512x768x3072 product here, while the oneDNN bundled with the same
// LibTorch runs its AVX-512 inner-product kernels at ~200-250 GFLOP/s (bench/bench_trace.cpp,
// bench/peer_trace.py). Both are exact float32 GEMMs: results agree with at::linear to ~4e-6
// relative (different summation order only; tests/core/runtime/test_gpt2.cpp checks 1e-5).
//
// The weight stays one dense [out, in] tensor: oneDNN reads it in place (it reorders into its
// blocked layout per call, which costs far less than the product), so packing a second copy
// would double the weights' memory for no measurable gain except on the 50k-wide unembedding.
// bfloat16 goes through at::linear, which LibTorch already sends to oneDNN (AMX where present),
// and CUDA through at::linear (cuBLAS).
#include <ATen/Context.h>

#include "core/runtime/TransformerInternal.h"

namespace strata::runtime {

namespace {
bool useOneDnn(const at::Tensor& weight) {
  static const bool available = at::hasMKLDNN();
  return available && weight.device().is_cpu() && weight.scalar_type() == at::kFloat;
}
}  // namespace

Linear::Linear(at::Tensor weight, std::optional<at::Tensor> bias)
    : weight_(weight.contiguous()), bias_(std::move(bias)) {
  if (bias_) bias_ = bias_->contiguous();
}

at::Tensor Linear::operator()(const at::Tensor& x) const {
  if (!useOneDnn(weight_) || x.scalar_type() != at::kFloat || !x.device().is_cpu() ||
      x.numel() == 0)
    return bias_ ? at::linear(x, weight_, *bias_) : at::linear(x, weight_);
  const at::Tensor x2 = x.reshape({-1, x.size(-1)}).contiguous();
  at::Tensor y = at::mkldnn_linear(x2.to_mkldnn(), weight_,
                                   bias_ ? c10::optional<at::Tensor>(*bias_) : c10::nullopt)
                     .to_dense();
  if (x.dim() == 2) return y;
  std::vector<std::int64_t> shape(x.sizes().begin(), x.sizes().end());
  shape.back() = weight_.size(0);
  return y.view(shape);
}

at::Tensor batchedMatmul(const at::Tensor& a, const at::Tensor& b, bool transposeB) {
  if (!useOneDnn(a) || b.scalar_type() != at::kFloat || !b.device().is_cpu())
    return at::bmm(a, transposeB ? b.transpose(1, 2) : b);
  // mkldnn_linear(x, w) = x w^T with w [N, K]: for a b^T, w is b itself; for a b, w = b^T.
  std::vector<at::Tensor> out;
  out.reserve(static_cast<std::size_t>(a.size(0)));
  for (std::int64_t i = 0; i < a.size(0); ++i) {
    const at::Tensor w = transposeB ? b[i].contiguous() : b[i].t().contiguous();
    out.push_back(at::mkldnn_linear(a[i].contiguous().to_mkldnn(), w, c10::nullopt).to_dense());
  }
  return at::stack(out);
}

}  // namespace strata::runtime
