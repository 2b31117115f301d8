#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "core/analysis/Neighbours.h"
#include "core/util/Error.h"

namespace {

strata::FloatArray randomCloud(std::int64_t n, std::int64_t d, unsigned seed, double scale = 1.0,
                               double offset = 0.0) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  strata::FloatArray x({n, d});
  for (auto& v : x.data)
    v = static_cast<float>(offset + scale * g(rng));
  return x;
}

/// Brute force in long double from the float32 coordinates: the independent truth.
struct Truth {
  std::vector<long double> dist;
  std::vector<std::int64_t> index;
};
Truth bruteForce(const strata::FloatArray& x, int k) {
  const std::int64_t n = x.shape[0], d = x.shape[1];
  Truth t;
  for (std::int64_t i = 0; i < n; ++i) {
    std::vector<std::pair<long double, std::int64_t>> row;
    for (std::int64_t j = 0; j < n; ++j) {
      if (j == i) continue;
      long double s = 0;
      for (std::int64_t c = 0; c < d; ++c) {
        const long double diff = static_cast<long double>(x.data[static_cast<size_t>(i * d + c)]) -
                                 static_cast<long double>(x.data[static_cast<size_t>(j * d + c)]);
        s += diff * diff;
      }
      row.emplace_back(std::sqrt(s), j);
    }
    std::sort(row.begin(), row.end());
    for (int m = 0; m < k; ++m) {
      t.dist.push_back(row[static_cast<size_t>(m)].first);
      t.index.push_back(row[static_cast<size_t>(m)].second);
    }
  }
  return t;
}

void compare(const strata::FloatArray& x, int k, double relTol) {
  const auto nb = strata::nearestNeighbours(x, k);
  const auto t = bruteForce(x, k);
  QCOMPARE(nb.n, x.shape[0]);
  QCOMPARE(nb.k, static_cast<std::int64_t>(k));
  QCOMPARE(nb.distance.size(), t.dist.size());
  for (size_t i = 0; i < t.dist.size(); ++i) {
    const double want = static_cast<double>(t.dist[i]);
    if (std::abs(nb.distance[i] - want) > relTol * std::max(want, 1e-300))
      QFAIL(qPrintable(QString("entry %1: got %2, want %3")
                           .arg(i)
                           .arg(nb.distance[i], 0, 'g', 17)
                           .arg(want, 0, 'g', 17)));
  }
  // indices agree wherever distances are not tied
  for (size_t i = 0; i < t.dist.size(); ++i) {
    const bool tiedPrev = i % static_cast<size_t>(k) > 0 && t.dist[i] == t.dist[i - 1];
    const bool tiedNext = (i + 1) % static_cast<size_t>(k) > 0 && t.dist[i] == t.dist[i + 1];
    if (!tiedPrev && !tiedNext) QCOMPARE(nb.index[i], t.index[i]);
  }
}

}  // namespace

