#include "core/analysis/LabelMetrics.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <map>

#include "core/util/Error.h"

namespace strata {
namespace {

struct ClassStats {
  std::int64_t n = 0, d = 0, c = 0;
  at::Tensor centred;  // H_c [N, D]: rows minus their class mean
  at::Tensor means;    // M [C, D]: class means minus the global mean
};

ClassStats classStats(const FloatArray& x, const std::vector<std::int64_t>& labels,
                      const char* what) {
  if (x.shape.size() != 2 || x.numel() != FloatArray::countOf(x.shape) || x.empty())
    throw Error("analysis.bad_shape", std::string(what) + ": X must be [N, D]");
  ClassStats s;
  s.n = x.shape[0];
  s.d = x.shape[1];
  if (static_cast<std::int64_t>(labels.size()) != s.n)
    throw Error("analysis.bad_shape", std::string(what) + ": " + std::to_string(labels.size()) +
                                          " labels for " + std::to_string(s.n) + " rows");
  std::map<std::int64_t, std::int64_t> classOf;
  for (auto l : labels)
    classOf.emplace(l, 0);
  std::int64_t next = 0;
  for (auto& kv : classOf)
    kv.second = next++;
  s.c = next;
  if (s.c < 2)
    throw Error("analysis.too_few_classes", std::string(what) + ": needs at least 2 classes");
  std::vector<std::int64_t> idx(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i)
    idx[i] = classOf[labels[i]];

  const at::Tensor h =
      at::from_blob(const_cast<float*>(x.data.data()), {s.n, s.d}, at::kFloat).to(at::kDouble);
  const at::Tensor index = at::tensor(idx, at::kLong);
  const at::Tensor sums = at::zeros({s.c, s.d}, at::kDouble).index_add_(0, index, h);
  const at::Tensor counts =
      at::zeros({s.c}, at::kDouble).index_add_(0, index, at::ones({s.n}, at::kDouble));
  const at::Tensor mu = sums / counts.unsqueeze(1);
  s.centred = h - mu.index_select(0, index);
  s.means = mu - h.mean(0, true);
  return s;
}

// Eigen-pairs (lambda, rows of v) of Sigma_B = M^T M / C from the SVD of M, cut at rcond.
struct Spectrum {
  at::Tensor lambda;  // [r]
  at::Tensor vecs;    // [r, D]
};

Spectrum truncate(const at::Tensor& lambda, const at::Tensor& vecs, double rcond) {
  const double top = lambda.numel() ? lambda.max().item<double>() : 0.0;
  const at::Tensor keep = lambda > rcond * top;
  if (!(top > 0.0)) return {lambda.narrow(0, 0, 0), vecs.narrow(0, 0, 0)};
  return {lambda.masked_select(keep), vecs.index({keep})};
}

Spectrum betweenSpectrum(const ClassStats& s, double rcond) {
  auto svd = at::linalg_svd(s.means, false);
  const at::Tensor sv = std::get<1>(svd);
  const at::Tensor lambda = sv * sv / static_cast<double>(s.c);
  return truncate(lambda, std::get<2>(svd), rcond);
}

double defaultRcond(const LabelMetricOptions& o, std::int64_t a, std::int64_t b) {
  return o.rcond > 0.0 ? o.rcond : static_cast<double>(std::max(a, b)) * DBL_EPSILON;
}

}  // namespace

MetricResult neuralCollapseNC1(const FloatArray& X, const std::vector<std::int64_t>& labels,
                               const LabelMetricOptions& options) {
  const ClassStats s = classStats(X, labels, "nc1");
  const double rcond = defaultRcond(options, s.d, s.c);
  const Spectrum b = betweenSpectrum(s, rcond);
  MetricResult r;
  r.metric = "labels.nc1";
  r.variant = "papyan";
  r.parameters = {{"classes", static_cast<double>(s.c)},
                  {"rcond", rcond},
                  {"rank_sigma_b", static_cast<double>(b.lambda.numel())}};
  if (b.lambda.numel() == 0) {
    r.warnings.push_back(
        "nc1: all class means coincide (Sigma_B = 0): NC1 undefined, reported "
        "as 0");
    return r;
  }
  // tr(Sigma_W pinv(Sigma_B)) = sum_k (v_k^T Sigma_W v_k) / lambda_k, v_k^T Sigma_W v_k =
  // ||H_c v_k||^2 / N.
  const at::Tensor proj = at::matmul(s.centred, b.vecs.t());  // [N, r]
  const at::Tensor within = (proj * proj).sum(0) / static_cast<double>(s.n);
  r.value = (within / b.lambda).sum().item<double>() / static_cast<double>(s.c);
  return r;
}

MetricResult variabilityCollapseIndex(const FloatArray& X, const std::vector<std::int64_t>& labels,
                                      const LabelMetricOptions& options) {
  const ClassStats s = classStats(X, labels, "vci");
  const double rcond = defaultRcond(options, s.d, s.n + s.c);
  const double n = static_cast<double>(s.n), c = static_cast<double>(s.c);
  Spectrum t;
  if (s.n + s.c <= s.d) {
    const at::Tensor factor = at::cat({s.centred / std::sqrt(n), s.means / std::sqrt(c)}, 0);
    auto svd = at::linalg_svd(factor, false);
    const at::Tensor sv = std::get<1>(svd);
    t = truncate(sv * sv, std::get<2>(svd), rcond);
  } else {
    const at::Tensor sigmaT =
        at::matmul(s.centred.t(), s.centred) / n + at::matmul(s.means.t(), s.means) / c;
    auto eig = at::linalg_eigh(sigmaT);
    t = truncate(std::get<0>(eig), std::get<1>(eig).t(), rcond);
  }
  const std::int64_t full = std::min(s.d, s.c - 1);
  MetricResult r;
  r.metric = "labels.vci";
  r.variant = "xu-liu";
  r.parameters = {{"classes", static_cast<double>(s.c)},
                  {"rcond", rcond},
                  {"rank_sigma_t", static_cast<double>(t.lambda.numel())}};
  if (t.lambda.numel() == 0) {
    r.warnings.push_back("vci: all points coincide (Sigma_T = 0): VCI undefined, reported as 0");
    return r;
  }
  // tr(pinv(Sigma_T) Sigma_B) = sum_k (v_k^T Sigma_B v_k) / lambda_k, v^T Sigma_B v =
  // ||M v||^2 / C.
  const at::Tensor proj = at::matmul(s.means, t.vecs.t());  // [C, r]
  const double tr = ((proj * proj).sum(0) / c / t.lambda).sum().item<double>();
  r.value = 1.0 - tr / static_cast<double>(full);
  const std::int64_t rankB = betweenSpectrum(s, defaultRcond(options, s.d, s.c)).lambda.numel();
  if (rankB < full)
    r.warnings.push_back("vci: class means span " + std::to_string(rankB) +
                         " < min(D, C - 1) = " + std::to_string(full) +
                         " dimensions, so VCI stays above 0 even for perfect collapse");
  return r;
}

}  // namespace strata
