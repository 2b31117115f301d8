// Trajectory and depth-path curvature against analytic truths: straight lines (0), reversals
// (pi, or 0 in the Skean variant), circles sampled at equal angle steps (every angle = step),
// zig-zags (Skean folds to pi - angle), random walks in high dimension (pi / 2).
#include <QtTest/QtTest>

#include <cmath>
#include <functional>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "core/analysis/Curvature.h"
#include "core/util/Error.h"
#include "tests/common/TestSupport.h"

using strata::AngleVariant;
using strata::FloatArray;

namespace {

constexpr double kPi = std::numbers::pi;

// Two orthonormal directions of R^D (Gram-Schmidt on random vectors), fixed seed.
std::pair<std::vector<double>, std::vector<double>> randomPlane(int D, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> n(0.0, 1.0);
  std::vector<double> a(static_cast<std::size_t>(D)), b(static_cast<std::size_t>(D));
  for (auto& v : a)
    v = n(gen);
  for (auto& v : b)
    v = n(gen);
  double na = 0, ab = 0, nb = 0;
  for (int j = 0; j < D; ++j)
    na += a[j] * a[j];
  for (auto& v : a)
    v /= std::sqrt(na);
  for (int j = 0; j < D; ++j)
    ab += a[j] * b[j];
  for (int j = 0; j < D; ++j)
    b[j] -= ab * a[j];
  for (int j = 0; j < D; ++j)
    nb += b[j] * b[j];
  for (auto& v : b)
    v /= std::sqrt(nb);
  return {a, b};
}

// Points offset + x_t a + y_t b for planar coordinates (x_t, y_t).
FloatArray planarPath(const std::vector<std::pair<double, double>>& xy, int D, unsigned seed) {
  auto [a, b] = randomPlane(D, seed);
  FloatArray Z({static_cast<std::int64_t>(xy.size()), D});
  for (std::size_t t = 0; t < xy.size(); ++t)
    for (int j = 0; j < D; ++j)
      Z.data[t * static_cast<std::size_t>(D) + static_cast<std::size_t>(j)] =
          static_cast<float>(0.5 + xy[t].first * a[static_cast<std::size_t>(j)] +
                             xy[t].second * b[static_cast<std::size_t>(j)]);
  return Z;
}

FloatArray circle(int T, double delta, double radius, int D, unsigned seed) {
  std::vector<std::pair<double, double>> xy;
  for (int t = 0; t < T; ++t)
    xy.emplace_back(radius * std::cos(t * delta), radius * std::sin(t * delta));
  return planarPath(xy, D, seed);
}

std::string codeOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const strata::Error& e) {
    return e.code();
  }
  return "no error";
}

}  // namespace

