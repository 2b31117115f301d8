#include "core/analysis/IntrinsicDimension.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>

#include "core/util/Error.h"

namespace strata {

namespace {

void checkCloud(const FloatArray& X, std::int64_t minPoints, const char* metric) {
  if (X.shape.size() != 2 || X.shape[1] < 1 || FloatArray::countOf(X.shape) != X.data.size())
    throw Error("id.bad_input",
                std::string(metric) + ": expected a 2-D point cloud [N, D] with D >= 1");
  if (X.shape[0] < minPoints)
    throw Error("id.too_few_points", std::string(metric) + ": needs at least " +
                                         std::to_string(minPoints) + " points, got " +
                                         std::to_string(X.shape[0]));
}

FloatArray selectRows(const FloatArray& X, const std::vector<std::int64_t>& rows) {
  const auto d = static_cast<std::size_t>(X.shape[1]);
  FloatArray out({static_cast<std::int64_t>(rows.size()), X.shape[1]});
  for (std::size_t r = 0; r < rows.size(); ++r)
    std::copy_n(X.data.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(rows[r]) * d),
                d, out.data.begin() + static_cast<std::ptrdiff_t>(r * d));
  return out;
}

/// Decimation error bar: the metric on `subsets` disjoint random parts of X; error = standard
/// error of their mean. A part too small for the metric skips the error bar with a warning.
template <typename Estimate>
void addErrorBar(MetricResult& result, const FloatArray& X, const ErrorBarOptions& eb,
                 std::int64_t minPoints, Estimate&& estimate) {
  if (eb.subsets == 0) return;
  if (eb.subsets < 2)
    throw Error("id.bad_input", result.metric + ": the error bar needs at least 2 subsets, got " +
                                    std::to_string(eb.subsets));
  const std::int64_t n = X.shape[0];
  const std::int64_t smallest = n / eb.subsets;
  result.parameters["error.subsets"] = eb.subsets;
  result.parameters["error.seed"] = static_cast<double>(eb.seed);
  if (smallest < minPoints) {
    result.warnings.push_back("error bar skipped: " + std::to_string(eb.subsets) + " subsets of " +
                              std::to_string(smallest) + " points are too small (" +
                              std::to_string(minPoints) + " needed)");
    return;
  }
  // Fisher-Yates with our own draw so the split is the same on every platform.
  std::vector<std::int64_t> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  std::mt19937_64 rng(eb.seed);
  for (std::int64_t i = n - 1; i > 0; --i)
    std::swap(perm[static_cast<std::size_t>(i)],
              perm[static_cast<std::size_t>(rng() % static_cast<std::uint64_t>(i + 1))]);
  std::vector<double> values;
  for (int s = 0; s < eb.subsets; ++s) {
    std::vector<std::int64_t> rows;
    for (std::int64_t i = s; i < n; i += eb.subsets)
      rows.push_back(perm[static_cast<std::size_t>(i)]);
    std::sort(rows.begin(), rows.end());
    try {
      values.push_back(estimate(selectRows(X, rows)));
    } catch (const Error& e) {
      result.warnings.push_back(std::string("error bar skipped: subset ") + std::to_string(s) +
                                ": " + e.what());
      return;
    }
  }
  const double m =
      std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  double ss = 0;
  for (double v : values)
    ss += (v - m) * (v - m);
  const auto count = static_cast<double>(values.size());
  result.error = std::sqrt(ss / (count - 1)) / std::sqrt(count);
  result.parameters["error.subset_mean"] = m;
}

void addDuplicateWarning(MetricResult& r, std::int64_t removed, std::int64_t total) {
  if (removed > 0)
    r.warnings.push_back(std::to_string(removed) + " of " + std::to_string(total) +
                         " points have a duplicate (nearest-neighbour distance 0) and were "
                         "removed");
  r.parameters["duplicates_removed"] = static_cast<double>(removed);
}

/// Least-squares slope through the origin of y on x.
double slopeThroughOrigin(const std::vector<double>& x, const std::vector<double>& y,
                          const std::string& metric) {
  double xy = 0, xx = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    xy += x[i] * y[i];
    xx += x[i] * x[i];
  }
  if (!(xx > 0))
    throw Error("id.degenerate", metric +
                                     ": every point has its first and second neighbours at "
                                     "the same distance (mu = 1); the fit is undefined");
  return xy / xx;
}

std::vector<double> covarianceEigenvalues(const FloatArray& X) {
  const std::int64_t n = X.shape[0], d = X.shape[1];
  auto x = at::from_blob(const_cast<float*>(X.data.data()), {n, d}, at::kFloat).to(at::kDouble);
  if (!at::isfinite(x).all().item<bool>())
    throw Error("id.bad_input", "PCA: the point cloud contains NaN or infinite values");
  x = x - x.mean(0, /*keepdim=*/true);
  auto gram = n >= d ? at::mm(x.t(), x) : at::mm(x, x.t());  // same non-zero spectrum
  auto ev = at::linalg_eigvalsh(gram / static_cast<double>(n - 1)).clamp_min(0.0).contiguous();
  std::vector<double> out(ev.data_ptr<double>(), ev.data_ptr<double>() + ev.numel());
  std::sort(out.begin(), out.end(), std::greater<>());
  return out;
}

}  // namespace

