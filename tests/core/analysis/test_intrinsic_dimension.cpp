#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/analysis/IntrinsicDimension.h"
#include "core/io/NpyFile.h"
#include "core/util/Error.h"

namespace {

strata::FloatArray refdata(const char* name) {
  return strata::readNpy(std::string(STRATA_TEST_DATA) + "/refdata/" + name);
}

strata::FloatArray padColumns(const strata::FloatArray& x, std::int64_t cols) {
  strata::FloatArray out({x.shape[0], cols});
  for (std::int64_t i = 0; i < x.shape[0]; ++i)
    for (std::int64_t c = 0; c < x.shape[1]; ++c)
      out.at({i, c}) = x.at({i, c});
  return out;
}

/// Random orthogonal D x D matrix (Gram-Schmidt on Gaussian columns), row-major.
std::vector<double> randomRotation(int dim, std::mt19937_64& rng) {
  std::normal_distribution<double> g;
  std::vector<double> q(static_cast<size_t>(dim * dim));
  for (auto& v : q)
    v = g(rng);
  for (int c = 0; c < dim; ++c) {
    for (int p = 0; p < c; ++p) {
      double dot = 0;
      for (int r = 0; r < dim; ++r)
        dot += q[size_t(r * dim + c)] * q[size_t(r * dim + p)];
      for (int r = 0; r < dim; ++r)
        q[size_t(r * dim + c)] -= dot * q[size_t(r * dim + p)];
    }
    double n = 0;
    for (int r = 0; r < dim; ++r)
      n += q[size_t(r * dim + c)] * q[size_t(r * dim + c)];
    for (int r = 0; r < dim; ++r)
      q[size_t(r * dim + c)] /= std::sqrt(n);
  }
  return q;
}

/// Rows of `low` [N, m] (m <= D) placed in the first m coordinates of R^D, then rotated.
strata::FloatArray embedRotated(const std::vector<std::vector<double>>& low, int dim,
                                std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto q = randomRotation(dim, rng);
  strata::FloatArray x({static_cast<std::int64_t>(low.size()), dim});
  for (size_t i = 0; i < low.size(); ++i)
    for (int r = 0; r < dim; ++r) {
      double s = 0;
      for (size_t c = 0; c < low[i].size(); ++c)
        s += q[size_t(r * dim) + c] * low[i][c];
      x.data[i * size_t(dim) + size_t(r)] = static_cast<float>(s);
    }
  return x;
}

/// N points uniform on the unit d-sphere S^d in R^(d+1), rotated into R^D.
strata::FloatArray sphere(int d, int n, int dim, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  std::vector<std::vector<double>> pts(static_cast<size_t>(n), std::vector<double>(size_t(d + 1)));
  for (auto& p : pts) {
    double s = 0;
    for (auto& v : p) {
      v = g(rng);
      s += v * v;
    }
    for (auto& v : p)
      v /= std::sqrt(s);
  }
  return embedRotated(pts, dim, seed + 1);
}

template <typename F>
std::string errorCode(F&& f) {
  try {
    f();
  } catch (const strata::Error& e) {
    return e.code();
  }
  return {};
}

bool hasWarning(const strata::MetricResult& r, const char* needle) {
  return std::any_of(r.warnings.begin(), r.warnings.end(),
                     [&](const std::string& w) { return w.find(needle) != std::string::npos; });
}

void checkRelative(double got, double want, double rel) {
  if (std::abs(got - want) > rel * std::abs(want))
    QFAIL(qPrintable(QString("got %1, want %2 (relative tolerance %3)")
                         .arg(got, 0, 'g', 17)
                         .arg(want, 0, 'g', 17)
                         .arg(rel)));
}

}  // namespace