class TestNeighbours : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void matchesBruteForce() {
    compare(randomCloud(300, 7, 1), 5, 1e-13);
    compare(randomCloud(200, 64, 2), 20, 1e-13);
  }
  void allOtherRowsAsCandidates() {
    // N - 1 <= k + 16: every other row is a candidate, no certification involved
    compare(randomCloud(12, 3, 3), 4, 1e-13);
    compare(randomCloud(2, 3, 3), 1, 1e-13);
  }
  void farFromOriginAndTinyClusters() {
    // Clusters of spread 1e-4 far apart: float32 expansion cannot rank within a cluster, so
    // the float64 (and exact) passes must take over; results still exact.
    strata::FloatArray x({240, 5});
    std::mt19937 rng(4);
    std::normal_distribution<double> g(0.0, 1.0);
    for (std::int64_t i = 0; i < 240; ++i)
      for (std::int64_t c = 0; c < 5; ++c)
        x.at({i, c}) = static_cast<float>(100.0 * static_cast<double>((i % 3) * (c + 1)) +
                                          (i % 2 ? 1e-3 : 3e-2) * g(rng) + 50.0);
    compare(x, 3, 1e-12);
  }
  void equidistantTiesUseExactPass() {
    // Row 0 at the origin, rows 1..40 at +-e_c: 40 neighbours at distance exactly 1, more than
    // the candidates, so no GEMM pass can certify row 0; the exact pass breaks ties by index.
    strata::FloatArray x({41, 20});
    for (std::int64_t c = 0; c < 20; ++c) {
      x.at({1 + 2 * c, c}) = 1.0f;
      x.at({2 + 2 * c, c}) = -1.0f;
    }
    const auto nb = strata::nearestNeighbours(x, 3);
    for (std::int64_t m = 0; m < 3; ++m) {
      QCOMPARE(nb.distance[static_cast<size_t>(m)], 1.0);
      QCOMPARE(nb.index[static_cast<size_t>(m)], m + 1);
    }
    QCOMPARE(nb.index[3], std::int64_t{0});  // row 1's nearest is the origin
  }
  void duplicatesGiveZeroAndAreCounted() {
    auto x = randomCloud(50, 4, 5);
    // rows 10 and 11 are copies of row 3; row 20 of row 7
    for (std::int64_t c = 0; c < 4; ++c) {
      x.at({10, c}) = x.at({3, c});
      x.at({11, c}) = x.at({3, c});
      x.at({20, c}) = x.at({7, c});
    }
    const auto nb = strata::nearestNeighbours(x, 2);
    QCOMPARE(nb.zeroDistanceRows, std::int64_t{5});
    QCOMPARE(nb.distance[3 * 2], 0.0);
    QCOMPARE(nb.distance[3 * 2 + 1], 0.0);
    QCOMPARE(nb.index[3 * 2], std::int64_t{10});  // ties broken by row index
    QCOMPARE(nb.index[3 * 2 + 1], std::int64_t{11});
    QCOMPARE(nb.index[20 * 2], std::int64_t{7});
    QVERIFY(nb.distance[20 * 2 + 1] > 0.0);
    for (std::int64_t i = 0; i < 50; ++i)
      QVERIFY(nb.index[static_cast<size_t>(i * 2)] != i);
  }
  void manyDuplicatesBeyondCandidates() {
    // 60 copies of one point, k = 30: all zero distances, never self
    strata::FloatArray x({70, 2});
    for (std::int64_t i = 60; i < 70; ++i)
      x.at({i, 0}) = static_cast<float>(i);
    const auto nb = strata::nearestNeighbours(x, 30);
    QCOMPARE(nb.zeroDistanceRows, std::int64_t{60});
    for (std::int64_t i = 0; i < 60; ++i)
      for (std::int64_t m = 0; m < 30; ++m) {
        QCOMPARE(nb.distance[static_cast<size_t>(i * 30 + m)], 0.0);
        QVERIFY(nb.index[static_cast<size_t>(i * 30 + m)] != i);
      }
  }
  void rejectsBadInput() {
    auto code = [](auto&& f) {
      try {
        f();
      } catch (const strata::Error& e) {
        return e.code();
      }
      return std::string();
    };
    const auto x = randomCloud(5, 2, 6);
    QCOMPARE(code([&] { strata::nearestNeighbours(x, 5); }),
             std::string("neighbours.too_few_points"));
    QCOMPARE(code([&] { strata::nearestNeighbours(x, 0); }), std::string("neighbours.bad_k"));
    strata::FloatArray v({10});
    QCOMPARE(code([&] { strata::nearestNeighbours(v, 1); }), std::string("neighbours.bad_shape"));
    auto bad = x;
    bad.data[3] = std::nanf("");
    QCOMPARE(code([&] { strata::nearestNeighbours(bad, 1); }),
             std::string("neighbours.non_finite"));
  }
};

QTEST_GUILESS_MAIN(TestNeighbours)
#include "test_neighbours.moc"
