#include <QtTest/QtTest>

#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "core/analysis/Similarity.h"
#include "core/util/Error.h"

using strata::CkaVariant;
using strata::FloatArray;

namespace {

FloatArray randomNormal(std::int64_t n, std::int64_t d, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g;
  FloatArray a({n, d});
  for (auto& v : a.data)
    v = g(rng);
  return a;
}

FloatArray matmul(const FloatArray& a, const std::vector<double>& b, std::int64_t cols) {
  const std::int64_t n = a.dim(0), d = a.dim(1);
  FloatArray out({n, cols});
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < cols; ++j) {
      double s = 0.0;
      for (std::int64_t k = 0; k < d; ++k)
        s += static_cast<double>(a.at({i, k})) * b[static_cast<std::size_t>(k * cols + j)];
      out.at({i, j}) = static_cast<float>(s);
    }
  return out;
}

// Random orthogonal d x d matrix by Gram-Schmidt on Gaussian columns (row-major).
std::vector<double> randomOrthogonal(std::int64_t d, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g;
  std::vector<std::vector<double>> cols(static_cast<std::size_t>(d),
                                        std::vector<double>(static_cast<std::size_t>(d)));
  for (auto& c : cols) {
    for (auto& v : c)
      v = g(rng);
  }
  for (std::size_t i = 0; i < cols.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      double p = 0.0;
      for (std::size_t k = 0; k < cols[i].size(); ++k)
        p += cols[i][k] * cols[j][k];
      for (std::size_t k = 0; k < cols[i].size(); ++k)
        cols[i][k] -= p * cols[j][k];
    }
    double nrm = 0.0;
    for (double v : cols[i])
      nrm += v * v;
    for (double& v : cols[i])
      v /= std::sqrt(nrm);
  }
  std::vector<double> q(static_cast<std::size_t>(d * d));
  for (std::int64_t r = 0; r < d; ++r)
    for (std::int64_t c = 0; c < d; ++c)
      q[static_cast<std::size_t>(r * d + c)] =
          cols[static_cast<std::size_t>(c)][static_cast<std::size_t>(r)];
  return q;
}

// tests/data/analysis/similarity/cka_pairs.txt: "name rows cols" + values, or "name value".
struct Fixture {
  std::map<std::string, FloatArray> arrays;
  std::map<std::string, double> values;
};

Fixture readFixture() {
  std::ifstream in(STRATA_TEST_DATA "/analysis/similarity/cka_pairs.txt");
  Fixture f;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream head(line);
    std::string name;
    head >> name;
    std::vector<double> nums;
    for (double v; head >> v;)
      nums.push_back(v);
    if (nums.size() == 2) {
      FloatArray a({static_cast<std::int64_t>(nums[0]), static_cast<std::int64_t>(nums[1])});
      std::getline(in, line);
      std::istringstream body(line);
      for (auto& v : a.data)
        body >> v;
      f.arrays[name] = a;
    } else {
      f.values[name] = nums.at(0);
    }
  }
  return f;
}

double ckaValue(const FloatArray& x, const FloatArray& y, CkaVariant v) {
  return strata::cka(x, y, v).value;
}

}  // namespace