class TestIntrinsicDimension : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void dadapyTwoGaussians() {
    // DADApy's tests/2gaussians_in_2d.npy: TwoNN = 1.85 +- 0.01 (its own test suite)
    const auto r = strata::twoNN(refdata("dadapy_2gaussians_in_2d.npy"));
    QCOMPARE(QString::fromStdString(r.metric), QString("id.twonn"));
    QCOMPARE(QString::fromStdString(r.variant), QString("dadapy"));
    QVERIFY2(std::abs(r.value - 1.85) <= 0.01, qPrintable(QString::number(r.value, 'g', 10)));
    QCOMPARE(r.parameters.at("n_eff"), 90.0);
    QVERIFY(r.warnings.empty());
    QCOMPARE(r.error, 0.0);
  }
  void skdimMle() {
    // scikit-dimension's test values on hyperBall(n=30, d=5, random_state=0) in 10 columns.
    // The fixture is float64; FloatArray rounds it to float32, which moves these estimates by
    // up to 1.1e-8 relative (checked with numpy on the rounded data), hence 2e-8.
    const auto x = refdata("skdim_hyperball_n30_d5_in10.npy");
    QCOMPARE(x.shape, (std::vector<std::int64_t>{30, 10}));
    const auto def = strata::mle(x);
    QCOMPARE(QString::fromStdString(def.variant), QString("harmonic"));
    QCOMPARE(def.parameters.at("k"), 20.0);
    checkRelative(def.value, 3.341161830518472, 2e-8);
    strata::MleOptions k5;
    k5.k = 5;
    checkRelative(strata::mle(x, k5).value, 4.350132038093711, 2e-8);
    strata::MleOptions unbiased;
    unbiased.unbiased = true;
    checkRelative(strata::mle(x, unbiased).value, 3.1653112078596046, 2e-8);
    strata::MleOptions mean;
    mean.combination = strata::MleCombination::Mean;
    checkRelative(strata::mle(x, mean).value, 3.4389424541367437, 2e-8);
    // The median lies between the extremes of the local estimates; differs from the others.
    strata::MleOptions median;
    median.combination = strata::MleCombination::Median;
    const double med = strata::mle(x, median).value;
    QVERIFY(med > 2 && med < 6 && std::abs(med - 3.4389424541367437) > 1e-3);
  }
  void skdimTwoNN() {
    // skdim test values: TwoNN on the data zero-padded to 30 columns, to the printed digits
    const auto x = padColumns(refdata("skdim_hyperball_n30_d5_in10.npy"), 30);
    strata::TwoNNOptions o;
    o.variant = strata::TwoNNVariant::Skdim;
    const auto r = strata::twoNN(x, o);
    QCOMPARE(QString::fromStdString(r.variant), QString("skdim"));
    QVERIFY2(std::abs(r.value - 4.05496) < 5e-6, qPrintable(QString::number(r.value, 'g', 10)));
    o.discardFraction = 0.05;
    const double v = strata::twoNN(x, o).value;
    QVERIFY2(std::abs(v - 4.11323) < 5e-6, qPrintable(QString::number(v, 'g', 10)));
  }
  void twoNNVariantsDiffer() {
    // ML on the same cloud: (N - 1) / sum(log mu); a distinct number from the fits.
    const auto x = refdata("dadapy_2gaussians_in_2d.npy");
    strata::TwoNNOptions ml;
    ml.variant = strata::TwoNNVariant::ML;
    const auto r = strata::twoNN(x, ml);
    QCOMPARE(QString::fromStdString(r.variant), QString("ml"));
    QVERIFY(r.value > 1.5 && r.value < 2.5);
    QVERIFY(std::abs(r.value - strata::twoNN(x).value) > 1e-3);
  }
  void spheresGiveTheirDimension() {
    // S^d uniformly in R^(d+1), randomly rotated into R^30, N = 2000. TwoNN's spread at this
    // N is 3 % of d (numpy, 10 seeds: sd 0.05 at d = 2, 0.16 at d = 5), so one draw would
    // pass or fail 5 % by luck: its check averages 4 independent draws. MLE's spread is
    // 0.6 %, one draw suffices.
    for (int d : {2, 5}) {
      double twoSum = 0;
      for (std::uint64_t draw = 0; draw < 4; ++draw) {
        const auto x = sphere(d, 2000, 30, 100 * draw + static_cast<std::uint64_t>(d));
        twoSum += strata::twoNN(x).value;
        if (draw == 0) {
          const double m = strata::mle(x).value;
          QVERIFY2(std::abs(m - d) <= 0.05 * d, qPrintable(QString("d=%1 MLE %2").arg(d).arg(m)));
        }
      }
      const double two = twoSum / 4;
      QVERIFY2(std::abs(two - d) <= 0.05 * d, qPrintable(QString("d=%1 TwoNN %2").arg(d).arg(two)));
    }
    // d = 10 with N = 2000: the nearest-neighbour scale is a large part of the radius, and
    // every local estimator reads the curved sphere as lower-dimensional. Over 10 seeds
    // (numpy reference, same definitions) TwoNN averages 9.33 (sd 0.27) and MLE 8.94
    // (sd 0.06), so 5 % is not reachable honestly; we check the documented bias instead.
    double twoSum = 0;
    for (std::uint64_t draw = 0; draw < 4; ++draw)
      twoSum += strata::twoNN(sphere(10, 2000, 30, 100 * draw + 10)).value;
    const double m = strata::mle(sphere(10, 2000, 30, 10)).value;
    QVERIFY2(twoSum / 4 > 8.8 && twoSum / 4 < 9.9,
             qPrintable(QString("d=10 TwoNN %1").arg(twoSum / 4)));
    QVERIFY2(m > 8.7 && m < 9.2, qPrintable(QString("d=10 MLE %1").arg(m)));
    qInfo("d=10: TwoNN %.3f (mean of 4 draws), MLE %.3f", twoSum / 4, m);
  }
  void planeParticipationRatioAndPcId() {
    // A 9 x 5 integer grid (exactly diagonal covariance), rotated into R^12.
    std::vector<std::vector<double>> pts;
    for (int i = -4; i <= 4; ++i)
      for (int j = -2; j <= 2; ++j)
        pts.push_back({1.0 * i, 1.0 * j});
    const auto x = embedRotated(pts, 12, 7);
    // var(x) = mean(i^2, i = -4..4) = 60/9, var(y) = mean(j^2, j = -2..2) = 2 (ratio 10 : 3)
    const double lx = 60.0 / 9.0, ly = 2.0;
    const double pr = (lx + ly) * (lx + ly) / (lx * lx + ly * ly);
    const auto r = strata::participationRatio(x);
    QCOMPARE(QString::fromStdString(r.metric), QString("id.pr"));
    checkRelative(r.value, pr, 1e-5);
    QCOMPARE(strata::pcId(x).value, 2.0);  // lx / (lx + ly) = 0.769 < 0.9
    strata::PcaOptions o;
    o.threshold = 0.75;
    QCOMPARE(strata::pcId(x, o).value, 1.0);
    o.threshold = 0.77;  // just above the first component's share
    QCOMPARE(strata::pcId(x, o).value, 2.0);
    // a line: PR = 1, PC-ID = 1
    std::vector<std::vector<double>> line;
    for (int i = 0; i < 50; ++i)
      line.push_back({0.1 * i});
    checkRelative(strata::participationRatio(embedRotated(line, 6, 3)).value, 1.0, 1e-5);
  }
  void duplicatesAreRemovedWithWarning() {
    auto x = refdata("skdim_hyperball_n30_d5_in10.npy");
    const auto clean = strata::twoNN(x);
    QVERIFY(clean.warnings.empty());
    QCOMPARE(clean.parameters.at("duplicates_removed"), 0.0);
    // append copies of rows 0, 1, 2: six points now have r1 = 0
    strata::FloatArray dup({33, 10});
    std::copy(x.data.begin(), x.data.end(), dup.data.begin());
    std::copy_n(x.data.begin(), 30, dup.data.begin() + 300);
    for (auto variant :
         {strata::TwoNNVariant::Dadapy, strata::TwoNNVariant::Skdim, strata::TwoNNVariant::ML}) {
      strata::TwoNNOptions o;
      o.variant = variant;
      const auto r = strata::twoNN(dup, o);
      QVERIFY(std::isfinite(r.value) && r.value > 1);
      QCOMPARE(r.parameters.at("duplicates_removed"), 6.0);
      QVERIFY(hasWarning(r, "duplicate"));
      if (variant == strata::TwoNNVariant::Skdim) {
        // skdim also drops points whose two nearest neighbours are a duplicated pair
        QVERIFY(r.parameters.at("degenerate_removed") > 0);
        QCOMPARE(r.parameters.at("n"), 27.0 - r.parameters.at("degenerate_removed"));
      } else {
        QCOMPARE(r.parameters.at("n"), 27.0);
      }
    }
    const auto m = strata::mle(dup);
    QVERIFY(std::isfinite(m.value));
    QCOMPARE(m.parameters.at("duplicates_removed"), 6.0);
    QVERIFY(hasWarning(m, "duplicate"));
    // all points identical: no estimate, an error that says so (never a silent NaN)
    strata::FloatArray same({10, 3});
    QCOMPARE(errorCode([&] { strata::twoNN(same); }), std::string("id.too_few_points"));
    const auto pr = strata::participationRatio(same);
    QCOMPARE(pr.value, 0.0);
    QVERIFY(hasWarning(pr, "identical"));
  }
  void errorBars() {
    const auto x = sphere(5, 2000, 30, 105);
    strata::TwoNNOptions o;
    o.errorBar.subsets = 8;
    const auto a = strata::twoNN(x, o);
    QCOMPARE(a.value, strata::twoNN(x).value);  // the value is the full-N estimate
    // sd of TwoNN at N = 2000 for d = 5 is ~0.16 (numpy, 10 seeds)
    QVERIFY2(a.error > 0.04 && a.error < 0.5, qPrintable(QString::number(a.error)));
    QCOMPARE(a.parameters.at("error.subsets"), 8.0);
    QVERIFY(std::abs(a.parameters.at("error.subset_mean") - 5) < 0.75);
    QCOMPARE(strata::twoNN(x, o).error, a.error);  // seeded
    o.errorBar.seed = 99;
    QVERIFY(strata::twoNN(x, o).error != a.error);
    strata::MleOptions mo;
    mo.errorBar.subsets = 4;
    const auto m = strata::mle(x, mo);
    QVERIFY2(m.error > 0.005 && m.error < 0.3, qPrintable(QString::number(m.error)));
    strata::PcaOptions po;
    po.errorBar.subsets = 4;
    QVERIFY(strata::participationRatio(x, po).error > 0);
    // too few points per subset: no error bar, a warning instead
    const auto small = refdata("skdim_hyperball_n30_d5_in10.npy");
    const auto s = strata::mle(small, mo);
    QCOMPARE(s.error, 0.0);
    QVERIFY(hasWarning(s, "error bar skipped"));
  }
  void precomputedNeighboursAgree() {
    const auto x = refdata("skdim_hyperball_n30_d5_in10.npy");
    const auto nn = strata::nearestNeighbours(x, 20);
    QCOMPARE(strata::mle(nn).value, strata::mle(x).value);
    QCOMPARE(strata::twoNN(nn).value, strata::twoNN(x).value);
  }
  void rejectsBadOptions() {
    const auto x = refdata("skdim_hyperball_n30_d5_in10.npy");
    strata::TwoNNOptions t;
    t.fraction = 0;
    QCOMPARE(errorCode([&] { strata::twoNN(x, t); }), std::string("id.bad_input"));
    strata::MleOptions m;
    m.k = 30;
    QCOMPARE(errorCode([&] { strata::mle(x, m); }), std::string("id.too_few_points"));
    m.k = 1;
    QCOMPARE(errorCode([&] { strata::mle(x, m); }), std::string("id.bad_input"));
    strata::PcaOptions p;
    p.threshold = 1.5;
    QCOMPARE(errorCode([&] { strata::pcId(x, p); }), std::string("id.bad_input"));
    strata::FloatArray flat({30});
    QCOMPARE(errorCode([&] { strata::twoNN(flat); }), std::string("id.bad_input"));
    strata::TwoNNOptions one;
    one.errorBar.subsets = 1;
    QCOMPARE(errorCode([&] { strata::twoNN(x, one); }), std::string("id.bad_input"));
  }
};

QTEST_GUILESS_MAIN(TestIntrinsicDimension)
#include "test_intrinsic_dimension.moc"
