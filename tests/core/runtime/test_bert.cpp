// Parity of the BERT / RoBERTa runtime against the naive reference in BertFixture.h, on
// tiny random checkpoints in each naming variant, plus the bad-input errors.
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <algorithm>
#include <functional>
#include <random>

#include "BertFixture.h"
#include "core/runtime/Model.h"
#include "core/util/Error.h"
#include "tests/common/TestSupport.h"

using namespace strata;
using namespace strata::test;

namespace {

using strata::test::errorCode;

std::vector<std::int64_t> randomIds(int T, int V, std::uint64_t seed, int avoid = -1) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> pick(0, V - 1);
  std::vector<std::int64_t> ids;
  while (static_cast<int>(ids.size()) < T) {
    const int id = pick(rng);
    if (id != avoid) ids.push_back(id);
  }
  return ids;
}

/// Runs `model` on ids (and types) and compares every hidden state, every layer's attention
/// and the logits with the reference.
void checkParity(const Model& model, const BertSpec& s, const FixtureWriter& w,
                 const std::vector<std::int64_t>& ids, const std::vector<std::int64_t>& types) {
  ModelInput in;
  in.ids = ids;
  in.tokenTypeIds = types;
  const auto trace = model.run(in);
  const BertReference ref = refBert(s, w, ids, types);
  const auto T = static_cast<std::int64_t>(ids.size());
  QCOMPARE(trace->seqLen(), T);
  QCOMPARE(trace->numLayers(), s.L);
  for (int l = 0; l <= s.L; ++l) {
    const FloatArray h = trace->hidden(l);
    QCOMPARE(h.shape, (std::vector<std::int64_t>{T, s.D}));
    if (!closeTo(h, ref.hidden[static_cast<std::size_t>(l)]))
      QFAIL(qPrintable(QString("hidden %1 differs (T = %2)").arg(l).arg(T)));
  }
  for (int l = 0; l < s.L; ++l) {
    const FloatArray a = trace->attention(l);
    QCOMPARE(a.shape, (std::vector<std::int64_t>{s.H, T, T}));
    if (!closeTo(a, ref.attn[static_cast<std::size_t>(l)]))
      QFAIL(qPrintable(QString("attention %1 differs (T = %2)").arg(l).arg(T)));
    double upper = 0;
    for (std::int64_t h = 0; h < s.H; ++h)
      for (std::int64_t i = 0; i < T; ++i) {
        double sum = 0;
        for (std::int64_t j = 0; j < T; ++j) {
          sum += a.at({h, i, j});
          if (j > i) upper = std::max(upper, double(a.at({h, i, j})));
        }
        QVERIFY(std::abs(sum - 1.0) < 1e-5);
      }
    // Bidirectional: queries attend to later keys too (a causal mask would make this 0).
    if (T > 1) QVERIFY2(upper > 1e-3, "attention looks causal");
  }
  if (s.head) {
    QCOMPARE(trace->logits().shape, (std::vector<std::int64_t>{T, s.V}));
    QVERIFY2(closeTo(trace->logits(), ref.logits), "MLM logits differ");
  } else {
    QVERIFY(trace->logits().empty());
  }
}

}  // namespace

class TestBert : public QObject {
  Q_OBJECT

  QTemporaryDir tmp_;
  QString dir(const char* name) const { return tmp_.path() + "/" + name; }

  /// Writes `s` into a fresh folder and returns the load error code ("no error" if it loads).
  QString loadError(const BertSpec& s, const char* name) {
    FixtureWriter w(99);
    writeBert(s, w, dir(name));
    return errorCode([&] { Model::load(dir(name).toStdString()); });
  }

 private Q_SLOTS:
  void initTestCase() { QVERIFY(tmp_.isValid()); }

