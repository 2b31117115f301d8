// ViT parity: tiny random ViTModel / ViTForImageClassification checkpoints in exact HF layout
// (FixtureWriter) against a naive double-precision reference written here from
// transformers' modeling_vit.py (explicit convolution loops, per-head attention), reading the
// weights from the writer's stored values.
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <random>

#include "core/runtime/Model.h"
#include "core/util/Error.h"
#include "tests/common/TestSupport.h"
#include "tests/core/runtime/FixtureWriter.h"
#include "tests/core/runtime/NaiveMath.h"

using namespace strata;
using namespace strata::test;

namespace {

using strata::test::errorCode;

struct VitSpec {
  int image = 32, patch = 8, channels = 3, D = 32, H = 4, L = 2, inter = 64, labels = 5;
  std::string prefix = "vit.";
  bool classifier = true;
  bool qkvBias = true;
  std::string act = "gelu";
  DType dtype = DType::F32;
  double eps = 1e-12;
  int side() const { return image / patch; }
  int T() const { return side() * side() + 1; }
};

std::string configJson(const VitSpec& s, int hiddenOverride = 0) {
  std::string labels;
  for (int i = 0; i < s.labels; ++i)
    labels +=
        (i ? ", " : "") + ("\"" + std::to_string(i) + "\": \"class_" + std::to_string(i)) + "\"";
  return "{\"model_type\": \"vit\", \"architectures\": [\"" +
         std::string(s.classifier ? "ViTForImageClassification" : "ViTModel") +
         "\"], \"hidden_size\": " + std::to_string(hiddenOverride ? hiddenOverride : s.D) +
         ", \"num_hidden_layers\": " + std::to_string(s.L) +
         ", \"num_attention_heads\": " + std::to_string(s.H) +
         ", \"intermediate_size\": " + std::to_string(s.inter) +
         ", \"image_size\": " + std::to_string(s.image) +
         ", \"patch_size\": " + std::to_string(s.patch) +
         ", \"num_channels\": " + std::to_string(s.channels) +
         ", \"qkv_bias\": " + (s.qkvBias ? "true" : "false") + ", \"hidden_act\": \"" + s.act +
         "\", \"layer_norm_eps\": 1e-12, \"id2label\": {" + labels + "}}";
}

/// Writes every tensor of the spec; `skip` leaves one out, `reshape` gives one a wrong shape.
void addWeights(FixtureWriter& w, const VitSpec& s, const std::string& skip = "",
                const std::string& reshape = "") {
  const std::int64_t D = s.D, I = s.inter, P = s.patch, C = s.channels;
  auto add = [&](const std::string& name, std::vector<std::int64_t> shape, float scale = 0.1f,
                 float offset = 0.0f) {
    if (name == skip) return;
    if (name == reshape) shape.back() += 1;
    w.add(name, shape, scale, s.dtype, offset);
  };
  const std::string e = s.prefix + "embeddings.";
  add(e + "cls_token", {1, 1, D}, 0.5f);
  add(e + "position_embeddings", {1, s.T(), D}, 0.5f);
  add(e + "patch_embeddings.projection.weight", {D, C, P, P}, 0.05f);
  add(e + "patch_embeddings.projection.bias", {D}, 0.1f);
  for (int l = 0; l < s.L; ++l) {
    const std::string b = s.prefix + "encoder.layer." + std::to_string(l) + ".";
    add(b + "layernorm_before.weight", {D}, 0.1f, 1.0f);
    add(b + "layernorm_before.bias", {D});
    for (const char* p : {"query", "key", "value"}) {
      add(b + "attention.attention." + p + ".weight", {D, D}, 0.3f);
      if (s.qkvBias) add(b + "attention.attention." + p + ".bias", {D});
    }
    add(b + "attention.output.dense.weight", {D, D}, 0.2f);
    add(b + "attention.output.dense.bias", {D});
    add(b + "layernorm_after.weight", {D}, 0.1f, 1.0f);
    add(b + "layernorm_after.bias", {D});
    add(b + "intermediate.dense.weight", {I, D}, 0.2f);
    add(b + "intermediate.dense.bias", {I});
    add(b + "output.dense.weight", {D, I}, 0.2f);
    add(b + "output.dense.bias", {D});
  }
  add(s.prefix + "layernorm.weight", {D}, 0.1f, 1.0f);
  add(s.prefix + "layernorm.bias", {D});
  if (s.classifier) {
    add("classifier.weight", {s.labels, D}, 0.3f);
    add("classifier.bias", {s.labels});
  }
}

FloatArray randomPixels(const VitSpec& s, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  FloatArray px({s.channels, s.image, s.image});
  for (float& v : px.data)
    v = u(rng);
  return px;
}

// -- the naive reference ----------------------------------------------------------------------

struct Reference {
  std::vector<Vec> hidden;  // L + 1 entries [T, D]
  std::vector<Vec> probs;   // L entries [H, T, T]
  Vec logits;               // [labels]
};

Reference reference(const FixtureWriter& w, const VitSpec& s, const FloatArray& px) {
  const int D = s.D, T = s.T(), n = s.side(), P = s.patch, C = s.channels, S = s.image;
  const int H = s.H, hd = D / H, I = s.inter;
  auto get = [&](const std::string& name) { return toVec(w[name]); };
  const std::string e = s.prefix + "embeddings.";
  const Vec W = get(e + "patch_embeddings.projection.weight"),
            bias = get(e + "patch_embeddings.projection.bias"), cls = get(e + "cls_token"),
            pos = get(e + "position_embeddings");
  Reference r;
  Vec x(static_cast<std::size_t>(T) * D);
  for (int d = 0; d < D; ++d)
    x[d] = cls[d] + pos[d];
  // Conv2d(kernel = stride = P), output flattened row-major over the patch grid.
  for (int pr = 0; pr < n; ++pr)
    for (int pc = 0; pc < n; ++pc) {
      const int t = 1 + pr * n + pc;
      for (int d = 0; d < D; ++d) {
        double acc = bias[d];
        for (int c = 0; c < C; ++c)
          for (int i = 0; i < P; ++i)
            for (int j = 0; j < P; ++j)
              acc +=
                  W[((d * C + c) * P + i) * P + j] *
                  double(px.data[(static_cast<std::size_t>(c) * S + pr * P + i) * S + pc * P + j]);
        x[t * D + d] = acc + pos[t * D + d];
      }
    }
  r.hidden.push_back(x);
  for (int l = 0; l < s.L; ++l) {
    const std::string b = s.prefix + "encoder.layer." + std::to_string(l) + ".";
    const std::string sa = b + "attention.attention.";
    const Vec h = layerNorm(x, T, D, get(b + "layernorm_before.weight"),
                            get(b + "layernorm_before.bias"), s.eps);
    Vec qb, kb, vb;
    if (s.qkvBias) {
      qb = get(sa + "query.bias");
      kb = get(sa + "key.bias");
      vb = get(sa + "value.bias");
    }
    const Vec q = linearOutIn(h, T, D, get(sa + "query.weight"), D, s.qkvBias ? &qb : nullptr);
    const Vec k = linearOutIn(h, T, D, get(sa + "key.weight"), D, s.qkvBias ? &kb : nullptr);
    const Vec v = linearOutIn(h, T, D, get(sa + "value.weight"), D, s.qkvBias ? &vb : nullptr);
    Vec probs(static_cast<std::size_t>(H) * T * T), ctx(static_cast<std::size_t>(T) * D, 0.0);
    for (int hh = 0; hh < H; ++hh)
      for (int i = 0; i < T; ++i) {
        double* row = &probs[(static_cast<std::size_t>(hh) * T + i) * T];
        for (int j = 0; j < T; ++j) {
          double dot = 0;
          for (int c = 0; c < hd; ++c)
            dot += q[i * D + hh * hd + c] * k[j * D + hh * hd + c];
          row[j] = dot / std::sqrt(double(hd));  // no mask: ViT attends both ways
        }
        softmaxInPlace(row, T);
        for (int c = 0; c < hd; ++c) {
          double acc = 0;
          for (int j = 0; j < T; ++j)
            acc += row[j] * v[j * D + hh * hd + c];
          ctx[i * D + hh * hd + c] = acc;
        }
      }
    r.probs.push_back(probs);
    const Vec ob = get(b + "attention.output.dense.bias");
    const Vec attn = linearOutIn(ctx, T, D, get(b + "attention.output.dense.weight"), D, &ob);
    Vec mid(x.size());
    for (std::size_t i = 0; i < x.size(); ++i)
      mid[i] = x[i] + attn[i];
    const Vec h2 = layerNorm(mid, T, D, get(b + "layernorm_after.weight"),
                             get(b + "layernorm_after.bias"), s.eps);
    const Vec ub = get(b + "intermediate.dense.bias"), db = get(b + "output.dense.bias");
    Vec up = linearOutIn(h2, T, D, get(b + "intermediate.dense.weight"), I, &ub);
    for (double& u : up)
      u = s.act == "gelu" ? geluErf(u) : geluTanh(u);
    const Vec down = linearOutIn(up, T, I, get(b + "output.dense.weight"), D, &db);
    for (std::size_t i = 0; i < x.size(); ++i)
      x[i] = mid[i] + down[i];
    r.hidden.push_back(x);
  }
  if (s.classifier) {
    const Vec normed = layerNorm(x, T, D, get(s.prefix + "layernorm.weight"),
                                 get(s.prefix + "layernorm.bias"), s.eps);
    const Vec cb = get("classifier.bias");
    const Vec clsRow(normed.begin(), normed.begin() + D);
    r.logits = linearOutIn(clsRow, 1, D, get("classifier.weight"), s.labels, &cb);
  }
  return r;
}

QString writeModel(const QTemporaryDir& dir, const QString& name, const VitSpec& s,
                   FixtureWriter& w, int hiddenOverride = 0) {
  const QString folder = dir.filePath(name);
  w.write(folder, configJson(s, hiddenOverride));
  return folder;
}

}  // namespace

