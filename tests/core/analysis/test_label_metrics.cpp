#include <QtTest/QtTest>

#include <cmath>
#include <random>

#include "core/analysis/LabelMetrics.h"
#include "core/util/Error.h"

using strata::FloatArray;

namespace {

// n points per class around random centres (spread sigma, 0 = collapsed).
FloatArray blobs(std::int64_t c, std::int64_t perClass, std::int64_t d, float sigma,
                 std::uint32_t seed, std::vector<std::int64_t>& labels) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g;
  std::vector<float> centres(static_cast<std::size_t>(c * d));
  for (auto& v : centres)
    v = 5.0f * g(rng);
  FloatArray x({c * perClass, d});
  labels.clear();
  for (std::int64_t k = 0; k < c; ++k)
    for (std::int64_t i = 0; i < perClass; ++i) {
      const std::int64_t row = k * perClass + i;
      for (std::int64_t j = 0; j < d; ++j)
        x.at({row, j}) = centres[static_cast<std::size_t>(k * d + j)] + sigma * g(rng);
      labels.push_back(k);
    }
  return x;
}

}  // namespace

class TestLabelMetrics : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void perfectCollapseIsZero() {
    std::vector<std::int64_t> labels;
    // eigh path (N + C > D) and SVD-of-factor path (N + C <= D)
    for (std::int64_t d : {std::int64_t{5}, std::int64_t{40}}) {
      const auto x = blobs(3, 4, d, 0.0f, 1, labels);
      const auto nc1 = strata::neuralCollapseNC1(x, labels);
      const auto vci = strata::variabilityCollapseIndex(x, labels);
      QVERIFY2(std::abs(nc1.value) < 1e-12, qPrintable(QString::number(nc1.value)));
      QVERIFY2(std::abs(vci.value) < 1e-9, qPrintable(QString::number(vci.value)));
      QVERIFY(nc1.warnings.empty());
      QVERIFY(vci.warnings.empty());
      QCOMPARE(nc1.parameters.at("rank_sigma_b"), 2.0);
    }
  }

  void handComputedTwoClassExample() {
    // class a: (-2,-1), (0,-1), mean (-1,-1); class b: (1,0), (1,2), mean (1,1); mu_G = 0.
    // Sigma_B = [[1,1],[1,1]], Sigma_W = I / 2, pinv(Sigma_B) = [[.25,.25],[.25,.25]]:
    // NC1 = tr(Sigma_W pinv Sigma_B) / 2 = 0.25 / 2 = 0.125.
    // Sigma_T = [[1.5,1],[1,1.5]] (eigenvalue 2.5 along (1,1)): tr(pinv Sigma_T Sigma_B) =
    // 2 / 2.5 = 0.8, VCI = 1 - 0.8 / min(2, 1) = 0.2.
    const FloatArray x({4, 2}, {-2, -1, 0, -1, 1, 0, 1, 2});
    for (const auto& labels :
         {std::vector<std::int64_t>{0, 0, 1, 1}, std::vector<std::int64_t>{7, 7, -2, -2}}) {
      QVERIFY(std::abs(strata::neuralCollapseNC1(x, labels).value - 0.125) < 1e-12);
      QVERIFY(std::abs(strata::variabilityCollapseIndex(x, labels).value - 0.2) < 1e-12);
    }
    // zero-padding to 20 columns (N + C <= D: the other pseudo-inverse path) changes nothing
    FloatArray padded({4, 20});
    for (std::int64_t i = 0; i < 4; ++i)
      for (std::int64_t j = 0; j < 2; ++j)
        padded.at({i, j + 7}) = x.at({i, j});
    const std::vector<std::int64_t> labels = {0, 0, 1, 1};
    QVERIFY(std::abs(strata::neuralCollapseNC1(padded, labels).value - 0.125) < 1e-12);
    QVERIFY(std::abs(strata::variabilityCollapseIndex(padded, labels).value - 0.2) < 1e-12);
  }

  void bothPathsAgreeOnRandomData() {
    std::vector<std::int64_t> labels;
    const auto x = blobs(3, 4, 4, 2.0f, 2, labels);  // N + C = 15 > D = 4
    FloatArray padded({12, 16});                     // N + C = 15 <= D = 16
    for (std::int64_t i = 0; i < 12; ++i)
      for (std::int64_t j = 0; j < 4; ++j)
        padded.at({i, j}) = x.at({i, j});
    const double a = strata::variabilityCollapseIndex(x, labels).value;
    const double b = strata::variabilityCollapseIndex(padded, labels).value;
    QVERIFY(a > 0.0 && a < 1.0);
    QVERIFY2(std::abs(a - b) < 1e-10, qPrintable(QString("%1 vs %2").arg(a).arg(b)));
  }

  void randomLabelsGiveVciNearOne() {
    std::mt19937 rng(3);
    std::normal_distribution<float> g;
    FloatArray x({2000, 10});
    for (auto& v : x.data)
      v = g(rng);
    std::vector<std::int64_t> labels(2000);
    for (std::size_t i = 0; i < labels.size(); ++i)
      labels[i] = static_cast<std::int64_t>(rng() % 4);
    const auto vci = strata::variabilityCollapseIndex(x, labels);
    qInfo("random labels: VCI %.4f", vci.value);
    QVERIFY2(vci.value > 0.98 && vci.value <= 1.0, qPrintable(QString::number(vci.value)));
    QVERIFY(strata::neuralCollapseNC1(x, labels).value > 10.0);  // far from collapse
    // separated classes with the same spread: VCI near 0
    std::vector<std::int64_t> bl;
    const auto sep = blobs(4, 500, 10, 0.1f, 4, bl);
    QVERIFY(strata::variabilityCollapseIndex(sep, bl).value < 0.01);
  }

  void degenerateAndInvalid() {
    const FloatArray same({4, 2}, std::vector<float>(8, 1.0f));
    const auto nc1 = strata::neuralCollapseNC1(same, {0, 0, 1, 1});
    QCOMPARE(nc1.value, 0.0);
    QCOMPARE(nc1.warnings.size(), std::size_t{1});
    try {
      strata::neuralCollapseNC1(same, {0, 0, 0, 0});
      QFAIL("no error");
    } catch (const strata::Error& e) {
      QCOMPARE(QString::fromStdString(e.code()), QString("analysis.too_few_classes"));
    }
    QVERIFY_THROWS_EXCEPTION(strata::Error, strata::variabilityCollapseIndex(same, {0, 1}));
  }
};

QTEST_GUILESS_MAIN(TestLabelMetrics)
#include "test_label_metrics.moc"
