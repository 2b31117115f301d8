#include <QtTest/QtTest>

#include <cmath>
#include <set>

#include "core/analysis/AttentionStats.h"
#include "core/util/Error.h"

using strata::FloatArray;

namespace {

// Uniform causal attention: row i spreads 1 / (i + 1) over keys 0..i.
FloatArray uniformCausal(std::int64_t h, std::int64_t t) {
  FloatArray a({h, t, t});
  for (std::int64_t k = 0; k < h; ++k)
    for (std::int64_t i = 0; i < t; ++i)
      for (std::int64_t j = 0; j <= i; ++j)
        a.at({k, i, j}) = 1.0f / static_cast<float>(i + 1);
  return a;
}

// Each query attends entirely to one key: target[i].
void setHead(FloatArray& a, std::int64_t head, const std::vector<std::int64_t>& target) {
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(target.size()); ++i)
    a.at({head, i, target[static_cast<std::size_t>(i)]}) = 1.0f;
}

// The exact induction pattern: attend to the token after the previous occurrence of the
// current token, else to position 0.
std::vector<std::int64_t> inductionTargets(const std::vector<std::int64_t>& tokens) {
  std::vector<std::int64_t> target(tokens.size(), 0);
  for (std::size_t i = 0; i < tokens.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (tokens[j] == tokens[i]) target[i] = static_cast<std::int64_t>(j + 1);
  return target;
}

}  // namespace

