// runtime::Linear takes oneDNN's float32 inner product instead of at::linear (OpenBLAS): it
// must stay an exact float32 GEMM. Compared against a double-precision product at GPT-2 small
// shapes (where oneDNN blocks and threads the work) and tiny ones.
#include <QtTest/QtTest>

#include "core/runtime/TransformerInternal.h"
#include "core/util/Runtime.h"

using strata::runtime::Linear;

namespace {

/// max |a - b| / max(1, max |b|).
double relError(const at::Tensor& a, const at::Tensor& b) {
  const at::Tensor bd = b.to(at::kDouble);
  const double scale = std::max(1.0, bd.abs().max().item<double>());
  return (a.to(at::kDouble) - bd).abs().max().item<double>() / scale;
}

}  // namespace

class TestLinear : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { strata::configureThreads(0); }

  void matchesDoubleProduct_data() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("in");
    QTest::addColumn<int>("out");
    QTest::addColumn<bool>("bias");
    QTest::newRow("gpt2 c_fc T=512") << 512 << 768 << 3072 << true;
    QTest::newRow("gpt2 mlp c_proj T=128") << 128 << 3072 << 768 << true;
    QTest::newRow("one row") << 1 << 768 << 2304 << true;
    QTest::newRow("tiny, no bias") << 5 << 32 << 97 << false;
  }
  void matchesDoubleProduct() {
    QFETCH(int, rows);
    QFETCH(int, in);
    QFETCH(int, out);
    QFETCH(bool, bias);
    c10::InferenceMode guard;
    at::manual_seed(rows + in + out);
    const at::Tensor x = at::randn({rows, in});
    const at::Tensor w = at::randn({out, in}) * 0.05;
    const at::Tensor b = at::randn({out}) * 0.1;
    const Linear lin(w, bias ? std::optional<at::Tensor>(b) : std::nullopt);
    QCOMPARE(lin.inFeatures(), static_cast<std::int64_t>(in));
    QCOMPARE(lin.outFeatures(), static_cast<std::int64_t>(out));
    const at::Tensor y = lin(x);
    QCOMPARE(y.scalar_type(), at::kFloat);
    QCOMPARE(y.sizes().vec(), (std::vector<std::int64_t>{rows, out}));
    const at::Tensor exact =
        bias ? at::linear(x.to(at::kDouble), w.to(at::kDouble), b.to(at::kDouble))
             : at::linear(x.to(at::kDouble), w.to(at::kDouble));
    QVERIFY2(relError(y, exact) < 1e-5, qPrintable(QString::number(relError(y, exact))));
    QVERIFY(relError(y, at::linear(x, w, bias ? b : at::Tensor())) < 1e-5);
    // A wrong bias (or none) is visible at this tolerance.
    if (bias) QVERIFY(relError(y, at::linear(x.to(at::kDouble), w.to(at::kDouble))) > 1e-3);
  }

  void keepsLeadingDimensions() {
    c10::InferenceMode guard;
    const at::Tensor x = at::randn({2, 3, 16});
    const at::Tensor w = at::randn({8, 16});
    const at::Tensor y = Linear(w, std::nullopt)(x);
    QCOMPARE(y.sizes().vec(), (std::vector<std::int64_t>{2, 3, 8}));
    QVERIFY(relError(y, at::linear(x.to(at::kDouble), w.to(at::kDouble))) < 1e-5);
  }

  void batchedMatmulMatchesDoubleProduct() {
    c10::InferenceMode guard;
    const at::Tensor a = at::randn({3, 17, 8}), b = at::randn({3, 11, 8}), c = at::randn({3, 8, 5});
    const at::Tensor abT = strata::runtime::batchedMatmul(a, b, true);
    const at::Tensor ac = strata::runtime::batchedMatmul(a, c, false);
    QCOMPARE(abT.sizes().vec(), (std::vector<std::int64_t>{3, 17, 11}));
    QCOMPARE(ac.sizes().vec(), (std::vector<std::int64_t>{3, 17, 5}));
    const at::Tensor refAbT = at::bmm(a.to(at::kDouble), b.to(at::kDouble).transpose(1, 2));
    const at::Tensor refAc = at::bmm(a.to(at::kDouble), c.to(at::kDouble));
    QVERIFY((abT.to(at::kDouble) - refAbT).abs().max().item<double>() < 1e-5);
    QVERIFY((ac.to(at::kDouble) - refAc).abs().max().item<double>() < 1e-5);
  }

  void bf16WeightsStayBf16() {
    c10::InferenceMode guard;
    const at::Tensor x = at::randn({64, 256}).to(at::kBFloat16);
    const at::Tensor w = (at::randn({128, 256}) * 0.05).to(at::kBFloat16);
    const at::Tensor y = Linear(w, std::nullopt)(x);
    QCOMPARE(y.scalar_type(), at::kBFloat16);
    QVERIFY(relError(y, at::linear(x.to(at::kDouble), w.to(at::kDouble))) < 2e-2);
  }
};

QTEST_GUILESS_MAIN(TestLinear)
#include "test_linear.moc"