const char* variantName(TwoNNVariant v) {
  switch (v) {
    case TwoNNVariant::Dadapy:
      return "dadapy";
    case TwoNNVariant::Skdim:
      return "skdim";
    case TwoNNVariant::ML:
      return "ml";
  }
  return "?";
}

const char* combinationName(MleCombination c) {
  switch (c) {
    case MleCombination::Harmonic:
      return "harmonic";
    case MleCombination::Mean:
      return "mean";
    case MleCombination::Median:
      return "median";
  }
  return "?";
}

MetricResult twoNN(const Neighbours& nn, const TwoNNOptions& o) {
  MetricResult r;
  r.metric = "id.twonn";
  r.variant = variantName(o.variant);
  if (nn.k < 2 || nn.distance.size() != static_cast<std::size_t>(nn.n * nn.k))
    throw Error("id.bad_input", "TwoNN: needs the two nearest neighbours of every point");
  if (!(o.fraction > 0 && o.fraction <= 1))
    throw Error("id.bad_input", "TwoNN: fraction must be in (0, 1]");
  if (!(o.discardFraction >= 0 && o.discardFraction < 1))
    throw Error("id.bad_input", "TwoNN: discard fraction must be in [0, 1)");

  std::int64_t zeros = 0, degenerate = 0;
  std::vector<double> logMu;
  for (std::int64_t i = 0; i < nn.n; ++i) {
    const double r1 = nn.distance[static_cast<std::size_t>(i * nn.k)];
    const double r2 = nn.distance[static_cast<std::size_t>(i * nn.k + 1)];
    if (r1 == 0) {
      ++zeros;
      continue;
    }
    if (o.variant == TwoNNVariant::Skdim && r1 == r2) {  // skdim drops these "degeneracies"
      ++degenerate;
      continue;
    }
    logMu.push_back(std::log(r2 / r1));
  }
  addDuplicateWarning(r, zeros, nn.n);
  if (degenerate > 0) {
    r.warnings.push_back(std::to_string(degenerate) +
                         " points with equal first and second neighbour distances were removed "
                         "(skdim variant)");
    r.parameters["degenerate_removed"] = static_cast<double>(degenerate);
  }
  const auto n = static_cast<std::int64_t>(logMu.size());
  if (n < 3)
    throw Error("id.too_few_points", "TwoNN: fewer than 3 points left after removing " +
                                         std::to_string(zeros + degenerate) + " duplicates");
  std::sort(logMu.begin(), logMu.end());
  r.parameters["n"] = static_cast<double>(n);

  if (o.variant == TwoNNVariant::ML) {
    const double s = std::accumulate(logMu.begin(), logMu.end(), 0.0);
    if (!(s > 0))
      throw Error("id.degenerate", "TwoNN (ML): every point has mu = 1; the estimate is infinite");
    r.value = static_cast<double>(n - 1) / s;
    return r;
  }
  std::vector<double> x, y;
  if (o.variant == TwoNNVariant::Dadapy) {
    // y_i = -log(1 - i/N) is infinite at i = N: at most N - 1 values are usable.
    const auto nEff = std::min<std::int64_t>(
        static_cast<std::int64_t>(std::floor(static_cast<double>(n) * o.fraction)), n - 1);
    for (std::int64_t i = 1; i <= nEff; ++i) {
      x.push_back(logMu[static_cast<std::size_t>(i - 1)]);
      y.push_back(-std::log(1.0 - static_cast<double>(i) / static_cast<double>(n)));
    }
    r.parameters["fraction"] = o.fraction;
    r.parameters["n_eff"] = static_cast<double>(nEff);
  } else {
    // skdim: the count comes from all N points, F_emp from the points kept.
    const auto nPoints = std::min<std::int64_t>(
        static_cast<std::int64_t>(std::floor(static_cast<double>(nn.n) * (1 - o.discardFraction))),
        n);
    for (std::int64_t i = 0; i < nPoints; ++i) {
      x.push_back(logMu[static_cast<std::size_t>(i)]);
      y.push_back(-std::log(1.0 - static_cast<double>(i) / static_cast<double>(n)));
    }
    r.parameters["discard_fraction"] = o.discardFraction;
    r.parameters["n_eff"] = static_cast<double>(nPoints);
  }
  r.value = slopeThroughOrigin(x, y, "TwoNN");
  return r;
}

MetricResult twoNN(const FloatArray& X, const TwoNNOptions& o) {
  checkCloud(X, 3, "TwoNN");
  MetricResult r = twoNN(nearestNeighbours(X, 2), o);
  TwoNNOptions sub = o;
  sub.errorBar.subsets = 0;
  addErrorBar(r, X, o.errorBar, 3, [&](const FloatArray& part) { return twoNN(part, sub).value; });
  return r;
}