class TestCurvature : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void straightLineIsZero() {
    // Unequal step lengths along one direction: every turn is 0 in both variants.
    std::vector<std::pair<double, double>> xy;
    for (int t = 0; t < 12; ++t)
      xy.emplace_back(0.3 * t + 0.05 * t * t, 0.0);
    const FloatArray Z = planarPath(xy, 64, 1);
    for (AngleVariant v : {AngleVariant::Hosseini, AngleVariant::Skean}) {
      const auto c = strata::trajectoryCurvature(Z, v);
      QCOMPARE(c.angles.size(), std::size_t{10});
      STRATA_NEAR(c.summary.value, 0.0, 2e-3);
      for (double a : c.angles)
        STRATA_NEAR(a, 0.0, 2e-3);
      QCOMPARE(c.summary.parameters.at("angles"), 10.0);
      QVERIFY(c.summary.warnings.empty());
    }
    QCOMPARE(QString::fromStdString(strata::trajectoryCurvature(Z).summary.metric),
             QString("curvature.trajectory"));
  }

  void reversalIsPiOrZero() {
    // Forth and back along a line: Hosseini sees a U-turn (pi), Skean's |cos| sees none.
    const FloatArray Z = planarPath({{0, 0}, {1, 0}, {0, 0}, {2, 0}}, 8, 2);
    const auto h = strata::trajectoryCurvature(Z, AngleVariant::Hosseini);
    const auto s = strata::trajectoryCurvature(Z, AngleVariant::Skean);
    STRATA_NEAR(h.summary.value, kPi, 1e-3);
    STRATA_NEAR(s.summary.value, 0.0, 1e-3);
    QCOMPARE(QString::fromStdString(h.summary.variant), QString("hosseini"));
    QCOMPARE(QString::fromStdString(s.summary.variant), QString("skean"));
  }

  void circleAnglesEqualStep() {
    // A regular polygon inscribed in a circle turns by exactly the central angle delta.
    for (double delta : {0.05, 0.3, 1.0, 2.0}) {
      const FloatArray Z = circle(20, delta, 3.0, 32, 3);
      const auto h = strata::trajectoryCurvature(Z);
      QCOMPARE(h.angles.size(), std::size_t{18});
      for (double a : h.angles)
        STRATA_NEAR(a, delta, 1e-4);
      STRATA_NEAR(h.summary.value, delta, 1e-4);
      const auto s = strata::trajectoryCurvature(Z, AngleVariant::Skean);
      STRATA_NEAR(s.summary.value, delta <= kPi / 2 ? delta : kPi - delta, 1e-4);
    }
  }

  void skeanFoldsZigZag() {
    // Steps alternate between directions 0 and 2.5 rad: every turn is 2.5 rad (> pi/2).
    std::vector<std::pair<double, double>> xy{{0, 0}};
    for (int t = 0; t < 9; ++t) {
      const double phi = t % 2 == 0 ? 0.0 : 2.5;
      xy.emplace_back(xy.back().first + std::cos(phi), xy.back().second + std::sin(phi));
    }
    const FloatArray Z = planarPath(xy, 16, 4);
    const auto h = strata::trajectoryCurvature(Z, AngleVariant::Hosseini);
    const auto s = strata::trajectoryCurvature(Z, AngleVariant::Skean);
    for (double a : h.angles)
      STRATA_NEAR(a, 2.5, 1e-4);
    for (double a : s.angles)
      STRATA_NEAR(a, kPi - 2.5, 1e-4);
    STRATA_NEAR(s.summary.value, kPi - 2.5, 1e-4);
  }

  void randomWalkNearRightAngle() {
    // Independent Gaussian steps in D = 2000 are nearly orthogonal: cos ~ N(0, 1/D).
    const int T = 200, D = 2000;
    std::mt19937 gen(5);
    std::normal_distribution<float> n(0.0f, 1.0f);
    FloatArray Z({T, D});
    for (int j = 0; j < D; ++j)
      Z.data[static_cast<std::size_t>(j)] = 0.0f;
    for (int t = 1; t < T; ++t)
      for (int j = 0; j < D; ++j)
        Z.data[static_cast<std::size_t>(t * D + j)] =
            Z.data[static_cast<std::size_t>((t - 1) * D + j)] + n(gen);
    const auto c = strata::trajectoryCurvature(Z);
    STRATA_NEAR(c.summary.value, kPi / 2, 0.05);
    // Skean's |cos| keeps every angle at or below pi/2, hence a strictly smaller mean.
    const auto s = strata::trajectoryCurvature(Z, AngleVariant::Skean);
    QVERIFY(s.summary.value < kPi / 2);
    STRATA_NEAR(s.summary.value, kPi / 2, 0.05);
  }

  void zeroStepsSkippedAndCounted() {
    // Point 3 repeats point 2: step 2 is zero-length, angles 1 and 2 are undefined.
    FloatArray Z = circle(7, 0.4, 1.0, 6, 6);
    for (int j = 0; j < 6; ++j)
      Z.data[static_cast<std::size_t>(3 * 6 + j)] = Z.data[2 * 6 + j];
    const auto c = strata::trajectoryCurvature(Z);
    QCOMPARE(c.angles.size(), std::size_t{5});
    QVERIFY(std::isnan(c.angles[1]) && std::isnan(c.angles[2]));
    QVERIFY(!std::isnan(c.angles[0]) && !std::isnan(c.angles[3]) && !std::isnan(c.angles[4]));
    STRATA_NEAR(c.angles[0], 0.4, 1e-4);
    QVERIFY(std::isfinite(c.summary.value));
    QCOMPARE(c.summary.parameters.at("zero_steps"), 1.0);
    QCOMPARE(c.summary.parameters.at("skipped_angles"), 2.0);
    QCOMPARE(c.summary.parameters.at("angles"), 3.0);
    QCOMPARE(c.summary.warnings.size(), std::size_t{1});
  }

  void errors() {
    QCOMPARE(codeOf([] {
               strata::trajectoryCurvature(FloatArray({2, 5}));
             }),
             std::string("analysis.too_few_points"));
    QCOMPARE(codeOf([] { strata::trajectoryCurvature(FloatArray({10})); }),
             std::string("analysis.bad_shape"));
    QCOMPARE(codeOf([] {
               strata::trajectoryCurvature(FloatArray({5, 3}));
             }),
             std::string("analysis.degenerate"));  // all points equal (zeros)
    QCOMPARE(codeOf([] {
               strata::depthPathCurvature({FloatArray({2, 3}), FloatArray({2, 3})});
             }),
             std::string("analysis.too_few_points"));
    QCOMPARE(
        codeOf([] {
          strata::depthPathCurvature({FloatArray({2, 3}), FloatArray({2, 3}), FloatArray({3, 3})});
        }),
        std::string("analysis.bad_shape"));
  }

  void depthPathPerToken() {
    // 5 layers, 3 tokens: token 0 goes straight, token 1 around a circle with step 0.5,
    // token 2 never moves (undefined, excluded from the mean).
    const int L1 = 5, T = 3, D = 10;
    std::vector<std::pair<double, double>> line;
    for (int l = 0; l < L1; ++l)
      line.emplace_back(0.7 * l, 0.0);
    const FloatArray straight = planarPath(line, D, 7);
    const FloatArray round = circle(L1, 0.5, 2.0, D, 8);
    std::vector<FloatArray> layers(L1, FloatArray({T, D}));
    for (int l = 0; l < L1; ++l)
      for (int j = 0; j < D; ++j) {
        auto& h = layers[static_cast<std::size_t>(l)].data;
        h[static_cast<std::size_t>(0 * D + j)] = straight.data[static_cast<std::size_t>(l * D + j)];
        h[static_cast<std::size_t>(1 * D + j)] = round.data[static_cast<std::size_t>(l * D + j)];
        h[static_cast<std::size_t>(2 * D + j)] = 1.0f;
      }
    const auto c = strata::depthPathCurvature(layers);
    QCOMPARE(c.perToken.size(), std::size_t{3});
    STRATA_NEAR(c.perToken[0], 0.0, 2e-3);
    STRATA_NEAR(c.perToken[1], 0.5, 1e-4);
    QVERIFY(std::isnan(c.perToken[2]));
    STRATA_NEAR(c.summary.value, 0.25, 2e-3);
    QCOMPARE(c.angles.size(), std::size_t{T * (L1 - 2)});
    STRATA_NEAR(c.angles[1 * (L1 - 2) + 2], 0.5, 1e-4);
    QCOMPARE(c.summary.parameters.at("undefined_tokens"), 1.0);
    QCOMPARE(c.summary.parameters.at("zero_steps"), 4.0);
    QCOMPARE(c.summary.parameters.at("skipped_angles"), 3.0);
    QCOMPARE(c.summary.warnings.size(), std::size_t{2});
    QCOMPARE(QString::fromStdString(c.summary.metric), QString("curvature.depth_path"));
  }
};

QTEST_GUILESS_MAIN(TestCurvature)
#include "test_curvature.moc"
