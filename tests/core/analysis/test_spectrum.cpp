// Prompt/dataset entropy and effective rank against closed forms (isotropic data, rank-1 data,
// a known spectrum under Renyi orders) and against independent numpy values
// (tests/data/analysis/spectrum/make_reference.py).
#include <QtTest/QtTest>

#include <cmath>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/analysis/Spectrum.h"
#include "core/util/Error.h"
#include "tests/common/TestSupport.h"

using strata::EffectiveRankInput;
using strata::EntropyNormalisation;
using strata::EntropyOptions;
using strata::FloatArray;

namespace {

// Random D x D orthogonal matrix (Gram-Schmidt in double), row-major.
std::vector<double> randomOrthogonal(int D, unsigned seed) {
  std::mt19937 gen(seed);
  return strata::test::randomOrthogonal(D, gen);
}

// Rows r_i = sum_j coeff[i][j] * Q[j] (coefficients in the orthonormal basis of Q's rows).
FloatArray inBasis(const std::vector<std::vector<double>>& coeff, int D, unsigned seed) {
  const std::vector<double> Q = randomOrthogonal(D, seed);
  FloatArray Z({static_cast<std::int64_t>(coeff.size()), D});
  for (std::size_t i = 0; i < coeff.size(); ++i)
    for (int c = 0; c < D; ++c) {
      double v = 0;
      for (std::size_t j = 0; j < coeff[i].size(); ++j)
        v += coeff[i][j] * Q[j * static_cast<std::size_t>(D) + static_cast<std::size_t>(c)];
      Z.data[i * static_cast<std::size_t>(D) + static_cast<std::size_t>(c)] = static_cast<float>(v);
    }
  return Z;
}

std::string codeOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const strata::Error& e) {
    return e.code();
  }
  return "no error";
}

EntropyOptions opts(double alpha, bool pre, bool clamp, EntropyNormalisation n) {
  EntropyOptions o;
  o.alpha = alpha;
  o.preprocess = pre;
  o.clampGram = clamp;
  o.normalisation = n;
  return o;
}

}  // namespace

