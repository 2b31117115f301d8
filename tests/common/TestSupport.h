#pragma once
// Helpers shared by the Qt Test suites: error-code capture, a tolerance assertion, and random
// orthogonal bases for the analytic point clouds. Tests only; no production code uses this.
#include <QString>
#include <QtTest/QtTest>

#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "core/util/Error.h"

namespace strata::test {

/// The strata::Error code `f` throws, or "no error" when it returns normally.
inline QString errorCode(const std::function<void()>& f) {
  try {
    f();
  } catch (const strata::Error& e) {
    return QString::fromStdString(e.code());
  }
  return "no error";
}

/// Random D x D orthogonal matrix (Gram-Schmidt on normal samples, double), row-major.
inline std::vector<double> randomOrthogonal(int D, std::mt19937& gen) {
  std::normal_distribution<double> n(0.0, 1.0);
  std::vector<double> Q(static_cast<std::size_t>(D * D));
  for (auto& v : Q)
    v = n(gen);
  for (int i = 0; i < D; ++i) {
    double* qi = Q.data() + i * D;
    for (int k = 0; k < i; ++k) {
      const double* qk = Q.data() + k * D;
      double dot = 0;
      for (int j = 0; j < D; ++j)
        dot += qi[j] * qk[j];
      for (int j = 0; j < D; ++j)
        qi[j] -= dot * qk[j];
    }
    double norm = 0;
    for (int j = 0; j < D; ++j)
      norm += qi[j] * qi[j];
    for (int j = 0; j < D; ++j)
      qi[j] /= std::sqrt(norm);
  }
  return Q;
}

}  // namespace strata::test

/// |actual - expected| <= tol, with both values in the failure message.
#define STRATA_NEAR(actual, expected, tol)                                \
  QVERIFY2(std::abs((actual) - (expected)) <= (tol),                      \
           qPrintable(QString("%1 = %2, expected %3 +- %4")               \
                          .arg(#actual)                                   \
                          .arg(static_cast<double>(actual), 0, 'g', 12)   \
                          .arg(static_cast<double>(expected), 0, 'g', 12) \
                          .arg(static_cast<double>(tol))))
