// Runs the real strata-cli: exit codes (0 ok, 1 bad input, 2 bad usage), one-line errors that
// name the file, and the values printed for known inputs.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>
#include <cstring>
#include <vector>

namespace {

struct Result {
  int exitCode = -1;
  bool crashed = false;
  QString out;
  QString err;
};

Result runCli(const QStringList& args) {
  QProcess p;
  p.start(STRATA_CLI, args);
  p.waitForFinished(120000);
  Result r;
  r.crashed = p.exitStatus() != QProcess::NormalExit;
  r.exitCode = p.exitCode();
  r.out = QString::fromUtf8(p.readAllStandardOutput());
  r.err = QString::fromUtf8(p.readAllStandardError());
  return r;
}

const QString kData = STRATA_TEST_DATA;
const QString kGpt2 = kData + "/tokenizers/gpt2/tokenizer.json";
const QString kSample = QString(STRATA_SOURCE_DIR) + "/resources/samples/tiny-gpt2";

QJsonObject parseJson(const QString& text) {
  QJsonParseError e{};
  const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &e);
  if (e.error != QJsonParseError::NoError) qWarning() << e.errorString() << text.left(200);
  return doc.object();
}

/// Writes a float32 C-order .npy v1 file [rows, cols].
QString writeNpy(const QString& path, const std::vector<float>& data, int rows, int cols) {
  QByteArray header = QString("{'descr': '<f4', 'fortran_order': False, 'shape': (%1, %2), }")
                          .arg(rows)
                          .arg(cols)
                          .toLatin1();
  while ((10 + header.size() + 1) % 64 != 0)
    header += ' ';
  header += '\n';
  QFile f(path);
  f.open(QIODevice::WriteOnly);
  f.write("\x93NUMPY\x01\x00", 8);
  const quint16 len = quint16(header.size());
  f.write(reinterpret_cast<const char*>(&len), 2);
  f.write(header);
  f.write(reinterpret_cast<const char*>(data.data()), qint64(data.size() * sizeof(float)));
  return path;
}

/// The JSON header of a safetensors file, read independently of core's reader (8-byte
/// little-endian length, then the JSON); the whole file goes to *bytes when asked.
QJsonObject safetensorsHeader(const QString& path, QByteArray* bytes = nullptr) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  const QByteArray all = f.readAll();
  if (all.size() < 8) return {};
  quint64 headerLen = 0;
  for (int i = 7; i >= 0; --i)
    headerLen = (headerLen << 8) | quint8(all[i]);
  if (bytes) *bytes = all;
  return parseJson(QString::fromUtf8(all.mid(8, qsizetype(headerLen))));
}

QList<int> intList(const QJsonValue& v) {
  QList<int> out;
  for (const auto& x : v.toArray())
    out << x.toInt();
  return out;
}

}  // namespace

class TestCli : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void overviewListsCommands() {
    const Result r = runCli({"--help"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.contains("tokenize"));
    QVERIFY(r.out.contains("inspect"));
  }