class TestSpectrum : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void orthonormalRows() {
    // T = 5 orthonormal rows in R^12. As given: Gram = I, entropy log T / log T = 1, erank T.
    const int T = 5, D = 12;
    std::vector<std::vector<double>> c(T, std::vector<double>(T, 0.0));
    for (int i = 0; i < T; ++i)
      c[i][i] = 1.0;
    const FloatArray Z = inBasis(c, D, 11);
    for (bool clamp : {false, true}) {
      const auto h =
          strata::promptEntropy(Z, opts(1.0, false, clamp, EntropyNormalisation::MaxEntropy));
      STRATA_NEAR(h.value, 1.0, 1e-6);
    }
    STRATA_NEAR(strata::effectiveRank(Z, EffectiveRankInput::Raw).value, 5.0, 1e-5);
    // Preprocessing removes the mean: K = (I - J/T) / (1 - 1/T) has T - 1 equal eigenvalues,
    // so without the clamp the entropy is log(T - 1) / log T and the effective rank T - 1.
    const auto h =
        strata::promptEntropy(Z, opts(1.0, true, false, EntropyNormalisation::MaxEntropy));
    STRATA_NEAR(h.value, std::log(4.0) / std::log(5.0), 1e-6);
    // The default clamp zeroes K's off-diagonal -1/(T - 1) and gives back K = I: entropy 1.
    STRATA_NEAR(strata::promptEntropy(Z).value, 1.0, 1e-6);
    QCOMPARE(QString::fromStdString(h.metric), QString("spectrum.prompt_entropy"));
    QCOMPARE(QString::fromStdString(h.variant), QString("maxEntropy"));
    QCOMPARE(h.parameters.at("gram_size"), 5.0);
    QCOMPARE(h.parameters.at("eigenvalues"), 4.0);
    STRATA_NEAR(strata::effectiveRank(Z).value, 4.0, 1e-5);
  }

  void isotropicMoreTokensThanDims() {
    // Rows +-e_i (T = 2D = 16) in a rotated basis: mean 0, unit rows, Z^T Z = 2 I (the D x D
    // side), so the normalised entropy is log D / min(log 2D, log D) = 1 and the erank D.
    const int D = 8;
    std::vector<std::vector<double>> c;
    for (double s : {1.0, -1.0})
      for (int i = 0; i < D; ++i) {
        c.emplace_back(D, 0.0);
        c.back()[i] = s;
      }
    const FloatArray Z = inBasis(c, D, 12);
    const auto h = strata::promptEntropy(Z);
    STRATA_NEAR(h.value, 1.0, 1e-6);
    QCOMPARE(h.parameters.at("gram_size"), 8.0);
    STRATA_NEAR(strata::effectiveRank(Z).value, 8.0, 1e-5);
    STRATA_NEAR(strata::datasetEntropy(Z).value, 1.0, 1e-6);
    QCOMPARE(QString::fromStdString(strata::datasetEntropy(Z).metric),
             QString("spectrum.dataset_entropy"));
  }

  void rankOne() {
    // Z = a b^T with dyadic entries (exact in float32). Rank 1: entropy 0 without the clamp,
    // effective rank 1 raw and preprocessed.
    const std::vector<double> a{1, 2, -1, 3, -2, 1.5};
    const int T = 6, D = 20;
    FloatArray Z({T, D});
    for (int t = 0; t < T; ++t)
      for (int j = 0; j < D; ++j)
        Z.data[static_cast<std::size_t>(t * D + j)] =
            static_cast<float>(a[static_cast<std::size_t>(t)] * ((j % 7) - 3) / 8.0);
    STRATA_NEAR(
        strata::promptEntropy(Z, opts(1.0, true, false, EntropyNormalisation::MaxEntropy)).value,
        0.0, 1e-9);
    STRATA_NEAR(strata::promptEntropy(Z, opts(1.0, false, false, EntropyNormalisation::Raw)).value,
                0.0, 1e-9);
    STRATA_NEAR(strata::effectiveRank(Z, EffectiveRankInput::Raw).value, 1.0, 1e-9);
    STRATA_NEAR(strata::effectiveRank(Z).value, 1.0, 1e-9);
    // The clamp quirk: after centring, rows are +-b/|b| with signs of a - mean(a) (4 plus,
    // 2 minus); clamping K >= 0 zeroes the cross terms and leaves two blocks of ones with
    // eigenvalues 4 and 2: entropy H(2/3, 1/3) / log 6.
    const double p = 2.0 / 3.0, q = 1.0 / 3.0;
    STRATA_NEAR(strata::promptEntropy(Z).value,
                -(p * std::log(p) + q * std::log(q)) / std::log(6.0), 1e-9);
  }

  void renyiOnKnownSpectrum() {
    // Rows sqrt(w_i) e_i rotated into R^10: Gram diag(w), p = w / sum w = (.4, .3, .2, .1).
    const std::vector<double> w{4, 3, 2, 1};
    std::vector<std::vector<double>> c(4, std::vector<double>(4, 0.0));
    for (int i = 0; i < 4; ++i)
      c[i][i] = std::sqrt(w[static_cast<std::size_t>(i)]);
    const FloatArray Z = inBasis(c, 10, 13);
    const std::vector<double> pr{0.4, 0.3, 0.2, 0.1};
    auto H = [&](double alpha) {
      return strata::promptEntropy(Z, opts(alpha, false, false, EntropyNormalisation::Raw)).value;
    };
    double sum2 = 0, sumHalf = 0, shannon = 0;
    for (double v : pr)
      sum2 += v * v, sumHalf += std::sqrt(v), shannon -= v * std::log(v);
    STRATA_NEAR(H(2.0), -std::log(sum2), 1e-6);  // collision entropy -log 0.30
    STRATA_NEAR(H(2.0), 1.2039728043259361, 1e-6);
    STRATA_NEAR(H(1.0), shannon, 1e-6);
    STRATA_NEAR(H(0.5), 2.0 * std::log(sumHalf), 1e-6);
    STRATA_NEAR(H(0.0), std::log(4.0), 1e-9);  // Hartley: log of the rank
    // Normalisations divide the same nats: T = 4, D = 10.
    const double h1 = shannon;
    auto norm = [&](EntropyNormalisation n) {
      return strata::promptEntropy(Z, opts(1.0, false, false, n)).value;
    };
    STRATA_NEAR(norm(EntropyNormalisation::MaxEntropy), h1 / std::log(4.0), 1e-6);
    STRATA_NEAR(norm(EntropyNormalisation::LogN), h1 / std::log(4.0), 1e-6);
    STRATA_NEAR(norm(EntropyNormalisation::LogD), h1 / std::log(10.0), 1e-6);
    STRATA_NEAR(norm(EntropyNormalisation::LogNLogD), h1 / (std::log(4.0) * std::log(10.0)), 1e-6);
    // Effective rank uses singular values sqrt(w), not w.
    double ss = 0, er = 0;
    for (double v : w)
      ss += std::sqrt(v);
    for (double v : w)
      er -= std::sqrt(v) / ss * std::log(std::sqrt(v) / ss);
    STRATA_NEAR(strata::effectiveRank(Z, EffectiveRankInput::Raw).value, std::exp(er), 1e-5);
  }

  void crossCheckNumpy() {
    std::ifstream in(STRATA_TEST_DATA "/analysis/spectrum/reference.txt");
    QVERIFY(in.good());
    std::string line;
    int cases = 0;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream s(line);
      int rows = 0, cols = 0, pre = 0, clamp = 0;
      double alpha = 0, entropy = 0, erank = 0;
      std::string norm;
      s >> rows >> cols >> alpha >> pre >> clamp >> norm >> entropy >> erank;
      QVERIFY(!s.fail());
      FloatArray Z({rows, cols});
      for (int t = 0; t < rows; ++t)
        for (int j = 0; j < cols; ++j)
          Z.data[static_cast<std::size_t>(t * cols + j)] = static_cast<float>(
              std::sin(0.37 * t * j + 0.11 * t + 0.05 * j) + 0.1 * std::cos(1.3 * t));
      EntropyNormalisation n = EntropyNormalisation::Raw;
      if (norm == "maxEntropy") n = EntropyNormalisation::MaxEntropy;
      if (norm == "logN") n = EntropyNormalisation::LogN;
      if (norm == "logD") n = EntropyNormalisation::LogD;
      if (norm == "logNlogD") n = EntropyNormalisation::LogNLogD;
      const auto h = strata::promptEntropy(Z, opts(alpha, pre != 0, clamp != 0, n));
      STRATA_NEAR(h.value, entropy, 1e-9);
      QCOMPARE(h.variant, norm);
      const auto e = strata::effectiveRank(
          Z, pre != 0 ? EffectiveRankInput::Preprocessed : EffectiveRankInput::Raw);
      STRATA_NEAR(e.value, erank, 1e-9);
      ++cases;
    }
    QCOMPARE(cases, 7);
  }

  void zeroRowReported() {
    // The third row is the mean of all three: zero after centring, kept at zero, reported.
    FloatArray Z({3, 4}, {1, 0, 0, 2, 0, 1, 3, 0, 0.5f, 0.5f, 1.5f, 1});
    const auto h = strata::promptEntropy(Z);
    QCOMPARE(h.parameters.at("zero_rows"), 1.0);
    QCOMPARE(h.warnings.size(), std::size_t{1});
    QVERIFY(std::isfinite(h.value));
    // Two opposite unit rows: clamp zeroes their -1 cross term, two equal eigenvalues remain.
    STRATA_NEAR(h.value, std::log(2.0) / std::log(3.0), 1e-9);
    QVERIFY(std::isfinite(strata::effectiveRank(Z).value));
  }

  void errors() {
    QCOMPARE(codeOf([] {
               strata::promptEntropy(FloatArray({1, 5}, std::vector<float>(5, 1.f)));
             }),
             std::string("analysis.degenerate"));
    QCOMPARE(codeOf([] { strata::promptEntropy(FloatArray({5})); }),
             std::string("analysis.bad_shape"));
    QCOMPARE(codeOf([] {
               strata::promptEntropy(FloatArray({3, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1}),
                                     opts(-1.0, true, true, EntropyNormalisation::Raw));
             }),
             std::string("analysis.bad_parameter"));
    QCOMPARE(codeOf([] {
               strata::effectiveRank(FloatArray({3, 3}), EffectiveRankInput::Raw);
             }),
             std::string("analysis.degenerate"));
  }
};

QTEST_GUILESS_MAIN(TestSpectrum)
#include "test_spectrum.moc"
