#pragma once
// Deliberately naive reference maths for the parity tests: double precision, explicit loops,
// no LibTorch and no code shared with core/runtime. Matrices are row-major std::vector<double>.
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/util/FloatArray.h"

namespace strata::test {

using Vec = std::vector<double>;

inline Vec toVec(const std::vector<float>& v) {
  return Vec(v.begin(), v.end());
}

/// y[T, out] = x[T, in] * W^T + b, with W stored [out, in] (nn.Linear).
inline Vec linearOutIn(const Vec& x, int T, int in, const Vec& W, int out, const Vec* b) {
  Vec y(static_cast<std::size_t>(T) * out);
  for (int t = 0; t < T; ++t)
    for (int o = 0; o < out; ++o) {
      double s = b ? (*b)[o] : 0.0;
      for (int i = 0; i < in; ++i)
        s += x[t * in + i] * W[o * in + i];
      y[t * out + o] = s;
    }
  return y;
}

/// y[T, out] = x[T, in] * W + b, with W stored [in, out] (GPT-2 Conv1D).
inline Vec linearInOut(const Vec& x, int T, int in, const Vec& W, int out, const Vec* b) {
  Vec y(static_cast<std::size_t>(T) * out);
  for (int t = 0; t < T; ++t)
    for (int o = 0; o < out; ++o) {
      double s = b ? (*b)[o] : 0.0;
      for (int i = 0; i < in; ++i)
        s += x[t * in + i] * W[i * out + o];
      y[t * out + o] = s;
    }
  return y;
}

inline Vec layerNorm(const Vec& x, int T, int D, const Vec& g, const Vec& b, double eps) {
  Vec y(x.size());
  for (int t = 0; t < T; ++t) {
    double mean = 0, var = 0;
    for (int i = 0; i < D; ++i)
      mean += x[t * D + i];
    mean /= D;
    for (int i = 0; i < D; ++i)
      var += (x[t * D + i] - mean) * (x[t * D + i] - mean);
    var /= D;
    for (int i = 0; i < D; ++i)
      y[t * D + i] = (x[t * D + i] - mean) / std::sqrt(var + eps) * g[i] + b[i];
  }
  return y;
}

inline Vec rmsNorm(const Vec& x, int T, int D, const Vec& g, double eps) {
  Vec y(x.size());
  for (int t = 0; t < T; ++t) {
    double ms = 0;
    for (int i = 0; i < D; ++i)
      ms += x[t * D + i] * x[t * D + i];
    ms /= D;
    for (int i = 0; i < D; ++i)
      y[t * D + i] = x[t * D + i] / std::sqrt(ms + eps) * g[i];
  }
  return y;
}

inline void softmaxInPlace(double* row, int n) {
  double m = -INFINITY;
  for (int i = 0; i < n; ++i)
    m = std::max(m, row[i]);
  double s = 0;
  for (int i = 0; i < n; ++i)
    s += (row[i] = std::exp(row[i] - m));
  for (int i = 0; i < n; ++i)
    row[i] /= s;
}

inline double geluErf(double x) {
  return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
}
inline double geluTanh(double x) {
  return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
}
inline double silu(double x) {
  return x / (1.0 + std::exp(-x));
}

/// Asserts max |a - e| <= rtol * max(1, max |e|) (relative to the reference's scale).
inline bool closeTo(const FloatArray& actual, const Vec& expected, double rtol = 1e-5) {
  if (actual.numel() != expected.size()) {
    qWarning("size %zu vs %zu", actual.numel(), expected.size());
    return false;
  }
  double scale = 1.0, worst = 0.0;
  for (double e : expected)
    scale = std::max(scale, std::abs(e));
  for (std::size_t i = 0; i < expected.size(); ++i)
    worst = std::max(worst, std::abs(double(actual.data[i]) - expected[i]));
  if (worst > rtol * scale) qWarning("max abs diff %.3g, scale %.3g", worst, scale);
  return worst <= rtol * scale;
}

}  // namespace strata::test
