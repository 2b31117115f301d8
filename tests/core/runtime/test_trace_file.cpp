// Layer selections, code-point spans, and the trace file written for a real run.
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/io/Checkpoint.h"
#include "core/io/SafetensorsFile.h"
#include "core/runtime/Model.h"
#include "core/runtime/TraceFile.h"
#include "core/util/Error.h"
#include "tests/common/TestSupport.h"

using namespace strata;

namespace {

using strata::test::errorCode;
const std::string kSample = STRATA_SOURCE_DIR "/resources/samples/tiny-gpt2";
}  // namespace

class TestTraceFile : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void layerSpecs() {
    QCOMPARE(parseLayerSpec("all", 4), (std::vector<int>{0, 1, 2, 3}));
    QCOMPARE(parseLayerSpec("none", 4), (std::vector<int>{}));
    QCOMPARE(parseLayerSpec("3,0-1", 5), (std::vector<int>{0, 1, 3}));
    QCOMPARE(parseLayerSpec("-1", 5), (std::vector<int>{4}));
    QCOMPARE(parseLayerSpec("1-2,2", 5), (std::vector<int>{1, 2}));
    for (const char* bad : {"5", "x", "", "1,,2", "3-1", "-6", "1-"})
      QCOMPARE(errorCode([&] { parseLayerSpec(bad, 5); }), QString("trace.bad_layers"));
  }

  void codePointSpans() {
    const std::string text = "h\xC3\xA9llo \xF0\x9F\xA6\x99!";  // "héllo 🦙!"
    const auto cps = charOffsets(text, {{0, 1}, {1, 3}, {3, 6}, {6, 7}, {7, 11}, {11, 12}, {0, 0}});
    const std::vector<std::pair<std::size_t, std::size_t>> want = {{0, 1}, {1, 2}, {2, 5}, {5, 6},
                                                                   {6, 7}, {7, 8}, {0, 0}};
    QCOMPARE(cps, want);
  }

  void attentionKeptDuringRunEqualsRecomputed() {
    const auto model = Model::load(kSample);
    ModelInput in;
    in.ids = {464, 2068, 7586, 21831, 13, 50, 3};
    for (auto& id : in.ids)
      id %= 511;
    CaptureOptions keep;
    keep.attentionLayers = {1};
    const auto kept = model->run(in, keep);
    const auto plain = model->run(in);
    const FloatArray a = kept->attention(1), b = plain->attention(1);
    QCOMPARE(a.shape, b.shape);
    double worst = 0;
    for (std::size_t i = 0; i < a.numel(); ++i)
      worst = std::max(worst, double(std::abs(a.data[i] - b.data[i])));
    QVERIFY2(worst < 1e-6, qPrintable(QString::number(worst)));
    keep.attentionLayers = {2};  // the sample has layers 0 and 1
    QCOMPARE(errorCode([&] { model->run(in, keep); }), QString("run.bad_layer"));
  }

  void traceOfSampleModel() {
    const auto model = Model::load(kSample);
    TraceRequest req;
    req.inputKind = "text";
    req.text = "Hello world";
    req.encoding = model->tokenizer()->encode(req.text);
    req.input.ids.assign(req.encoding.ids.begin(), req.encoding.ids.end());
    req.hiddenLayers = parseLayerSpec("0,-1", model->numLayers() + 1);
    req.attentionLayers = parseLayerSpec("all", model->numLayers());
    const auto trace = model->run(req.input, req.capture);
    QTemporaryDir dir;
    const std::string path = dir.filePath("t.safetensors").toStdString();
    writeTraceFile(path, *model, *trace, req);

    const auto file = SafetensorsFile::open(path);
    const auto T = static_cast<std::int64_t>(req.input.ids.size());
    QCOMPARE(file->info("tokens").shape, (std::vector<std::int64_t>{T}));
    QCOMPARE(file->info("hidden.0").shape, (std::vector<std::int64_t>{T, 64}));
    QVERIFY(file->contains("hidden.2"));
    QVERIFY(!file->contains("hidden.1"));
    QCOMPARE(file->info("attn.1").shape, (std::vector<std::int64_t>{4, T, T}));
    QCOMPARE(file->info("logits").shape, (std::vector<std::int64_t>{T, 512}));

    // hidden.0 = wte[id] + wpe[position], read straight from the checkpoint.
    const Checkpoint ckpt = Checkpoint::openFolder(kSample);
    const auto wte = ckpt.toFloat("transformer.wte.weight");
    const auto wpe = ckpt.toFloat("transformer.wpe.weight");
    const auto h0 = file->toFloat("hidden.0");
    double worst = 0;
    for (std::int64_t t = 0; t < T; ++t)
      for (int d = 0; d < 64; ++d)
        worst = std::max(worst, std::abs(double(h0[t * 64 + d]) -
                                         (wte[req.input.ids[t] * 64 + d] + wpe[t * 64 + d])));
    QVERIFY2(worst < 1e-6, qPrintable(QString::number(worst)));

    // Attention rows are distributions; causal: nothing above the diagonal.
    const auto a = file->toFloat("attn.0");
    for (int h = 0; h < 4; ++h)
      for (std::int64_t q = 0; q < T; ++q) {
        double sum = 0;
        for (std::int64_t k = 0; k < T; ++k) {
          const float v = a[(h * T + q) * T + k];
          if (k > q) QCOMPARE(v, 0.0f);
          sum += v;
        }
        QVERIFY(std::abs(sum - 1.0) < 1e-5);
      }

    const auto meta = nlohmann::json::parse(file->metadata().at("strata.trace"));
    QCOMPARE(meta["format"].get<int>(), 1);
    QCOMPARE(meta["model"]["model_type"].get<std::string>(), std::string("gpt2"));
    QCOMPARE(meta["tokens"].size(), static_cast<std::size_t>(T));
    QCOMPARE(meta["capture"]["hidden"].get<std::vector<int>>(), (std::vector<int>{0, 2}));
    QCOMPARE(meta["char_offsets"].back()[1].get<int>(), 11);
  }
};

QTEST_GUILESS_MAIN(TestTraceFile)
#include "test_trace_file.moc"