  void bertMaskedLmParity() {
    BertSpec s;  // BertForMaskedLM: "bert." prefix, tied decoder, cls.predictions.bias
    FixtureWriter w(1);
    writeBert(s, w, dir("bert_mlm"));
    const auto model = Model::load(dir("bert_mlm").toStdString());
    QVERIFY(!model->isCausal());
    for (int T : {1, 7, 20})
      checkParity(*model, s, w, randomIds(T, s.V, 100 + static_cast<std::uint64_t>(T)), {});
    // Segment ids: the second sentence reads token_type_embeddings[1].
    checkParity(*model, s, w, randomIds(7, s.V, 7), {0, 0, 0, 1, 1, 1, 1});
  }

  void bertUntiedGeluNew() {
    BertSpec s;
    s.untied = true;  // the stored cls.predictions.decoder.weight is used, not the embedding
    s.act = "gelu_new";
    FixtureWriter w(2);
    writeBert(s, w, dir("bert_untied"));
    const auto model = Model::load(dir("bert_untied").toStdString());
    checkParity(*model, s, w, randomIds(9, s.V, 9), {1, 1, 0, 0, 1, 0, 1, 0, 0});
  }

  void bertModelOldNamesNoHead() {
    BertSpec s;  // a BertModel save: no prefix, LayerNorm.gamma/beta, no MLM head
    s.prefix = "";
    s.oldNames = true;
    s.head = false;
    FixtureWriter w(3);
    writeBert(s, w, dir("bert_base"));
    const auto model = Model::load(dir("bert_base").toStdString());
    for (int T : {1, 7, 20})
      checkParity(*model, s, w, randomIds(T, s.V, 200 + static_cast<std::uint64_t>(T)), {});
    ModelInput in;
    in.ids = randomIds(5, s.V, 5);
    const auto trace = model->run(in);
    QCOMPARE(errorCode([&] { trace->logitLens(1, 3); }), QString("run.no_unembedding"));
  }

  void robertaMaskedLmParity() {
    BertSpec s;
    s.roberta = true;
    s.prefix = "roberta.";
    s.pad = 1;
    s.P = 64 + 2;  // 64 usable positions after padding_idx + 1
    s.types = 1;
    s.act = "relu";  // the encoder follows hidden_act, the LM head still uses gelu
    FixtureWriter w(4);
    writeBert(s, w, dir("roberta_mlm"));
    const auto model = Model::load(dir("roberta_mlm").toStdString());
    for (int T : {1, 7, 20, 64})
      checkParity(*model, s, w, randomIds(T, s.V, 300 + static_cast<std::uint64_t>(T), s.pad), {});
    // A pad token inside the input takes position padding_idx and does not advance the count.
    std::vector<std::int64_t> ids = randomIds(8, s.V, 8, s.pad);
    ids[3] = s.pad;
    ids[6] = s.pad;
    checkParity(*model, s, w, ids, {});
  }

  void logitLensReadsThroughTheMlmHead() {
    BertSpec s;
    FixtureWriter w(5);
    writeBert(s, w, dir("bert_lens"));
    const auto model = Model::load(dir("bert_lens").toStdString());
    ModelInput in;
    in.ids = randomIds(6, s.V, 6);
    const auto trace = model->run(in);
    const BertReference ref = refBert(s, w, in.ids, {});
    for (int index : {1, s.L}) {
      const Vec logits = refMlmHead(s, w, ref.hidden[static_cast<std::size_t>(index)], 6);
      const auto lens = trace->logitLens(index, 3);
      QCOMPARE(lens.size(), std::size_t{6});
      for (int t = 0; t < 6; ++t) {
        const double* row = &logits[static_cast<std::size_t>(t * s.V)];
        Vec p(row, row + s.V);
        softmaxInPlace(p.data(), s.V);
        const auto best = std::max_element(p.begin(), p.end()) - p.begin();
        QCOMPARE(lens[static_cast<std::size_t>(t)].topIds[0], static_cast<std::int32_t>(best));
        QVERIFY(std::abs(lens[static_cast<std::size_t>(t)].topProbs[0] - p[best]) < 1e-5);
        if (index == s.L) QVERIFY(lens[static_cast<std::size_t>(t)].klToFinal < 1e-6);
      }
    }
  }