MetricResult mle(const Neighbours& nn, const MleOptions& o) {
  MetricResult r;
  r.metric = "id.mle";
  r.variant = combinationName(o.combination);
  const int minK = o.unbiased ? 3 : 2;
  if (o.k < minK)
    throw Error("id.bad_input",
                "MLE: k must be at least " + std::to_string(minK) + ", got " + std::to_string(o.k));
  if (nn.k < o.k || nn.distance.size() != static_cast<std::size_t>(nn.n * nn.k))
    throw Error("id.bad_input",
                "MLE: needs the " + std::to_string(o.k) + " nearest neighbours of every point");
  r.parameters["k"] = o.k;
  r.parameters["unbiased"] = o.unbiased ? 1 : 0;
  const double numerator = o.unbiased ? o.k - 2 : o.k - 1;
  std::int64_t zeros = 0, degenerate = 0;
  std::vector<double> m;
  for (std::int64_t i = 0; i < nn.n; ++i) {
    const double* row = nn.distance.data() + i * nn.k;
    if (row[0] == 0) {
      ++zeros;
      continue;
    }
    double s = 0;
    for (int j = 0; j < o.k - 1; ++j)
      s += std::log(row[o.k - 1] / row[j]);
    if (!(s > 0)) {  // all k neighbours equidistant: local estimate infinite
      ++degenerate;
      continue;
    }
    m.push_back(numerator / s);
  }
  addDuplicateWarning(r, zeros, nn.n);
  if (degenerate > 0) {
    r.warnings.push_back(std::to_string(degenerate) +
                         " points with all k neighbours at the same distance were removed");
    r.parameters["degenerate_removed"] = static_cast<double>(degenerate);
  }
  if (m.empty()) throw Error("id.too_few_points", "MLE: no point left after removing duplicates");
  r.parameters["n"] = static_cast<double>(m.size());
  const auto count = static_cast<double>(m.size());
  switch (o.combination) {
    case MleCombination::Harmonic: {
      double inv = 0;
      for (double v : m)
        inv += 1 / v;
      r.value = count / inv;
      break;
    }
    case MleCombination::Mean:
      r.value = std::accumulate(m.begin(), m.end(), 0.0) / count;
      break;
    case MleCombination::Median: {
      std::sort(m.begin(), m.end());
      const std::size_t h = m.size() / 2;
      r.value = m.size() % 2 ? m[h] : 0.5 * (m[h - 1] + m[h]);
      break;
    }
  }
  return r;
}

MetricResult mle(const FloatArray& X, const MleOptions& o) {
  checkCloud(X, std::max(o.k, 2) + 1, "MLE");
  MetricResult r = mle(nearestNeighbours(X, o.k), o);
  MleOptions sub = o;
  sub.errorBar.subsets = 0;
  addErrorBar(r, X, o.errorBar, o.k + 1,
              [&](const FloatArray& part) { return mle(part, sub).value; });
  return r;
}

namespace {

MetricResult participationRatioNoError(const FloatArray& X) {
  MetricResult r;
  r.metric = "id.pr";
  r.variant = "covariance";
  const auto ev = covarianceEigenvalues(X);
  double s = 0, s2 = 0;
  for (double l : ev) {
    s += l;
    s2 += l * l;
  }
  if (!(s2 > 0)) {
    r.warnings.push_back("all points are identical: participation ratio set to 0");
    return r;
  }
  r.value = s * s / s2;
  return r;
}

MetricResult pcIdNoError(const FloatArray& X, double threshold) {
  MetricResult r;
  r.metric = "id.pcid";
  r.variant = "explained-variance";
  r.parameters["threshold"] = threshold;
  const auto ev = covarianceEigenvalues(X);
  const double total = std::accumulate(ev.begin(), ev.end(), 0.0);
  if (!(total > 0)) {
    r.warnings.push_back("all points are identical: PC-ID set to 0");
    return r;
  }
  double cum = 0;
  std::size_t k = 0;
  while (k < ev.size()) {
    cum += ev[k++];
    // a relative slack of 1e-12 so that exactly 90 % is not missed by rounding
    if (cum >= threshold * total * (1 - 1e-12)) break;
  }
  r.value = static_cast<double>(k);
  return r;
}

void checkThreshold(double t) {
  if (!(t > 0 && t <= 1)) throw Error("id.bad_input", "PC-ID: threshold must be in (0, 1]");
}

}  // namespace

MetricResult participationRatio(const FloatArray& X, const PcaOptions& o) {
  checkCloud(X, 2, "participation ratio");
  MetricResult r = participationRatioNoError(X);
  addErrorBar(r, X, o.errorBar, 2,
              [](const FloatArray& part) { return participationRatioNoError(part).value; });
  return r;
}

MetricResult pcId(const FloatArray& X, const PcaOptions& o) {
  checkThreshold(o.threshold);
  checkCloud(X, 2, "PC-ID");
  MetricResult r = pcIdNoError(X, o.threshold);
  addErrorBar(r, X, o.errorBar, 2,
              [&](const FloatArray& part) { return pcIdNoError(part, o.threshold).value; });
  return r;
}

}  // namespace strata