class TestSimilarity : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void selfSimilarityIsOne() {
    for (auto v : {CkaVariant::Linear, CkaVariant::Debiased}) {
      const auto narrow = randomNormal(60, 8, 1);
      const auto wide = randomNormal(20, 100, 2);  // D > N: QR-reduced path
      QVERIFY(std::abs(ckaValue(narrow, narrow, v) - 1.0) < 1e-12);
      QVERIFY(std::abs(ckaValue(wide, wide, v) - 1.0) < 1e-12);
    }
    const auto r = strata::cka(randomNormal(10, 3, 1), randomNormal(10, 4, 2));
    QCOMPARE(QString::fromStdString(r.metric), QString("similarity.cka"));
    QCOMPARE(QString::fromStdString(r.variant), QString("linear"));
  }

  void invariantToOrthogonalTransformAndScale() {
    const std::int64_t d = 8;
    const auto x = randomNormal(50, d, 3);
    auto y = randomNormal(50, 5, 4);
    for (std::int64_t i = 0; i < 50; ++i)
      y.at({i, 0}) += 0.8f * x.at({i, 0});  // related pair
    auto q = randomOrthogonal(d, 5);
    for (double& v : q)
      v *= 3.7;  // isotropic scaling
    const auto xq = matmul(x, q, d);
    for (auto v : {CkaVariant::Linear, CkaVariant::Debiased}) {
      const double base = ckaValue(x, y, v);
      QVERIFY(base > 0.05 && base < 0.95);  // not a degenerate 0 or 1
      QVERIFY(std::abs(ckaValue(xq, y, v) - base) < 1e-5);
      QVERIFY(std::abs(ckaValue(y, xq, v) - base) < 1e-5);  // symmetric
    }
    // a non-isotropic scaling does change linear CKA (the test can tell)
    auto xs = x;
    for (std::int64_t i = 0; i < 50; ++i)
      xs.at({i, 0}) *= 10.0f;
    QVERIFY(std::abs(ckaValue(xs, y, CkaVariant::Linear) - ckaValue(x, y, CkaVariant::Linear)) >
            0.05);
  }

  void matchesNumpyGramForm() {
    const Fixture f = readFixture();
    QVERIFY(f.arrays.size() == 4);
    for (std::string name : {"narrow", "wide"}) {
      const auto& x = f.arrays.at(name + ".X");
      const auto& y = f.arrays.at(name + ".Y");
      const double lin = ckaValue(x, y, CkaVariant::Linear);
      const double deb = ckaValue(x, y, CkaVariant::Debiased);
      QVERIFY2(std::abs(lin - f.values.at(name + ".linear")) < 1e-9,
               qPrintable(QString("%1 linear %2").arg(name.c_str()).arg(lin, 0, 'g', 17)));
      QVERIFY2(std::abs(deb - f.values.at(name + ".debiased")) < 1e-9,
               qPrintable(QString("%1 debiased %2").arg(name.c_str()).arg(deb, 0, 'g', 17)));
    }
  }

  void debiasedRemovesHighDimensionalBias() {
    const auto x = randomNormal(100, 500, 6);
    const auto y = randomNormal(100, 500, 7);
    const double lin = ckaValue(x, y, CkaVariant::Linear);
    const double deb = ckaValue(x, y, CkaVariant::Debiased);
    qInfo("independent 100 x 500 pair: linear CKA %.4f, debiased CKA %.4f", lin, deb);
    QVERIFY2(lin > 0.5, qPrintable(QString::number(lin)));
    QVERIFY2(std::abs(deb) < 0.02, qPrintable(QString::number(deb)));
  }

  void matrixHelpers() {
    // widths 4, 40 -> 20, 60 -> 20 for N = 20: the matrix takes the Gram form, the direct
    // calls the feature-space form
    const std::vector<FloatArray> layers = {randomNormal(20, 4, 8), randomNormal(20, 40, 9),
                                            randomNormal(20, 60, 10)};
    for (auto v : {CkaVariant::Linear, CkaVariant::Debiased}) {
      const auto m = strata::ckaMatrix(layers, v);
      QCOMPARE(m.values.shape, (std::vector<std::int64_t>{3, 3}));
      QVERIFY(m.warnings.empty());
      for (std::int64_t i = 0; i < 3; ++i) {
        QVERIFY(std::abs(m.values.at({i, i}) - 1.0f) < 1e-6f);
        for (std::int64_t j = 0; j < 3; ++j) {
          QCOMPARE(m.values.at({i, j}), m.values.at({j, i}));
          const double direct =
              ckaValue(layers[static_cast<std::size_t>(i)], layers[static_cast<std::size_t>(j)], v);
          QVERIFY(std::abs(m.values.at({i, j}) - direct) < 1e-6);
        }
      }
      const auto ab = strata::ckaMatrix({layers[0], layers[1]}, layers, v);
      QCOMPARE(ab.values.shape, (std::vector<std::int64_t>{2, 3}));
      QVERIFY(std::abs(ab.values.at({1, 2}) - ckaValue(layers[1], layers[2], v)) < 1e-6);
    }
  }

  void undefinedAndInvalid() {
    const FloatArray constant({10, 3}, std::vector<float>(30, 2.5f));
    const auto r = strata::cka(constant, randomNormal(10, 3, 11));
    QCOMPARE(r.value, 0.0);
    QCOMPARE(r.warnings.size(), std::size_t{1});
    try {
      strata::cka(randomNormal(10, 3, 1), randomNormal(11, 3, 2));
      QFAIL("no error");
    } catch (const strata::Error& e) {
      QCOMPARE(QString::fromStdString(e.code()), QString("analysis.bad_shape"));
    }
    try {
      strata::cka(randomNormal(3, 3, 1), randomNormal(3, 3, 2), CkaVariant::Debiased);
      QFAIL("no error");
    } catch (const strata::Error& e) {
      QCOMPARE(QString::fromStdString(e.code()), QString("analysis.too_few_points"));
    }
  }
};

QTEST_GUILESS_MAIN(TestSimilarity)
#include "test_similarity.moc"
