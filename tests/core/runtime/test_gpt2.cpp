// GPT-2 parity: Model::load + run + Trace against the naive double-precision reference in
// Gpt2Fixture.h, on tiny random checkpoints in both HF namings, F32 and F16 storage, several
// sequence lengths; and the loader's and run's refusals of bad checkpoints and inputs.
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <algorithm>
#include <functional>

#include "core/runtime/Model.h"
#include "core/util/Error.h"
#include "core/util/Runtime.h"
#include "tests/common/TestSupport.h"
#include "tests/core/runtime/Gpt2Fixture.h"

using namespace strata;
using namespace strata::test;

namespace {

using strata::test::errorCode;

std::vector<std::int64_t> randomIds(int T, int vocab, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int64_t> pick(0, vocab - 1);
  std::vector<std::int64_t> ids(static_cast<std::size_t>(T));
  for (auto& id : ids)
    id = pick(rng);
  return ids;
}

/// Runs `f` and returns the strata::Error code it throws ("" when it does not throw).
}  // namespace

class TestGpt2 : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir tmp_;

  QString dirFor(const QString& name) const { return tmp_.path() + "/" + name; }

  /// Full parity of one checkpoint variant over T = 1, 5, 17 (and the longest input).
  void checkParity(const QString& name, const Gpt2Spec& spec, std::uint64_t seed) {
    const FixtureWriter w = writeGpt2(dirFor(name), spec, seed);
    const auto model = Model::load(dirFor(name).toStdString());
    QCOMPARE(model->numLayers(), spec.layers);
    QCOMPARE(model->numHeads(), spec.heads);
    QVERIFY(model->isCausal());
    for (int T : {1, 5, 17, spec.positions}) {
      const auto ids = randomIds(T, spec.vocab, seed + static_cast<std::uint64_t>(T));
      const Gpt2Reference ref = gpt2Reference(w, spec, ids);
      const auto trace = model->run({ids, {}, {}});
      QCOMPARE(trace->seqLen(), T);
      QCOMPARE(trace->numLayers(), spec.layers);
      for (int i = 0; i <= spec.layers; ++i) {
        const FloatArray h = trace->hidden(i);
        QCOMPARE(h.shape, (std::vector<std::int64_t>{T, spec.d}));
        if (!closeTo(h, ref.hidden[static_cast<std::size_t>(i)]))
          QFAIL(qPrintable(QString("%1 T=%2: hidden_states[%3] differs").arg(name).arg(T).arg(i)));
      }
      for (int l = 0; l < spec.layers; ++l) {
        const FloatArray a = trace->attention(l);
        QCOMPARE(a.shape, (std::vector<std::int64_t>{spec.heads, T, T}));
        if (!closeTo(a, ref.attention[static_cast<std::size_t>(l)]))
          QFAIL(qPrintable(QString("%1 T=%2: attention[%3] differs").arg(name).arg(T).arg(l)));
        for (int h = 0; h < spec.heads; ++h)
          for (int i = 0; i < T; ++i) {
            double sum = 0;
            for (int j = 0; j < T; ++j) {
              const float p = a.at({h, i, j});
              if (j > i) QCOMPARE(p, 0.0f);  // causal: exactly zero above the diagonal
              sum += p;
            }
            QVERIFY(std::abs(sum - 1.0) < 1e-5);
          }
      }
      const FloatArray& logits = trace->logits();
      QCOMPARE(logits.shape, (std::vector<std::int64_t>{T, spec.vocab}));
      if (!closeTo(logits, ref.logits))
        QFAIL(qPrintable(QString("%1 T=%2: logits differ").arg(name).arg(T)));

      // Logit lens: at the last index it is the model's own prediction.
      const auto lens = trace->logitLens(spec.layers, 3);
      QCOMPARE(static_cast<int>(lens.size()), T);
      for (int t = 0; t < T; ++t) {
        const float* row = logits.data.data() + static_cast<std::ptrdiff_t>(t) * spec.vocab;
        const auto argmax = std::max_element(row, row + spec.vocab) - row;
        QCOMPARE(static_cast<std::int64_t>(lens[static_cast<std::size_t>(t)].topIds[0]),
                 static_cast<std::int64_t>(argmax));
        QVERIFY(lens[static_cast<std::size_t>(t)].klToFinal < 1e-6f);
      }
      // At layer 1 it reads ln_f(hidden_states[1]) through the tied/untied head.
      checkLens(*trace, w, spec, ref, 1);
    }
  }

  void checkLens(const Trace& trace, const FixtureWriter& w, const Gpt2Spec& s,
                 const Gpt2Reference& ref, int index) {
    const int T = static_cast<int>(trace.seqLen());
    const Vec normed =
        layerNorm(ref.hidden[static_cast<std::size_t>(index)], T, s.d,
                  toVec(w[s.prefix + "ln_f.weight"]), toVec(w[s.prefix + "ln_f.bias"]), s.eps);
    const Vec head =
        toVec(w[(!s.tied && s.storeLmHead) ? "lm_head.weight" : s.prefix + "wte.weight"]);
    Vec lg = linearOutIn(normed, T, s.d, head, s.vocab, nullptr);
    const auto lens = trace.logitLens(index, 1);
    for (int t = 0; t < T; ++t) {
      double* row = lg.data() + static_cast<std::ptrdiff_t>(t) * s.vocab;
      softmaxInPlace(row, s.vocab);
      const auto best = std::max_element(row, row + s.vocab) - row;
      double entropy = 0;
      for (int v = 0; v < s.vocab; ++v)
        entropy -= row[v] > 0 ? row[v] * std::log(row[v]) : 0.0;
      const LensEntry& e = lens[static_cast<std::size_t>(t)];
      QCOMPARE(static_cast<std::int64_t>(e.topIds[0]), static_cast<std::int64_t>(best));
      QVERIFY(std::abs(e.topProbs[0] - row[best]) < 1e-5);
      QVERIFY(std::abs(e.entropy - entropy) < 1e-4);
    }
  }

  /// Writes `spec` without `skip`, plus `extra` tensors, and returns the load error code.
  QString loadError(const QString& name, const Gpt2Spec& spec, const std::vector<std::string>& skip,
                    const std::function<void(FixtureWriter&)>& extra = {},
                    const std::string& config = {}) {
    FixtureWriter w(7);
    addGpt2Weights(w, spec, skip);
    if (extra) extra(w);
    w.write(dirFor(name), config.empty() ? spec.configJson() : config);
    return errorCode([&] { Model::load(dirFor(name).toStdString()); });
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    configureThreads(0);
  }

  void prefixedF32() { checkParity("prefixed_f32", Gpt2Spec{}, 11); }

  void hubNamingF16() {
    Gpt2Spec s;
    s.prefix = "";
    s.storeMaskBuffers = true;
    s.dtype = DType::F16;
    s.activation = "gelu";
    s.inner = 80;
    s.scaleByInverseLayerIdx = true;
    checkParity("hub_f16", s, 23);
  }

  void untiedRelu() {
    Gpt2Spec s;
    s.tied = false;
    s.storeLmHead = true;
    s.activation = "relu";
    s.scaleAttnWeights = false;
    s.heads = 2;
    s.layers = 2;
    checkParity("untied_relu", s, 31);
  }

  void tiedIgnoresStoredLmHead() {
    // HF ties lm_head to wte when tie_word_embeddings is true, whatever the file holds.
    Gpt2Spec s;
    s.storeLmHead = true;
    s.activation = "silu";
    checkParity("tied_with_head", s, 37);
  }

  void hiddenF16Capture() {
    const Gpt2Spec s;
    const FixtureWriter w = writeGpt2(dirFor("f16cap"), s, 41);
    const auto model = Model::load(dirFor("f16cap").toStdString());
    const auto ids = randomIds(9, s.vocab, 5);
    const Gpt2Reference ref = gpt2Reference(w, s, ids);
    CaptureOptions opt;
    opt.hiddenF16 = true;
    opt.logits = false;
    const auto trace = model->run({ids, {}, {}}, opt);
    QVERIFY(trace->logits().empty());
    QVERIFY(closeTo(trace->hidden(2), ref.hidden[2], 2e-3));
    QVERIFY(!closeTo(trace->hidden(2), ref.hidden[1], 2e-3));
  }

  void missingTensor() {
    const Gpt2Spec s;
    QCOMPARE(loadError("missing_fc", s, {"transformer.h.1.mlp.c_fc.weight"}),
             QString("model.missing_tensor"));
    // Not checked by validateWeights; the reader refuses it while building the model.
    QCOMPARE(loadError("missing_ln_bias", s, {"transformer.h.0.ln_1.bias"}),
             QString("model.missing_tensor"));
    QCOMPARE(loadError("missing_proj_w", s, {"transformer.h.2.attn.c_proj.weight"}),
             QString("model.missing_tensor"));
  }

  void wrongShape() {
    const Gpt2Spec s;
    const std::string name = "transformer.h.1.mlp.c_proj.weight";
    QCOMPARE(loadError("bad_shape", s, {name},
                       [&](FixtureWriter& w) {
                         w.add(name, {s.innerSize(), s.d + 1});
                       }),
             QString("model.shape_mismatch"));
    const std::string bias = "transformer.h.0.attn.c_proj.bias";
    QCOMPARE(loadError("bad_bias", s, {bias}, [&](FixtureWriter& w) { w.add(bias, {s.d - 1}); }),
             QString("model.shape_mismatch"));
  }

  void configContradictsWeights() {
    Gpt2Spec s;
    Gpt2Spec more = s;
    more.layers = 4;
    QCOMPARE(loadError("more_layers", s, {}, {}, more.configJson()),
             QString("model.layer_mismatch"));
    Gpt2Spec wider = s;
    wider.d = 40;
    QVERIFY(loadError("wider", s, {}, {}, wider.configJson()).startsWith("model."));
    Gpt2Spec badAct = s;
    badAct.activation = "swiglu_unknown";
    QCOMPARE(loadError("bad_act", badAct, {}), QString("model.unsupported"));
  }

  void badInput() {
    const Gpt2Spec s;
    writeGpt2(dirFor("inputs"), s, 3);
    const auto model = Model::load(dirFor("inputs").toStdString());
    QCOMPARE(errorCode([&] {
               model->run({randomIds(s.positions + 1, s.vocab, 1), {}, {}});
             }),
             QString("run.too_long"));
    QCOMPARE(errorCode([&] { model->run({{}, {}, {}}); }), QString("run.empty_input"));
    QCOMPARE(errorCode([&] { model->run({{1, 2, s.vocab}, {}, {}}); }), QString("run.bad_token"));
    const auto trace = model->run({{1, 2, 3}, {}, {}});
    QCOMPARE(errorCode([&] { trace->attention(s.layers); }), QString("run.bad_layer"));
    QCOMPARE(errorCode([&] { trace->hidden(-1); }), QString("run.bad_layer"));
  }
};

QTEST_GUILESS_MAIN(TestGpt2)
#include "test_gpt2.moc"