class TestVit : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void matchesReference_data() {
    QTest::addColumn<int>("image");
    QTest::addColumn<QString>("prefix");
    QTest::addColumn<bool>("classifier");
    QTest::addColumn<bool>("qkvBias");
    QTest::addColumn<QString>("act");
    QTest::addColumn<bool>("f16");
    QTest::newRow("classifier, 32px (T=17)") << 32 << "vit." << true << true << "gelu" << false;
    QTest::newRow("classifier, 24px (T=10)") << 24 << "vit." << true << true << "gelu" << false;
    QTest::newRow("classifier, 40px (T=26)") << 40 << "vit." << true << true << "gelu" << false;
    QTest::newRow("ViTModel, no prefix, no head") << 32 << "" << false << true << "gelu" << false;
    QTest::newRow("no qkv bias, tanh gelu") << 32 << "vit." << true << false << "gelu_new" << false;
    QTest::newRow("f16 weights") << 32 << "vit." << true << true << "gelu" << true;
  }
  void matchesReference() {
    QFETCH(int, image);
    QFETCH(QString, prefix);
    QFETCH(bool, classifier);
    QFETCH(bool, qkvBias);
    QFETCH(QString, act);
    QFETCH(bool, f16);
    VitSpec s;
    s.image = image;
    s.prefix = prefix.toStdString();
    s.classifier = classifier;
    s.qkvBias = qkvBias;
    s.act = act.toStdString();
    s.dtype = f16 ? DType::F16 : DType::F32;
    QTemporaryDir dir;
    FixtureWriter w(1234 + static_cast<std::uint64_t>(image));
    addWeights(w, s);
    const auto model = Model::load(writeModel(dir, "vit", s, w).toStdString());
    QVERIFY(model->isVision());
    QVERIFY(!model->isCausal());
    QCOMPARE(model->numLayers(), s.L);

    for (std::uint64_t seed : {1u, 2u}) {
      ModelInput in;
      in.pixels = randomPixels(s, seed);
      const Reference ref = reference(w, s, in.pixels);
      const auto trace = model->run(in);
      QCOMPARE(trace->seqLen(), std::int64_t(s.T()));
      QCOMPARE(trace->numLayers(), s.L);
      for (int i = 0; i <= s.L; ++i) {
        const FloatArray h = trace->hidden(i);
        QCOMPARE(h.shape, (std::vector<std::int64_t>{s.T(), s.D}));
        QVERIFY2(closeTo(h, ref.hidden[static_cast<std::size_t>(i)]),
                 qPrintable(QString("hidden %1").arg(i)));
      }
      for (int l = 0; l < s.L; ++l) {
        const FloatArray a = trace->attention(l);
        QCOMPARE(a.shape, (std::vector<std::int64_t>{s.H, s.T(), s.T()}));
        QVERIFY2(closeTo(a, ref.probs[static_cast<std::size_t>(l)]),
                 qPrintable(QString("attention %1").arg(l)));
        double upper = 0;
        for (int hh = 0; hh < s.H; ++hh)
          for (int q = 0; q < s.T(); ++q) {
            double sum = 0;
            for (int k = 0; k < s.T(); ++k) {
              sum += a.at({hh, q, k});
              if (k > q) upper += a.at({hh, q, k});
            }
            QVERIFY(std::abs(sum - 1.0) < 1e-5);
          }
        QVERIFY2(upper > 1.0, "attention must not be causal");
      }
      if (classifier) {
        QCOMPARE(trace->logits().shape, (std::vector<std::int64_t>{1, s.labels}));
        QVERIFY(closeTo(trace->logits(), ref.logits));
      } else {
        QVERIFY(trace->logits().empty());
      }
    }
  }

  // hidden_states[L] is the encoder output before ViTModel's final layernorm: it must not be
  // normalised (its per-token mean is not ~0), while the logits do use the norm.
  void lastHiddenIsBeforeFinalNorm() {
    VitSpec s;
    QTemporaryDir dir;
    FixtureWriter w(99);
    addWeights(w, s);
    const auto model = Model::load(writeModel(dir, "vit", s, w).toStdString());
    ModelInput in;
    in.pixels = randomPixels(s, 3);
    const FloatArray last = model->run(in)->hidden(s.L);
    double worstMean = 0;
    for (int t = 0; t < s.T(); ++t) {
      double mean = 0;
      for (int d = 0; d < s.D; ++d)
        mean += last.at({t, d});
      worstMean = std::max(worstMean, std::abs(mean / s.D));
    }
    QVERIFY(worstMean > 1e-2);
  }

  void noLogitLens() {
    VitSpec s;
    QTemporaryDir dir;
    FixtureWriter w(5);
    addWeights(w, s);
    const auto model = Model::load(writeModel(dir, "vit", s, w).toStdString());
    ModelInput in;
    in.pixels = randomPixels(s, 1);
    const auto trace = model->run(in);
    QCOMPARE(errorCode([&] { trace->logitLens(1, 3); }), QString("run.no_unembedding"));
  }

  void refusesWrongInput() {
    VitSpec s;
    QTemporaryDir dir;
    FixtureWriter w(6);
    addWeights(w, s);
    const auto model = Model::load(writeModel(dir, "vit", s, w).toStdString());
    ModelInput ids;
    ids.ids = {1, 2, 3};
    QCOMPARE(errorCode([&] { model->run(ids); }), QString("run.wrong_input"));
    ModelInput empty;
    QCOMPARE(errorCode([&] { model->run(empty); }), QString("run.wrong_input"));
    ModelInput wrong;
    wrong.pixels = FloatArray({3, 24, 24});
    QCOMPARE(errorCode([&] { model->run(wrong); }), QString("run.wrong_input"));
    ModelInput grey;
    grey.pixels = FloatArray({1, 32, 32});
    QCOMPARE(errorCode([&] { model->run(grey); }), QString("run.wrong_input"));
    ModelInput hwc;  // channels last is a different shape
    hwc.pixels = FloatArray({32, 32, 3});
    QCOMPARE(errorCode([&] { model->run(hwc); }), QString("run.wrong_input"));
  }

  void refusesBadCheckpoints_data() {
    QTest::addColumn<QString>("skip");
    QTest::addColumn<QString>("reshape");
    QTest::addColumn<int>("hidden");
    QTest::addColumn<QString>("code");
    QTest::newRow("missing layernorm_after.bias") << "vit.encoder.layer.1.layernorm_after.bias"
                                                  << "" << 0 << "model.missing_tensor";
    QTest::newRow("missing final layernorm") << "vit.layernorm.weight"
                                             << "" << 0 << "model.missing_tensor";
    QTest::newRow("missing cls token") << "vit.embeddings.cls_token"
                                       << "" << 0 << "model.missing_tensor";
    QTest::newRow("position embeddings shape")
        << ""
        << "vit.embeddings.position_embeddings" << 0 << "model.shape_mismatch";
    QTest::newRow("query shape") << ""
                                 << "vit.encoder.layer.0.attention.attention.query.weight" << 0
                                 << "model.shape_mismatch";
    QTest::newRow("config hidden_size contradicts weights") << ""
                                                            << "" << 48 << "model.hidden_mismatch";
  }
  void refusesBadCheckpoints() {
    QFETCH(QString, skip);
    QFETCH(QString, reshape);
    QFETCH(int, hidden);
    QFETCH(QString, code);
    VitSpec s;
    QTemporaryDir dir;
    FixtureWriter w(7);
    addWeights(w, s, skip.toStdString(), reshape.toStdString());
    const QString folder = writeModel(dir, "bad", s, w, hidden);
    QCOMPARE(errorCode([&] { Model::load(folder.toStdString()); }), code);
  }
};

QTEST_GUILESS_MAIN(TestVit)
#include "test_vit.moc"
