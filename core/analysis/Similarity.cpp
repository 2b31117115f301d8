#include "core/analysis/Similarity.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/util/Error.h"

namespace strata {
namespace {

// The matrix helpers build every layer's Gram only while their total stays under this.
constexpr double kGramCacheBytes = 1024.0 * 1024.0 * 1024.0;

// One centred representation and the quantities every CKA with it needs.
struct Prepared {
  at::Tensor z;          // [N, w] centred, w = min(D, N) after the QR reduction
  at::Tensor rowSq;      // [N] squared row norms r
  double totalSq = 0.0;  // sum of r = ||Z||_F^2
  double selfDot = 0.0;  // ||Z^T Z||_F^2 = <K, K> for the centred Gram K
  at::Tensor gram;       // [N, N] centred Gram, filled lazily by the matrix helpers
};

double scalar(const at::Tensor& t) {
  return t.item<double>();
}

Prepared prepare(const FloatArray& x, const char* what) {
  if (x.shape.size() != 2 || x.numel() != FloatArray::countOf(x.shape) || x.empty())
    throw Error("analysis.bad_shape", std::string(what) + ": a representation must be [N, D]");
  const std::int64_t n = x.shape[0], d = x.shape[1];
  at::Tensor z =
      at::from_blob(const_cast<float*>(x.data.data()), {n, d}, at::kFloat).to(at::kDouble);
  z = z - z.mean(0, true);
  if (d > n) {
    // Z^T = Q R with Q [D, N] orthonormal columns spanning Z's row space, so Z Q = R^T keeps
    // every row norm and every inner product Z^T Y -> Q^T Z^T Y up to a rotation.
    auto qr = at::linalg_qr(z.t(), "reduced");
    z = std::get<1>(qr).t().contiguous();
  }
  Prepared p;
  p.rowSq = (z * z).sum(1);
  p.totalSq = scalar(p.rowSq.sum());
  const at::Tensor ztz = at::matmul(z.t(), z);
  p.selfDot = scalar((ztz * ztz).sum());
  p.z = z;
  return p;
}

// ||X^T Y||_F^2 = <K_X, L_Y>: from the Grams when the matrix helper built them, else in
// feature space (after the QR reduction w <= N, so N w_x w_y <= N^2 (w_x + w_y), the cost
// of building two Grams for one pair).
double crossDot(const Prepared& x, const Prepared& y) {
  if (x.gram.defined() && y.gram.defined()) return scalar((x.gram * y.gram).sum());
  const at::Tensor xty = at::matmul(x.z.t(), y.z);
  return scalar((xty * xty).sum());
}

// Unbiased HSIC up to a factor common to numerator and denominator (Google cka_lib.py).
double debiasedDot(double dot, const Prepared& x, const Prepared& y) {
  const double n = static_cast<double>(x.z.size(0));
  return dot - n / (n - 2.0) * scalar((x.rowSq * y.rowSq).sum()) +
         x.totalSq * y.totalSq / ((n - 1.0) * (n - 2.0));
}

// CKA from prepared inputs; an empty string when defined, else why not.
double ckaPrepared(const Prepared& x, const Prepared& y, CkaVariant variant, std::string& why) {
  const double dot = crossDot(x, y);
  double num = dot, normX = x.selfDot, normY = y.selfDot;
  if (variant == CkaVariant::Debiased) {
    num = debiasedDot(dot, x, y);
    normX = debiasedDot(x.selfDot, x, x);
    normY = debiasedDot(y.selfDot, y, y);
  }
  if (!(normX > 0.0) || !(normY > 0.0)) {
    why = variant == CkaVariant::Linear
              ? "zero variance: CKA undefined, reported as 0"
              : "non-positive debiased self-HSIC (zero or near-zero variance): CKA undefined, "
                "reported as 0";
    return 0.0;
  }
  return num / (std::sqrt(normX) * std::sqrt(normY));
}

void checkSizes(std::int64_t n, std::int64_t other, CkaVariant variant) {
  if (n != other)
    throw Error("analysis.bad_shape", "cka: representations differ in the number of rows (" +
                                          std::to_string(n) + " vs " + std::to_string(other) + ")");
  const std::int64_t need = variant == CkaVariant::Debiased ? 4 : 2;
  if (n < need)
    throw Error("analysis.too_few_points",
                "cka: needs at least " + std::to_string(need) + " rows, got " + std::to_string(n));
}

const char* variantName(CkaVariant v) {
  return v == CkaVariant::Linear ? "linear" : "debiased";
}

SimilarityMatrix matrixOf(std::vector<Prepared>& a, std::vector<Prepared>* b, CkaVariant variant) {
  std::vector<Prepared>& rhs = b ? *b : a;
  const auto rows = static_cast<std::int64_t>(a.size());
  const auto cols = static_cast<std::int64_t>(rhs.size());
  SimilarityMatrix out;
  out.values = FloatArray({rows, cols});
  // In a matrix each Gram is reused by every pair of its layer: when the N^2 w Grams plus
  // N^2 per pair cost less than N w_a w_b per pair, and they fit the cache, build them all.
  if (rows > 0 && cols > 0) {
    const double n = static_cast<double>(a.front().z.size(0));
    double gramCost = 0.0, featureCost = 0.0, layersUsed = 0.0;
    auto width = [](const Prepared& p) { return static_cast<double>(p.z.size(1)); };
    for (const auto& p : a)
      gramCost += n * n * width(p), layersUsed += 1.0;
    if (b)
      for (const auto& p : *b)
        gramCost += n * n * width(p), layersUsed += 1.0;
    for (std::int64_t i = 0; i < rows; ++i)
      for (std::int64_t j = b ? 0 : i; j < cols; ++j) {
        gramCost += n * n;
        featureCost +=
            n * width(a[static_cast<std::size_t>(i)]) * width(rhs[static_cast<std::size_t>(j)]);
      }
    if (gramCost < featureCost && layersUsed * n * n * 8.0 <= kGramCacheBytes) {
      for (auto& p : a)
        p.gram = at::matmul(p.z, p.z.t());
      if (b)
        for (auto& p : *b)
          p.gram = at::matmul(p.z, p.z.t());
    }
  }
  for (std::int64_t i = 0; i < rows; ++i) {
    for (std::int64_t j = b ? 0 : i; j < cols; ++j) {
      std::string why;
      const double v = ckaPrepared(a[static_cast<std::size_t>(i)], rhs[static_cast<std::size_t>(j)],
                                   variant, why);
      if (!why.empty())
        out.warnings.push_back("cka(" + std::to_string(i) + ", " + std::to_string(j) + "): " + why);
      out.values.at({i, j}) = static_cast<float>(v);
      if (!b) out.values.at({j, i}) = static_cast<float>(v);
    }
  }
  return out;
}

}  // namespace

MetricResult cka(const FloatArray& X, const FloatArray& Y, CkaVariant variant) {
  Prepared x = prepare(X, "cka");
  Prepared y = prepare(Y, "cka");
  checkSizes(x.z.size(0), y.z.size(0), variant);
  MetricResult r;
  r.metric = "similarity.cka";
  r.variant = variantName(variant);
  r.parameters["n"] = static_cast<double>(x.z.size(0));
  std::string why;
  r.value = ckaPrepared(x, y, variant, why);
  if (!why.empty()) r.warnings.push_back(why);
  return r;
}

SimilarityMatrix ckaMatrix(const std::vector<FloatArray>& layers, CkaVariant variant) {
  std::vector<Prepared> p;
  for (const auto& l : layers) {
    p.push_back(prepare(l, "ckaMatrix"));
    checkSizes(p.front().z.size(0), p.back().z.size(0), variant);
  }
  return matrixOf(p, nullptr, variant);
}

SimilarityMatrix ckaMatrix(const std::vector<FloatArray>& a, const std::vector<FloatArray>& b,
                           CkaVariant variant) {
  std::vector<Prepared> pa, pb;
  for (const auto& l : a)
    pa.push_back(prepare(l, "ckaMatrix"));
  for (const auto& l : b)
    pb.push_back(prepare(l, "ckaMatrix"));
  for (const auto& p : pa)
    checkSizes(p.z.size(0), pa.front().z.size(0), variant);
  for (const auto& p : pb)
    checkSizes(p.z.size(0), pa.empty() ? p.z.size(0) : pa.front().z.size(0), variant);
  return matrixOf(pa, &pb, variant);
}

}  // namespace strata