  void usageErrorsExitTwo_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("no command") << QStringList{} << "Usage";
    QTest::newRow("unknown command") << QStringList{"frobnicate"} << "unknown command";
    QTest::newRow("unknown option") << QStringList{"tokenize", "--bogus"} << "bogus";
    QTest::newRow("no tokenizer") << QStringList{"tokenize", "--text", "x"} << "--tokenizer";
    QTest::newRow("both sources") << QStringList{"tokenize", "--tokenizer", kGpt2, "--model",
                                                 kSample,    "--text",      "x"}
                                  << "exactly one";
    QTest::newRow("no text") << QStringList{"tokenize", "--tokenizer", kGpt2} << "--text";
    QTest::newRow("inspect without model") << QStringList{"inspect"} << "--model";
    QTest::newRow("stray argument")
        << QStringList{"inspect", "--model", kSample, "extra"} << "unexpected argument";
  }
  void usageErrorsExitTwo() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const Result r = runCli(args);
    QVERIFY(!r.crashed);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
  }

  void commandHelp() {
    const Result r = runCli({"tokenize", "--help"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.startsWith("Usage: strata-cli tokenize [options]"));
    QVERIFY(r.out.contains("--tokenizer <FILE>"));
  }

  void tokenizeGpt2Json() {
    const Result r =
        runCli({"tokenize", "--tokenizer", kGpt2, "--text", "Hello, world!", "--json"});
    QCOMPARE(r.exitCode, 0);
    const QJsonObject j = parseJson(r.out);
    // Hugging Face tokenizers: GPT-2 "Hello, world!" -> [15496, 11, 995, 0].
    QCOMPARE(intList(j["ids"]), (QList<int>{15496, 11, 995, 0}));
    const QJsonArray offsets = j["offsets"].toArray();
    QCOMPARE(offsets.size(), 4);
    QCOMPARE(intList(offsets[2]), (QList<int>{6, 12}));  // " world"
    QCOMPARE(j["tokens"].toArray()[2].toString(), QString::fromUtf8("\xC4\xA0world"));
  }

  void tokenizeTextTable() {
    const Result r = runCli({"tokenize", "--tokenizer", kGpt2, "--text", "Hello world"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.startsWith("2 tokens"), qPrintable(r.out));
    QVERIFY(r.out.contains("15496"));
    QVERIFY(r.out.contains("995"));
    QVERIFY(r.out.contains("[5,11)"));
  }

  void tokenizeFromFileMatchesText() {
    QTemporaryDir dir;
    const QString path = dir.filePath("in.txt");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("Hello, world!");
    f.close();
    const Result r = runCli({"tokenize", "--tokenizer", kGpt2, "--file", path, "--json"});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(intList(parseJson(r.out)["ids"]), (QList<int>{15496, 11, 995, 0}));
  }

  void badInputExitsOneNamingTheFile_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("named");
    QTest::newRow("missing tokenizer file")
        << QStringList{"tokenize", "--tokenizer", "/nonexistent/tok.json", "--text", "x"}
        << "/nonexistent/tok.json";
    QTest::newRow("missing model folder")
        << QStringList{"inspect", "--model", "/nonexistent/model"} << "/nonexistent/model";
    QTest::newRow("model folder without tokenizer")
        << QStringList{"tokenize", "--model", kData, "--text", "x"} << "tokenizer.json";
  }
  void badInputExitsOneNamingTheFile() {
    QFETCH(QStringList, args);
    QFETCH(QString, named);
    const Result r = runCli(args);
    QVERIFY(!r.crashed);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(named), qPrintable(r.err));
    QCOMPARE(r.err.trimmed().count('\n'), 0);  // one message
    QVERIFY(r.out.isEmpty());
  }

  void inspectSampleJson() {
    const Result r = runCli({"inspect", "--model", kSample, "--json"});
    QCOMPARE(r.exitCode, 0);
    const QJsonObject j = parseJson(r.out);
    QCOMPARE(j["model_type"].toString(), QString("gpt2"));
    // GPT-2 with vocab V=512, width D=64, context P=128, L=2 blocks, MLP 4D, tied head:
    // wte V*D + wpe P*D + L*(2 LayerNorms 4D + c_attn 3D*D+3D + c_proj D*D+D
    //                        + c_fc 4D*D+4D + mlp.c_proj 4D*D+D) + ln_f 2D.
    const qint64 V = 512, D = 64, P = 128, L = 2;
    const qint64 expected =
        V * D + P * D +
        L * (4 * D + 3 * D * D + 3 * D + D * D + D + 4 * D * D + 4 * D + 4 * D * D + D) + 2 * D;
    QCOMPARE(j["parameters"].toInteger(), expected);
    QCOMPARE(j["tensors"].toArray().size(), 4 + 12 * 2);
    QVERIFY(j["tokenizer"].toString().endsWith("tokenizer.json"));
  }

  void inspectRefusesPickle() {
    const QString folder = kData + "/models/pickle-only";
    const Result r = runCli({"inspect", "--model", folder});
    QVERIFY(!r.crashed);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("safetensors"), qPrintable(r.err));  // says how to convert
    QCOMPARE(r.err.trimmed().count('\n'), 0);
  }

  void inspectReportsVocabMismatch() {
    const Result r = runCli({"inspect", "--model", kData + "/models/bad-vocab"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("bad-vocab"), qPrintable(r.err));
  }

  void traceTextMatchesTokenizer() {
    QTemporaryDir dir;
    const QString out = dir.filePath("t.safetensors");
    const Result r = runCli({"trace", "--model", kSample, "--text", "Hello, world!", "--layers",
                             "0,2", "--attn", "1", "--out", out});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY(r.out.startsWith("wrote " + out));
    // The sample's tokenizer holds GPT-2's first merges, with GPT-2's ids.
    const Result tok =
        runCli({"tokenize", "--model", kSample, "--text", "Hello, world!", "--json"});
    const QList<int> ids = intList(parseJson(tok.out)["ids"]);
    QByteArray bytes;
    const QJsonObject header = safetensorsHeader(out, &bytes);
    QVERIFY(!header.isEmpty());
    QCOMPARE(header["tokens"].toObject()["shape"].toArray()[0].toInt(), ids.size());
    QVERIFY(header.contains("hidden.0"));
    QVERIFY(header.contains("hidden.2"));
    QVERIFY(!header.contains("hidden.1"));
    QVERIFY(header.contains("attn.1"));
    QVERIFY(!header.contains("attn.0"));
    const QJsonArray off = header["tokens"].toObject()["data_offsets"].toArray();
    quint64 headerLen = 0;
    std::memcpy(&headerLen, bytes.constData(), 8);
    const char* data = bytes.constData() + 8 + headerLen + off[0].toInteger();
    for (int i = 0; i < ids.size(); ++i) {
      qint64 v = 0;
      std::memcpy(&v, data + 8 * i, 8);
      QCOMPARE(v, qint64(ids[i]));
    }
  }

  void traceBf16RecordsPrecision() {
    QTemporaryDir dir;
    const QString out = dir.filePath("b.safetensors");
    const Result r = runCli({"trace", "--model", kSample, "--ids", "1,2,3", "--precision", "bf16",
                             "--attn", "none", "--out", out});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QByteArray bytes;
    const QJsonObject header = safetensorsHeader(out, &bytes);
    QVERIFY(!header.isEmpty());
    const QJsonObject meta =
        parseJson(header["__metadata__"].toObject()["strata.trace"].toString());
    const QJsonObject capture = meta["capture"].toObject();
    QCOMPARE(capture["precision"].toString(), QString("BF16"));
    QCOMPARE(capture["precision_error"].toObject()["reference"].toString(), QString("float32"));
    QCOMPARE(capture["hidden_dtype"].toString(), QString("F32"));
    QVERIFY(!header.contains("attn.0"));
  }

  void traceImageOnVit() {
    QTemporaryDir dir;
    const QString out = dir.filePath("v.safetensors");
    const Result r = runCli({"trace", "--model", kData + "/models/tiny-vit", "--image",
                             kData + "/images/dec_fashion28.png", "--out", out});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QByteArray bytes;
    const QJsonObject header = safetensorsHeader(out, &bytes);
    QVERIFY(!header.isEmpty());
    QCOMPARE(intList(header["pixel_values"].toObject()["shape"]), (QList<int>{3, 32, 32}));
    // 32x32 image, 8x8 patches: 16 patches + CLS = 17 positions, width 16.
    QCOMPARE(intList(header["hidden.0"].toObject()["shape"]), (QList<int>{17, 16}));
    QCOMPARE(intList(header["attn.1"].toObject()["shape"]), (QList<int>{2, 17, 17}));
    QCOMPARE(intList(header["logits"].toObject()["shape"]), (QList<int>{1, 3}));
  }

  void traceBadInputs_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("message");
    const QString out = QDir::temp().filePath("strata-never-written.safetensors");
    QTest::newRow("id outside vocabulary")
        << QStringList{"trace", "--model", kSample, "--ids", "1,512", "--out", out} << 1
        << "outside the vocabulary";
    QString longIds = "1";
    for (int i = 0; i < 128; ++i)
      longIds += ",1";
    QTest::newRow("too long") << QStringList{"trace", "--model", kSample, "--ids",
                                             longIds, "--out",   out}
                              << 1 << "at most 128";
    QTest::newRow("image for a text model")
        << QStringList{"trace", "--model", kSample, "--image", kData + "/images/dec_fashion28.png",
                       "--out", out}
        << 1 << "not images";
    QTest::newRow("corrupt image") << QStringList{"trace",
                                                  "--model",
                                                  kData + "/models/tiny-vit",
                                                  "--image",
                                                  kData + "/images/bad_truncated.png",
                                                  "--out",
                                                  out}
                                   << 1 << "bad_truncated.png";
    QTest::newRow("bad layer spec")
        << QStringList{"trace", "--model", kSample, "--ids", "1,2", "--layers", "7", "--out", out}
        << 1 << "layer selection '7'";
    QTest::newRow("two inputs") << QStringList{"trace",  "--model", kSample, "--ids", "1",
                                               "--text", "x",       "--out", out}
                                << 2 << "exactly one";
    QTest::newRow("bad ids") << QStringList{"trace", "--model", kSample, "--ids",
                                            "1,x",   "--out",   out}
                             << 2 << "not an integer";
  }
  void traceBadInputs() {
    QFETCH(QStringList, args);
    QFETCH(int, code);
    QFETCH(QString, message);
    const Result r = runCli(args);
    QVERIFY(!r.crashed);
    QCOMPARE(r.exitCode, code);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QCOMPARE(r.err.trimmed().count('\n'), 0);
    QVERIFY(!QFile::exists(QDir::temp().filePath("strata-never-written.safetensors")));
  }

  void geometryReferenceValues_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<double>("expected");
    QTest::addColumn<double>("tolerance");
    const QString gauss = kData + "/refdata/dadapy_2gaussians_in_2d.npy";
    const QString ball = kData + "/refdata/skdim_hyperball_n30_d5_in10.npy";
    // METRICS.md: DADApy TwoNN 1.85 +- 0.01; scikit-dimension MLE values (float32 input).
    QTest::newRow("twonn dadapy") << QStringList{"--points", gauss, "--metric", "id.twonn"} << 1.85
                                  << 0.01;
    QTest::newRow("mle default") << QStringList{"--points", ball, "--metric", "id.mle"}
                                 << 3.341161830518472 << 1e-7;
    QTest::newRow("mle k=5") << QStringList{"--points", ball, "--metric", "id.mle", "--k", "5"}
                             << 4.350132038093711 << 1e-7;
    QTest::newRow("mle unbiased") << QStringList{"--points", ball, "--metric", "id.mle",
                                                 "--unbiased"}
                                  << 3.1653112078596046 << 1e-7;
    QTest::newRow("mle mean") << QStringList{"--points", ball,        "--metric",
                                             "id.mle",   "--variant", "mean"}
                              << 3.4389424541367437 << 1e-7;
  }
  void geometryReferenceValues() {
    QFETCH(QStringList, args);
    QFETCH(double, expected);
    QFETCH(double, tolerance);
    const Result r = runCli(QStringList{"geometry"} + args + QStringList{"--json"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const double value = parseJson(r.out)["value"].toDouble();
    QVERIFY2(std::abs(value - expected) <= tolerance * std::max(1.0, std::abs(expected)),
             qPrintable(QString::number(value, 'g', 17)));
  }

  void geometryCurvatureAndSpectrum() {
    QTemporaryDir dir;
    // Planar circle sampled every 0.3 rad: every turning angle is exactly 0.3.
    std::vector<float> circle;
    for (int t = 0; t < 20; ++t) {
      circle.push_back(float(std::cos(0.3 * t)));
      circle.push_back(float(std::sin(0.3 * t)));
    }
    const QString circlePath = writeNpy(dir.filePath("circle.npy"), circle, 20, 2);
    Result r =
        runCli({"geometry", "--points", circlePath, "--metric", "curvature.trajectory", "--json"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY(std::abs(parseJson(r.out)["value"].toDouble() - 0.3) < 1e-4);

    // Sphere of radius 2 (Fibonacci lattice, 1500 points): MAPC ~ 1/r = 0.5.
    std::vector<float> sphere;
    const int n = 1500;
    for (int i = 0; i < n; ++i) {
      const double z = 1.0 - 2.0 * (i + 0.5) / n, rho = std::sqrt(1.0 - z * z);
      const double phi = i * M_PI * (3.0 - std::sqrt(5.0));
      for (double c : {rho * std::cos(phi), rho * std::sin(phi), z})
        sphere.push_back(float(2 * c));
    }
    const QString spherePath = writeNpy(dir.filePath("sphere.npy"), sphere, n, 3);
    r = runCli({"geometry", "--points", spherePath, "--metric", "curvature.mapc", "--tangent-dim",
                "2", "--json"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const double mapc = parseJson(r.out)["value"].toDouble();
    QVERIFY2(std::abs(mapc - 0.5) < 0.05, qPrintable(QString::number(mapc)));

    // Rank-one data: effective rank 1 (raw).
    std::vector<float> line;
    for (int t = 0; t < 10; ++t)
      for (int d = 0; d < 4; ++d)
        line.push_back(float((t + 1) * (d + 1)));
    const QString linePath = writeNpy(dir.filePath("line.npy"), line, 10, 4);
    r = runCli({"geometry", "--points", linePath, "--metric", "rank.effective", "--variant", "raw",
                "--json"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY(std::abs(parseJson(r.out)["value"].toDouble() - 1.0) < 1e-6);
  }

  void geometryBadInputs() {
    const QString ball = kData + "/refdata/skdim_hyperball_n30_d5_in10.npy";
    Result r = runCli({"geometry", "--points", ball, "--metric", "id.nonsense"});
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.err.contains("id.twonn"));  // lists the known metrics
    QTemporaryDir dir;
    const QString junk = dir.filePath("junk.npy");
    QFile f(junk);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("\x93NUMPY\x01\x00\x10\x00{'descr': '<i4'}");  // truncated, wrong dtype
    f.close();
    r = runCli({"geometry", "--points", junk, "--metric", "id.twonn"});
    QVERIFY(!r.crashed);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("junk.npy"), qPrintable(r.err));
    // A safetensors file with several tensors needs a tensor name; a 1-D tensor is refused.
    const QString st = kData + "/models/tiny-gpt2/model.safetensors";
    r = runCli({"geometry", "--points", st, "--metric", "id.pr"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("TENSOR"), qPrintable(r.err));
    r = runCli({"geometry", "--points", st + ":transformer.ln_f.bias", "--metric", "id.pr"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("2-D"), qPrintable(r.err));
    r = runCli(
        {"geometry", "--points", st + ":transformer.wte.weight", "--metric", "id.pcid", "--json"});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(parseJson(r.out)["points"].toObject()["d"].toInt(), 16);
  }

  void profileWritesJsonAndCsv() {
    QTemporaryDir dir;
    const QString corpus = kData + "/corpus/sample.txt";
    const QString json = dir.filePath("p.json");
    Result r = runCli({"profile", "--model", kSample, "--inputs", corpus, "--metrics",
                       "id.twonn,entropy.dataset,entropy.prompt", "--limit", "20", "--quiet",
                       "--out", json});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY(r.out.contains("wrote"));
    QFile jf(json);
    QVERIFY(jf.open(QIODevice::ReadOnly));
    const QJsonObject j = parseJson(QString::fromUtf8(jf.readAll()));
    QCOMPARE(j["pooling"].toString(), QString("mean"));
    QCOMPARE(j["dataset"].toObject()["inputs"].toInt(), 20);
    QCOMPARE(j["dataset"].toObject()["format"].toString(), QString("text"));
    QVERIFY(j["model"].toObject()["folder"].toString().contains("tiny-gpt2"));
    const QJsonArray layers = j["layers"].toArray();
    QCOMPARE(layers.size(), 3);  // tiny-gpt2: embeddings + 2 blocks
    for (int l = 0; l < layers.size(); ++l) {
      const QJsonObject row = layers[l].toObject();
      QCOMPARE(row["layer"].toInt(), l);
      for (const char* m : {"id.twonn", "entropy.dataset", "entropy.prompt"}) {
        const QJsonObject metric = row[m].toObject();
        QVERIFY2(metric["value"].isDouble(), m);
        QVERIFY(metric.contains("error"));
        QVERIFY(metric.contains("variant"));
      }
    }
    const QString csv = dir.filePath("p.csv");
    r = runCli({"profile", "--model", kSample, "--inputs", corpus, "--metrics", "id.pr", "--pool",
                "last", "--limit", "10", "--quiet", "--out", csv});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QFile cf(csv);
    QVERIFY(cf.open(QIODevice::ReadOnly));
    QStringList rows;
    for (const QString& line : QString::fromUtf8(cf.readAll()).split('\n', Qt::SkipEmptyParts))
      if (!line.startsWith('#')) rows << line;
    QCOMPARE(rows.size(), 4);
    QCOMPARE(rows[0], QString("layer,id.pr,id.pr.error"));
    QCOMPARE(rows[1].split(',').size(), 3);
  }

  void profileBadUsage() {
    QTemporaryDir dir;
    const QString corpus = kData + "/corpus/sample.txt";
    Result r = runCli({"profile", "--model", kSample, "--inputs", corpus, "--metrics", "id.pr",
                       "--out", dir.filePath("p.txt")});
    QCOMPARE(r.exitCode, 2);
    r = runCli({"profile", "--model", kSample, "--inputs", corpus, "--metrics", "id.pr", "--pool",
                "max", "--out", dir.filePath("p.json")});
    QCOMPARE(r.exitCode, 2);
    r = runCli({"profile", "--model", kSample, "--inputs", corpus, "--metrics", "id.nonsense",
                "--out", dir.filePath("p.json")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("id.twonn"), qPrintable(r.err));
    r = runCli({"profile", "--model", kSample, "--inputs", dir.filePath("missing.txt"), "--metrics",
                "id.pr", "--out", dir.filePath("p.json")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("missing.txt"), qPrintable(r.err));
    QVERIFY(!QFile::exists(dir.filePath("p.json")));
  }

  void malformedTokenizerFile() {
    QTemporaryDir dir;
    const QString path = dir.filePath("tokenizer.json");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{\"version\": \"1.0\", \"model\": ");  // truncated JSON
    f.close();
    const Result r = runCli({"tokenize", "--tokenizer", path, "--text", "x"});
    QVERIFY(!r.crashed);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(path), qPrintable(r.err));
  }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
