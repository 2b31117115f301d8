#include "core/analysis/LinearProbe.h"

#include <ATen/ATen.h>

#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <random>

#include "core/util/Error.h"

namespace strata {
namespace {

std::uint64_t boundedDraw(std::mt19937_64& rng, std::uint64_t bound) {
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % bound;
  std::uint64_t x = rng();
  while (x >= limit)
    x = rng();
  return x % bound;
}

template <class T>
void shuffle(std::vector<T>& v, std::mt19937_64& rng) {
  for (std::size_t i = v.size(); i > 1; --i)
    std::swap(v[i - 1], v[boundedDraw(rng, i)]);
}

// Labels mapped to 0..C-1 in ascending order of value.
std::vector<std::int64_t> classIndex(const std::vector<std::int64_t>& labels, std::int64_t& c) {
  std::map<std::int64_t, std::int64_t> classOf;
  for (auto l : labels)
    classOf.emplace(l, 0);
  c = 0;
  for (auto& kv : classOf)
    kv.second = c++;
  std::vector<std::int64_t> idx(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i)
    idx[i] = classOf[labels[i]];
  return idx;
}

struct FitResult {
  at::Tensor w;  // [D + 1, C], last row = bias
  int iterations = 0;
  bool converged = false;
};

// Objective (scaled by 1 / (C n)) and its gradient for the augmented design xa = [x, 1].
double objective(const at::Tensor& w, const at::Tensor& xa, const at::Tensor& y1h, double lambda,
                 at::Tensor* grad) {
  const double n = static_cast<double>(xa.size(0));
  const at::Tensor z = at::matmul(xa, w);
  const at::Tensor lse = at::logsumexp(z, 1, true);
  const double ce = (lse - z).mul(y1h).sum().item<double>() / n;
  const at::Tensor pen = w.narrow(0, 0, w.size(0) - 1);
  const double f = ce + 0.5 * lambda * (pen * pen).sum().item<double>();
  if (grad) {
    at::Tensor g = at::matmul(xa.t(), at::exp(z - lse) - y1h) / n;
    g.narrow(0, 0, w.size(0) - 1).add_(pen, lambda);
    *grad = g;
  }
  return f;
}

double frobeniusDot(const at::Tensor& a, const at::Tensor& b) {
  return (a * b).sum().item<double>();
}

FitResult fitLbfgs(const at::Tensor& xa, const at::Tensor& y1h, double lambda,
                   const LinearProbeOptions& o) {
  constexpr std::size_t kHistory = 10;
  FitResult r;
  at::Tensor w = at::zeros({xa.size(1), y1h.size(1)}, at::kDouble);
  at::Tensor g;
  double f = objective(w, xa, y1h, lambda, &g);
  std::deque<std::pair<at::Tensor, at::Tensor>> hist;  // (s, y) pairs, newest last
  for (r.iterations = 0; r.iterations < o.maxIterations; ++r.iterations) {
    if (g.abs().max().item<double>() < o.tolerance) {
      r.converged = true;
      break;
    }
    // Two-loop recursion: d = -H g.
    at::Tensor q = g.clone();
    std::vector<double> alpha(hist.size());
    for (std::size_t k = hist.size(); k-- > 0;) {
      const auto& [s, yv] = hist[k];
      alpha[k] = frobeniusDot(s, q) / frobeniusDot(yv, s);
      q.sub_(yv, alpha[k]);
    }
    if (!hist.empty()) {
      const auto& [s, yv] = hist.back();
      q.mul_(frobeniusDot(s, yv) / frobeniusDot(yv, yv));
    } else {
      q.div_(std::max(1.0, g.abs().sum().item<double>()));
    }
    for (std::size_t k = 0; k < hist.size(); ++k) {
      const auto& [s, yv] = hist[k];
      const double beta = frobeniusDot(yv, q) / frobeniusDot(yv, s);
      q.add_(s, alpha[k] - beta);
    }
    at::Tensor d = -q;
    double slope = frobeniusDot(g, d);
    if (!(slope < 0.0)) {  // not a descent direction: restart from steepest descent
      hist.clear();
      d = -g / std::max(1.0, g.abs().sum().item<double>());
      slope = frobeniusDot(g, d);
    }
    double step = 1.0, fNew = f;
    at::Tensor wNew, gNew;
    bool accepted = false;
    for (int ls = 0; ls < 40; ++ls, step *= 0.5) {
      wNew = w + step * d;
      fNew = objective(wNew, xa, y1h, lambda, &gNew);
      if (fNew <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
    }
    if (!accepted) {  // no decrease possible at double precision: at the optimum
      r.converged = true;
      break;
    }
    at::Tensor s = wNew - w, yv = gNew - g;
    if (frobeniusDot(s, yv) > 1e-12 * std::sqrt(frobeniusDot(s, s) * frobeniusDot(yv, yv))) {
      hist.emplace_back(s, yv);
      if (hist.size() > kHistory) hist.pop_front();
    }
    w = wNew;
    g = gNew;
    f = fNew;
  }
  r.w = w;
  return r;
}

at::Tensor asTensor(const FloatArray& x, const char* what) {
  if (x.shape.size() != 2 || x.numel() != FloatArray::countOf(x.shape) || x.empty())
    throw Error("analysis.bad_shape", std::string(what) + ": X must be [N, D]");
  return at::from_blob(const_cast<float*>(x.data.data()), {x.shape[0], x.shape[1]}, at::kFloat)
      .to(at::kDouble);
}

MetricResult probeWithFolds(const FloatArray& X, const std::vector<std::int64_t>& cls,
                            std::int64_t c, const std::vector<int>& foldOf, int k,
                            const LinearProbeOptions& o) {
  const at::Tensor x = asTensor(X, "linearProbe");
  const std::int64_t n = x.size(0);
  if (static_cast<std::int64_t>(cls.size()) != n)
    throw Error("analysis.bad_shape", "linearProbe: " + std::to_string(cls.size()) +
                                          " labels for " + std::to_string(n) + " rows");
  const at::Tensor y = at::tensor(cls, at::kLong);
  const at::Tensor folds =
      at::tensor(std::vector<std::int64_t>(foldOf.begin(), foldOf.end()), at::kLong);
  MetricResult r;
  r.metric = "labels.linear_probe";
  r.variant = "multinomial-l2";
  r.parameters = {
      {"folds", static_cast<double>(k)},   {"C", o.C},
      {"classes", static_cast<double>(c)}, {"max_iterations", static_cast<double>(o.maxIterations)},
      {"tolerance", o.tolerance},          {"seed", static_cast<double>(o.seed)}};
  std::vector<double> acc;
  for (int f = 0; f < k; ++f) {
    const at::Tensor testMask = folds == f;
    const at::Tensor trainIdx = at::nonzero(~testMask).squeeze(1);
    const at::Tensor testIdx = at::nonzero(testMask).squeeze(1);
    at::Tensor xtr = x.index_select(0, trainIdx), xte = x.index_select(0, testIdx);
    if (o.standardize) {
      const at::Tensor mean = xtr.mean(0, true);
      at::Tensor sd = xtr.std(0, /*unbiased=*/false, true);
      sd = at::where(sd > 0, sd, at::ones_like(sd));
      xtr = (xtr - mean) / sd;
      xte = (xte - mean) / sd;
    }
    const auto ntr = xtr.size(0);
    const at::Tensor xa = at::cat({xtr, at::ones({ntr, 1}, at::kDouble)}, 1);
    const at::Tensor y1h =
        at::zeros({ntr, c}, at::kDouble).scatter_(1, y.index_select(0, trainIdx).unsqueeze(1), 1.0);
    const double lambda = 1.0 / (o.C * static_cast<double>(ntr));
    const FitResult fit = fitLbfgs(xa, y1h, lambda, o);
    if (!fit.converged)
      r.warnings.push_back("linearProbe: fold " + std::to_string(f) + " stopped at the cap of " +
                           std::to_string(o.maxIterations) + " L-BFGS iterations");
    const at::Tensor xta = at::cat({xte, at::ones({xte.size(0), 1}, at::kDouble)}, 1);
    const at::Tensor pred = at::matmul(xta, fit.w).argmax(1);
    const double a = pred.eq(y.index_select(0, testIdx)).to(at::kDouble).mean().item<double>();
    acc.push_back(a);
    r.parameters["fold" + std::to_string(f) + ".accuracy"] = a;
    r.parameters["fold" + std::to_string(f) + ".iterations"] = static_cast<double>(fit.iterations);
  }
  double mean = 0.0;
  for (double a : acc)
    mean += a;
  mean /= static_cast<double>(k);
  double ss = 0.0;
  for (double a : acc)
    ss += (a - mean) * (a - mean);
  r.value = mean;
  r.error = std::sqrt(ss / static_cast<double>(k - 1)) / std::sqrt(static_cast<double>(k));
  return r;
}

std::vector<int> resolveFolds(const std::vector<std::int64_t>& labels, const LinearProbeOptions& o,
                              int& k) {
  if (o.foldOf.empty()) {
    k = o.folds;
    return probeFolds(labels, o.folds, o.seed, o.stratified);
  }
  if (o.foldOf.size() != labels.size())
    throw Error("analysis.bad_argument", "linearProbe: foldOf must have one entry per row");
  k = 0;
  for (int f : o.foldOf) {
    if (f < 0) throw Error("analysis.bad_argument", "linearProbe: negative fold index");
    k = std::max(k, f + 1);
  }
  std::vector<bool> seen(static_cast<std::size_t>(k));
  for (int f : o.foldOf)
    seen[static_cast<std::size_t>(f)] = true;
  for (bool s : seen)
    if (!s) throw Error("analysis.bad_argument", "linearProbe: an empty fold in foldOf");
  if (k < 2) throw Error("analysis.bad_argument", "linearProbe: needs at least 2 folds");
  return o.foldOf;
}

}  // namespace

std::vector<int> probeFolds(const std::vector<std::int64_t>& labels, int k, std::uint64_t seed,
                            bool stratified) {
  const auto n = static_cast<std::int64_t>(labels.size());
  if (k < 2 || k > n)
    throw Error("analysis.bad_argument", "probeFolds: need 2 <= k <= N (k = " + std::to_string(k) +
                                             ", N = " + std::to_string(n) + ")");
  std::mt19937_64 rng(seed);
  std::vector<int> fold(labels.size());
  std::vector<std::vector<std::size_t>> groups;
  if (stratified) {
    std::int64_t c = 0;
    const auto cls = classIndex(labels, c);
    groups.resize(static_cast<std::size_t>(c));
    for (std::size_t i = 0; i < cls.size(); ++i)
      groups[static_cast<std::size_t>(cls[i])].push_back(i);
  } else {
    groups.resize(1);
    for (std::size_t i = 0; i < labels.size(); ++i)
      groups[0].push_back(i);
  }
  std::size_t next = 0;
  for (auto& g : groups) {
    shuffle(g, rng);
    for (std::size_t i : g)
      fold[i] = static_cast<int>(next++ % static_cast<std::size_t>(k));
  }
  return fold;
}

MetricResult linearProbe(const FloatArray& X, const std::vector<std::int64_t>& labels,
                         const LinearProbeOptions& options) {
  return linearProbePerLayer({X}, labels, options).front();
}

std::vector<MetricResult> linearProbePerLayer(const std::vector<FloatArray>& layers,
                                              const std::vector<std::int64_t>& labels,
                                              const LinearProbeOptions& options) {
  std::int64_t c = 0;
  const auto cls = classIndex(labels, c);
  if (c < 2) throw Error("analysis.too_few_classes", "linearProbe: needs at least 2 classes");
  int k = 0;
  const std::vector<int> foldOf = resolveFolds(labels, options, k);
  std::vector<MetricResult> out;
  for (const auto& layer : layers)
    out.push_back(probeWithFolds(layer, cls, c, foldOf, k, options));
  return out;
}

}  // namespace strata
