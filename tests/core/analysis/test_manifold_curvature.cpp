// MAPC against analytic curvatures: spheres of radius r (|kappa| = 1/r, in R^3 and rotated into
// R^10), a cylinder (kappa = 1/r and 0, MAPC = 1/(2r)), planes (0); duplicates give warnings,
// never NaN; the underdetermined CAML choice k = 2d is flagged and biased low.
#include <QtTest/QtTest>

#include <cmath>
#include <fstream>
#include <functional>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "core/analysis/ManifoldCurvature.h"
#include "core/util/Error.h"
#include "tests/common/TestSupport.h"

using strata::FloatArray;

namespace {

using strata::test::randomOrthogonal;

constexpr double kPi = std::numbers::pi;

using Points = std::vector<std::vector<double>>;

// Points (in the first coordinates) zero-padded to R^D; rotated by a random orthogonal matrix
// when D exceeds their own dimension.
FloatArray embed(const Points& p, int D, unsigned seed) {
  std::mt19937 gen(seed);
  const std::size_t d0 = p.front().size();
  const bool rotate = static_cast<int>(d0) < D;
  const std::vector<double> Q = rotate ? randomOrthogonal(D, gen) : std::vector<double>{};
  FloatArray X({static_cast<std::int64_t>(p.size()), D});
  for (std::size_t i = 0; i < p.size(); ++i)
    for (int c = 0; c < D; ++c) {
      double v = 0;
      if (rotate) {
        for (std::size_t j = 0; j < d0; ++j)
          v += p[i][j] * Q[j * static_cast<std::size_t>(D) + static_cast<std::size_t>(c)];
      } else {
        v = p[i][static_cast<std::size_t>(c)];
      }
      X.data[i * static_cast<std::size_t>(D) + static_cast<std::size_t>(c)] = static_cast<float>(v);
    }
  return X;
}

std::vector<double> onSphere(double r, std::mt19937& gen) {
  std::normal_distribution<double> n(0.0, 1.0);
  std::vector<double> v{n(gen), n(gen), n(gen)};
  const double s = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  for (auto& x : v)
    x *= r / s;
  return v;
}

Points sphere(int N, double r, unsigned seed) {
  std::mt19937 gen(seed);
  Points p;
  for (int i = 0; i < N; ++i)
    p.push_back(onSphere(r, gen));
  return p;
}

std::string codeOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const strata::Error& e) {
    return e.code();
  }
  return "no error";
}

bool anyNaN(const strata::ManifoldCurvature& m) {
  return std::isnan(m.summary.value) || std::isnan(m.summary.error);
}

}  // namespace