class TestAttentionStats : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void uniformCausalAttention() {
    const std::int64_t t = 7;
    const auto s = strata::attentionStats(uniformCausal(2, t));
    QCOMPARE(s.heads.size(), std::size_t{2});
    QVERIFY(s.warnings.empty());
    // entropy of row i = log(i + 1); mean over rows = log(T!) / T
    const double entropy = std::lgamma(static_cast<double>(t + 1)) / static_cast<double>(t);
    // mean |i - j| over j = 0..i is i / 2; mean over rows = (T - 1) / 4
    const double distance = static_cast<double>(t - 1) / 4.0;
    double previous = 0.0;  // a_{i,i-1} = 1 / (i + 1)
    for (std::int64_t i = 1; i < t; ++i)
      previous += 1.0 / static_cast<double>(i + 1);
    previous /= static_cast<double>(t - 1);
    for (const auto& h : s.heads) {
      QVERIFY(std::abs(h.entropy - entropy) < 1e-6);
      QVERIFY(std::abs(h.meanDistance - distance) < 1e-6);
      QVERIFY(std::abs(h.previousToken - previous) < 1e-6);
    }
  }

  void previousTokenHead() {
    const std::int64_t t = 9;
    FloatArray a({2, t, t});
    std::vector<std::int64_t> prev(t), self(t);
    for (std::int64_t i = 0; i < t; ++i) {
      prev[static_cast<std::size_t>(i)] = std::max<std::int64_t>(0, i - 1);
      self[static_cast<std::size_t>(i)] = i;
    }
    setHead(a, 0, prev);
    setHead(a, 1, self);
    const auto s = strata::attentionStats(a);
    QCOMPARE(s.heads[0].previousToken, 1.0);
    QCOMPARE(s.heads[0].entropy, 0.0);
    QVERIFY(std::abs(s.heads[0].meanDistance - 8.0 / 9.0) < 1e-12);  // rows 1..8 at distance 1
    QCOMPARE(s.heads[1].previousToken, 0.0);
    QCOMPARE(s.heads[1].meanDistance, 0.0);
  }

  void singleTokenWarns() {
    FloatArray a({1, 1}, {1.0f});
    const auto s = strata::attentionStats(a);
    QCOMPARE(s.heads.size(), std::size_t{1});
    QCOMPARE(s.heads[0].previousToken, 0.0);
    QCOMPARE(s.warnings.size(), std::size_t{1});
  }

  void repeatedRandomTokens() {
    const auto tok = strata::repeatedRandomTokens(50, 1000, 1100, 42, 7);
    QCOMPARE(tok.size(), std::size_t{101});
    QCOMPARE(tok[0], std::int64_t{7});
    std::set<std::int64_t> distinct;
    for (std::size_t i = 1; i <= 50; ++i) {
      QCOMPARE(tok[i], tok[i + 50]);
      QVERIFY(tok[i] >= 1000 && tok[i] < 1100);
      distinct.insert(tok[i]);
    }
    QCOMPARE(distinct.size(), std::size_t{50});
    QVERIFY(strata::repeatedRandomTokens(50, 1000, 1100, 42, 7) == tok);
    QVERIFY(strata::repeatedRandomTokens(50, 1000, 1100, 43, 7) != tok);
    // range smaller than n: drawn with replacement, still repeated
    const auto small = strata::repeatedRandomTokens(20, 0, 3, 1);
    QCOMPARE(small.size(), std::size_t{40});
    for (std::size_t i = 0; i < 20; ++i)
      QCOMPARE(small[i], small[i + 20]);
    QVERIFY_THROWS_EXCEPTION(strata::Error, strata::repeatedRandomTokens(0, 0, 10, 1));
  }

  void exactInductionPattern() {
    for (std::int64_t bos : {std::int64_t{-1}, std::int64_t{0}}) {
      const std::int64_t n = 6, prefix = bos >= 0 ? 1 : 0;
      const auto tok = strata::repeatedRandomTokens(n, 10, 1000, 5, bos);
      const auto t = static_cast<std::int64_t>(tok.size());
      FloatArray a({3, t, t});
      setHead(a, 0, inductionTargets(tok));
      std::vector<std::int64_t> prev(tok.size()), shifted(tok.size());
      for (std::int64_t i = 0; i < t; ++i) {
        prev[static_cast<std::size_t>(i)] = std::max<std::int64_t>(0, i - 1);
        // the stripe one query too early (the off-by-one an implementation could make)
        shifted[static_cast<std::size_t>(i)] = std::max<std::int64_t>(0, i - n);
      }
      setHead(a, 1, prev);
      setHead(a, 2, shifted);
      const auto s = strata::inductionScores(a, n, prefix);
      QCOMPARE(s.size(), std::size_t{3});
      QCOMPARE(s[0], 1.0);
      QCOMPARE(s[1], 0.0);
      QCOMPARE(s[2], 0.0);
    }
    QVERIFY_THROWS_EXCEPTION(strata::Error, strata::inductionScores(uniformCausal(1, 5), 3, 0));
  }

  void rolloutOfIdentityIsIdentity() {
    const std::int64_t t = 5;
    FloatArray eye({2, t, t});
    for (std::int64_t k = 0; k < 2; ++k)
      for (std::int64_t i = 0; i < t; ++i)
        eye.at({k, i, i}) = 1.0f;
    const auto j = strata::attentionRollout({eye, eye, eye});
    QCOMPARE(j.size(), std::size_t{3});
    for (const auto& m : j) {
      QCOMPARE(m.shape, (std::vector<std::int64_t>{t, t}));
      for (std::int64_t r = 0; r < t; ++r)
        for (std::int64_t c = 0; c < t; ++c)
          QCOMPARE(m.at({r, c}), r == c ? 1.0f : 0.0f);
    }
  }

  void rolloutHandComputed() {
    // layer 1, one head: A1' = (A1 + I) / 2 row-wise = [[1,0,0],[.25,.75,0],[.1,.15,.75]]
    FloatArray l1({1, 3, 3}, {1, 0, 0, 0.5f, 0.5f, 0, 0.2f, 0.3f, 0.5f});
    // layer 2, two heads averaged to [[1,0,0],[.5,.5,0],[.5,0,.5]];
    // A2' = [[1,0,0],[.25,.75,0],[.25,0,.75]]
    FloatArray l2({2, 3, 3}, {1, 0, 0, 1, 0, 0, 1, 0, 0,  //
                              1, 0, 0, 0, 1, 0, 0, 0, 1});
    const auto j = strata::attentionRollout({l1, l2});
    const std::vector<float> j1 = {1, 0, 0, 0.25f, 0.75f, 0, 0.1f, 0.15f, 0.75f};
    // J2 = A2' J1, by hand
    const std::vector<float> j2 = {1, 0, 0, 0.4375f, 0.5625f, 0, 0.325f, 0.1125f, 0.5625f};
    for (std::size_t i = 0; i < 9; ++i) {
      QVERIFY(std::abs(j[0].data[i] - j1[i]) < 1e-6f);
      QVERIFY(std::abs(j[1].data[i] - j2[i]) < 1e-6f);
    }
  }

  void rejectsBadShapes() {
    try {
      strata::attentionStats(FloatArray({2, 3, 4}));
      QFAIL("no error");
    } catch (const strata::Error& e) {
      QCOMPARE(QString::fromStdString(e.code()), QString("analysis.bad_shape"));
    }
    QVERIFY_THROWS_EXCEPTION(
        strata::Error, strata::attentionRollout({FloatArray({1, 3, 3}), FloatArray({1, 4, 4})}));
  }
};

QTEST_GUILESS_MAIN(TestAttentionStats)
#include "test_attention_stats.moc"