  void bf16RunsCloseToReference() {
    BertSpec s;
    s.roberta = true;
    s.prefix = "roberta.";
    s.pad = 1;
    s.P = 66;
    FixtureWriter w(8);
    writeBert(s, w, dir("roberta_bf16"));
    LoadOptions options;
    options.precision = Precision::BF16;
    const auto model = Model::load(dir("roberta_bf16").toStdString(), options);
    ModelInput in;
    in.ids = randomIds(12, s.V, 12, s.pad);
    const auto trace = model->run(in);
    const BertReference ref = refBert(s, w, in.ids, {});
    // bfloat16 keeps 8 significant bits: a few per cent after two blocks and the head.
    QVERIFY(closeTo(trace->hidden(s.L), ref.hidden.back(), 5e-2));
    QVERIFY(closeTo(trace->logits(), ref.logits, 5e-2));
    QVERIFY(closeTo(trace->attention(1), ref.attn[1], 5e-2));
  }

  void badInput() {
    BertSpec s;
    FixtureWriter w(6);
    writeBert(s, w, dir("bert_ok"));
    const auto model = Model::load(dir("bert_ok").toStdString());
    QCOMPARE(errorCode([&] { model->run(ModelInput{}); }), QString("run.empty_input"));
    ModelInput bad;
    bad.ids = {1, 2, s.V};
    QCOMPARE(errorCode([&] { model->run(bad); }), QString("run.bad_token"));
    ModelInput fits;
    fits.ids = randomIds(s.P, s.V, 11);
    QCOMPARE(errorCode([&] { model->run(fits); }), QString("no error"));
    ModelInput tooLong;
    tooLong.ids = randomIds(s.P + 1, s.V, 12);
    QCOMPARE(errorCode([&] { model->run(tooLong); }), QString("run.too_long"));

    BertSpec missing;
    missing.omit = "bert.encoder.layer.1.output.LayerNorm.weight";
    QCOMPARE(loadError(missing, "bad_missing"), QString("model.missing_tensor"));
    BertSpec missingHead;
    missingHead.omit = "cls.predictions.transform.LayerNorm.bias";
    QCOMPARE(loadError(missingHead, "bad_missing_head"), QString("model.missing_tensor"));
    BertSpec shape;
    shape.widen = "bert.encoder.layer.0.intermediate.dense.bias";
    QCOMPARE(loadError(shape, "bad_shape"), QString("model.shape_mismatch"));
    BertSpec headShape;
    headShape.widen = "cls.predictions.bias";
    QCOMPARE(loadError(headShape, "bad_head_shape"), QString("model.shape_mismatch"));
    BertSpec vocab;
    vocab.configVocab = s.V + 1;
    QCOMPARE(loadError(vocab, "bad_vocab"), QString("model.vocab_mismatch"));
    BertSpec layers;
    layers.configLayers = s.L + 1;
    QCOMPARE(loadError(layers, "bad_layers"), QString("model.layer_mismatch"));
    BertSpec relative;
    relative.positionType = "relative_key";
    QCOMPARE(loadError(relative, "bad_relative"), QString("model.unsupported"));
    BertSpec act;
    act.act = "mish_xyz";
    QCOMPARE(loadError(act, "bad_act"), QString("model.unsupported"));
  }

  void robertaTooLong() {
    BertSpec s;
    s.roberta = true;
    s.prefix = "roberta.";
    s.pad = 1;
    s.P = 64 + 2;
    FixtureWriter w(7);
    writeBert(s, w, dir("roberta_long"));
    const auto model = Model::load(dir("roberta_long").toStdString());
    ModelInput in;
    in.ids = randomIds(s.P - 2 + 1, s.V, 13, s.pad);
    QCOMPARE(errorCode([&] { model->run(in); }), QString("run.too_long"));
    in.ids.pop_back();
    QCOMPARE(errorCode([&] { model->run(in); }), QString("no error"));
  }
};

QTEST_GUILESS_MAIN(TestBert)
#include "test_bert.moc"