class TestManifoldCurvature : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void duplicatesNeverNaN() {
    // 300 points of a unit sphere, 50 of them duplicated, and one point repeated 8 times (its
    // 6 nearest neighbours are all itself: no tangent plane, skipped).
    Points p = sphere(300, 1.0, 21);
    for (int i = 0; i < 50; ++i)
      p.push_back(p[static_cast<std::size_t>(i)]);
    for (int i = 0; i < 7; ++i)
      p.push_back(p[100]);
    const FloatArray X = embed(p, 3, 0);
    const auto m = strata::manifoldCurvature(X, 2);
    QVERIFY(!anyNaN(m));
    QVERIFY(m.summary.parameters.at("zero_distance_rows") >= 100.0);
    // Skipped: the 8 copies, and every other point whose nearest distinct point is p[100] (its
    // 6 nearest neighbours are then all copies of one point).
    double expectSkipped = 8.0;
    for (std::size_t i = 0; i < 300; ++i) {
      if (i == 100) continue;
      double best = 1e9;
      std::size_t arg = 0;
      for (std::size_t j = 0; j < 300; ++j) {
        if (j == i) continue;
        double d2 = 0;
        for (std::size_t c = 0; c < 3; ++c) {
          const double diff = static_cast<float>(p[i][c]) - static_cast<float>(p[j][c]);
          d2 += diff * diff;
        }
        if (d2 < best) best = d2, arg = j;
      }
      if (arg == 100) expectSkipped += i < 50 ? 2.0 : 1.0;  // rows 0..49 have a copy too
    }
    const double skipped = m.summary.parameters.at("skipped_points");
    QVERIFY2(skipped == expectSkipped,
             qPrintable(QString("%1 %2").arg(skipped).arg(expectSkipped)));
    QCOMPARE(m.summary.parameters.at("points_used"), 357.0 - skipped);
    QVERIFY(std::isnan(m.perPoint[100]));
    QVERIFY(!std::isnan(m.perPoint[0]));
    QVERIFY(m.summary.warnings.size() >= 2);
    // Two copies of the same point: every neighbourhood is degenerate, a clear error.
    QCOMPARE(
        codeOf([] {
          strata::manifoldCurvature(FloatArray({8, 3}, std::vector<float>(24, 1.f)), 2, {/*k=*/3});
        }),
        std::string("analysis.degenerate"));
  }

  void sphereGivesInverseRadius() {
    for (int D : {3, 10})
      for (double r : {0.5, 1.0, 2.0}) {
        const FloatArray X = embed(sphere(2000, r, 31), D, 32);
        const auto m = strata::manifoldCurvature(X, 2);
        qInfo("sphere D=%d r=%g: MAPC = %.4f +- %.4f (1/r = %g)", D, r, m.summary.value,
              m.summary.error, 1.0 / r);
        QVERIFY2(std::abs(m.summary.value * r - 1.0) < 0.1,
                 qPrintable(QString("D=%1 r=%2 MAPC=%3").arg(D).arg(r).arg(m.summary.value)));
        QCOMPARE(m.summary.parameters.at("k"), 6.0);  // max(2d, d(d+3)/2 + 1), d = 2
        QCOMPARE(m.summary.parameters.at("underdetermined"), 0.0);
        QCOMPARE(m.summary.parameters.at("skipped_points"), 0.0);
        // One true normal direction; in R^10 the seven zero-padded ones are left out.
        STRATA_NEAR(m.summary.parameters.at("normal_directions"), 1.0, 1e-12);
        QCOMPARE(m.summary.parameters.at("dropped_normal_directions"), D == 10 ? 3.0 : 0.0);
        QVERIFY(m.summary.error > 0.0 && m.summary.error < 0.01 / r);
        QCOMPARE(QString::fromStdString(m.summary.variant), QString("caml.knn"));
        QCOMPARE(m.perPoint.size(), std::size_t{2000});
      }
  }

  void cylinderHalfInverseRadius() {
    // Cylinder of radius 1: principal curvatures 1 and 0, MAPC = 1/2.
    std::mt19937 gen(41);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    Points p;
    for (int i = 0; i < 2000; ++i) {
      const double th = 2 * kPi * u(gen);
      p.push_back({std::cos(th), std::sin(th), 2 * kPi * u(gen)});
    }
    const auto m = strata::manifoldCurvature(embed(p, 6, 42), 2);
    QVERIFY2(std::abs(m.summary.value - 0.5) < 0.05, qPrintable(QString::number(m.summary.value)));
  }

  void planeIsFlat() {
    std::mt19937 gen(51);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    Points p;
    for (int i = 0; i < 2000; ++i)
      p.push_back({u(gen), u(gen)});
    // Exactly planar (up to float32 rounding): every normal direction is at rounding level.
    const auto flat = strata::manifoldCurvature(embed(p, 10, 52), 2);
    QVERIFY(flat.summary.value < 0.05);
    QCOMPARE(flat.summary.parameters.at("normal_directions"), 0.0);
    // With 1e-5 Gaussian noise in all 10 dimensions the normals are real and fitted.
    FloatArray noisy = embed(p, 10, 52);
    std::normal_distribution<float> n(0.0f, 1e-5f);
    for (auto& v : noisy.data)
      v += n(gen);
    const auto m = strata::manifoldCurvature(noisy, 2, {/*k=*/20});
    QVERIFY2(m.summary.value < 0.05, qPrintable(QString::number(m.summary.value)));
    QVERIFY(m.summary.parameters.at("normal_directions") > 7.0);
    // The same noise on a unit sphere in R^10 makes all 8 normal directions real; MAPC averages
    // over them (CAML), and only one is curved: (2 * 1) / (8 * 2) = 1/8.
    FloatArray ball = embed(sphere(2000, 1.0, 53), 10, 54);
    for (auto& v : ball.data)
      v += n(gen);
    STRATA_NEAR(strata::manifoldCurvature(ball, 2, {20}).summary.value, 0.125, 0.0125);
  }

  void givenNeighbourhoods() {
    // Synthetic neighbourhoods (as CRLM's perturbed images): 24 points on the sphere of radius
    // 2 within geodesic distance 0.2 of each sample, rotated into R^5.
    const int N = 200, K = 24, D = 5;
    std::mt19937 gen(61);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    Points centres = sphere(N, 2.0, 62), all = centres;
    for (int i = 0; i < N; ++i) {
      const auto& c = centres[static_cast<std::size_t>(i)];
      // Orthonormal tangent basis at c.
      std::vector<double> e1{-c[1], c[0], 0.0};
      if (std::abs(c[2]) > 1.9) e1 = {0.0, -c[2], c[1]};
      double n1 = std::sqrt(e1[0] * e1[0] + e1[1] * e1[1] + e1[2] * e1[2]);
      for (auto& v : e1)
        v /= n1;
      std::vector<double> e2{(c[1] * e1[2] - c[2] * e1[1]) / 2, (c[2] * e1[0] - c[0] * e1[2]) / 2,
                             (c[0] * e1[1] - c[1] * e1[0]) / 2};
      for (int k = 0; k < K; ++k) {
        const double rho = 0.2 * std::sqrt(u(gen)), phi = 2 * kPi * u(gen);
        const double a = rho / 2.0;  // angle on the sphere of radius 2
        std::vector<double> q(3);
        for (int j = 0; j < 3; ++j)
          q[static_cast<std::size_t>(j)] = std::cos(a) * c[static_cast<std::size_t>(j)] +
                                           2.0 * std::sin(a) *
                                               (std::cos(phi) * e1[static_cast<std::size_t>(j)] +
                                                std::sin(phi) * e2[static_cast<std::size_t>(j)]);
        all.push_back(q);
      }
    }
    const FloatArray rotated = embed(all, D, 63);
    FloatArray X({N, D}), nb({N, K, D});
    std::copy(rotated.data.begin(), rotated.data.begin() + N * D, X.data.begin());
    std::copy(rotated.data.begin() + N * D, rotated.data.end(), nb.data.begin());
    const auto m = strata::manifoldCurvature(X, nb, 2);
    STRATA_NEAR(m.summary.value, 0.5, 0.05);
    QCOMPARE(QString::fromStdString(m.summary.variant), QString("caml.given"));
    QCOMPARE(m.summary.parameters.at("k"), 24.0);
  }

  void camlCrossCheck() {
    // Per-point values of an independent numpy implementation of the fit
    // (tests/data/analysis/curvature/make_caml_reference.py) on a curved surface in R^6.
    std::ifstream in(STRATA_TEST_DATA "/analysis/curvature/caml_reference.txt");
    QVERIFY(in.good());
    int N = 0, D = 0, d = 0, k = 0;
    double mapc = 0;
    in >> N >> D >> d >> k >> mapc;
    std::vector<double> expected(static_cast<std::size_t>(N));
    for (auto& v : expected)
      in >> v;
    QVERIFY(!in.fail());
    FloatArray X({N, D});
    for (int i = 0; i < N; ++i) {
      const double u = std::sin(1.7 * i + 0.3), v = std::cos(2.3 * i + 0.1) * 0.8;
      const double row[4] = {u, v, 0.6 * u * u - 0.4 * v * v + 0.3 * u * v,
                             0.2 * u * u + 0.5 * u * v};
      for (int j = 0; j < D; ++j)
        X.data[static_cast<std::size_t>(i * D + j)] =
            static_cast<float>(j < 4 ? row[j] : 0.01 * std::sin(0.9 * i * j + j));
    }
    const auto m = strata::manifoldCurvature(X, d, {k});
    QCOMPARE(m.summary.parameters.at("dropped_normal_directions"), 0.0);
    STRATA_NEAR(m.summary.value, mapc, 1e-6);
    for (int i = 0; i < N; ++i)
      STRATA_NEAR(m.perPoint[static_cast<std::size_t>(i)], expected[static_cast<std::size_t>(i)],
                  1e-6);
  }

  void camlKEqualsTwoDIsUnderdetermined() {
    // CAML's K = 2d = 4 < 5 unknowns: flagged, and the minimum-norm fit reads low.
    const auto m = strata::manifoldCurvature(embed(sphere(2000, 1.0, 71), 3, 0), 2, {4});
    QCOMPARE(m.summary.parameters.at("underdetermined"), 1.0);
    QVERIFY(m.summary.value < 0.85);
    QVERIFY(!m.summary.warnings.empty());
  }

  void parametersAndErrors() {
    const FloatArray X = embed(sphere(50, 1.0, 81), 3, 0);
    const auto full = strata::manifoldCurvature(X, 3);
    QCOMPARE(full.summary.value, 0.0);  // d >= D: nothing normal
    QCOMPARE(full.summary.warnings.size(), std::size_t{1});
    QCOMPARE(codeOf([&] { strata::manifoldCurvature(X, 0); }),
             std::string("analysis.bad_parameter"));
    QCOMPARE(codeOf([&] { strata::manifoldCurvature(X, 2, {50}); }),
             std::string("analysis.bad_parameter"));
    QCOMPARE(codeOf([&] { strata::manifoldCurvature(X, 2, {2}); }),
             std::string("analysis.bad_parameter"));
    QCOMPARE(codeOf([] { strata::manifoldCurvature(FloatArray({10}), 2); }),
             std::string("analysis.bad_shape"));
    QCOMPARE(codeOf([&] {
               strata::manifoldCurvature(X, FloatArray({50, 4, 2}), 2);
             }),
             std::string("analysis.bad_shape"));
    // Default k is capped at N - 1 (d = 5: 21 > 9); 10 Gaussian points in R^8.
    std::mt19937 gen(82);
    std::normal_distribution<float> n(0.0f, 1.0f);
    FloatArray small({10, 8});
    for (auto& v : small.data)
      v = n(gen);
    const auto capped = strata::manifoldCurvature(small, 5);
    QCOMPARE(capped.summary.parameters.at("k"), 9.0);
    QVERIFY(!capped.summary.warnings.empty());
  }
};

QTEST_GUILESS_MAIN(TestManifoldCurvature)
#include "test_manifold_curvature.moc"
