// Dataset profiles: corpus readers (text, JSONL, IDX, image folders), pooling against
// Trace::hidden, per-layer metrics against the same metric computed on a pooled matrix built
// here by hand, cancellation and the JSON/CSV writers.
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <zlib.h>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/analysis/Dataset.h"
#include "core/analysis/IntrinsicDimension.h"
#include "core/analysis/Profile.h"
#include "core/analysis/Spectrum.h"
#include "core/runtime/Model.h"
#include "core/tokenizer/Tokenizer.h"
#include "core/util/Error.h"

using namespace strata;

namespace {

const std::string kData = STRATA_TEST_DATA;
const std::string kGpt2 = kData + "/../../resources/samples/tiny-gpt2";
const std::string kVit = kData + "/models/tiny-vit";
const std::string kSample = kData + "/corpus/sample.txt";

std::string errorCode(const std::function<void()>& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  return "(no error)";
}

void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::string be32(std::uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i)
    s[static_cast<std::size_t>(i)] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
  return s;
}

/// IDX images [n, rows, cols] with pixel (i, r, c) = (i * 31 + r * 7 + c * 3) % 256.
std::string idxImages(std::uint32_t n, std::uint32_t rows, std::uint32_t cols) {
  std::string s = be32(0x803) + be32(n) + be32(rows) + be32(cols);
  for (std::uint32_t i = 0; i < n; ++i)
    for (std::uint32_t r = 0; r < rows; ++r)
      for (std::uint32_t c = 0; c < cols; ++c)
        s.push_back(static_cast<char>((i * 31 + r * 7 + c * 3) % 256));
  return s;
}

std::string idxLabels(const std::vector<int>& labels) {
  std::string s = be32(0x801) + be32(static_cast<std::uint32_t>(labels.size()));
  for (int l : labels)
    s.push_back(static_cast<char>(l));
  return s;
}

void writeGzip(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

/// Pooled matrix [N, D] of hidden(layer), built directly from traces.
FloatArray pooledByHand(const Model& model, const std::vector<std::string>& texts, int layer) {
  std::vector<float> data;
  std::int64_t D = 0;
  for (const auto& t : texts) {
    const Encoding e = model.tokenizer()->encode(t);
    ModelInput in;
    in.ids.assign(e.ids.begin(), e.ids.end());
    const FloatArray h = model.run(in)->hidden(layer);
    const std::int64_t T = h.shape[0];
    D = h.shape[1];
    for (std::int64_t d = 0; d < D; ++d) {
      double s = 0;
      for (std::int64_t i = 0; i < T; ++i)
        s += h.at({i, d});
      data.push_back(static_cast<float>(s / static_cast<double>(T)));
    }
  }
  return FloatArray({static_cast<std::int64_t>(texts.size()), D}, data);
}

}  // namespace

class TestProfile : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void poolingMatchesHiddenStates() {
    const auto model = Model::load(kGpt2);
    const Encoding e = model->tokenizer()->encode("The quick brown fox jumps over the dog");
    QVERIFY(e.size() >= 4);
    ModelInput in;
    in.ids.assign(e.ids.begin(), e.ids.end());
    const auto trace = model->run(in);
    for (int l : {0, 1, model->numLayers()}) {
      const FloatArray h = trace->hidden(l);
      const std::int64_t T = h.shape[0], D = h.shape[1];
      const auto mean = poolHidden(h, Pooling::Mean);
      const auto last = poolHidden(h, Pooling::Last);
      const auto first = poolHidden(h, Pooling::First);
      QCOMPARE(static_cast<std::int64_t>(mean.size()), D);
      for (std::int64_t d = 0; d < D; ++d) {
        double s = 0;
        for (std::int64_t t = 0; t < T; ++t)
          s += h.at({t, d});
        QVERIFY(std::abs(mean[static_cast<std::size_t>(d)] - s / double(T)) < 1e-5);
        QCOMPARE(last[static_cast<std::size_t>(d)], h.at({T - 1, d}));
        QCOMPARE(first[static_cast<std::size_t>(d)], h.at({0, d}));
      }
      QVERIFY(last != first);
    }
    QVERIFY(poolingFromName("cls") == Pooling::First);
    QCOMPARE(errorCode([] { poolingFromName("max"); }), std::string("profile.bad_option"));
  }

  void textCorpusProfileMatchesPooledMetrics() {
    const auto model = Model::load(kGpt2);
    const Corpus corpus = readTextLines(kSample);
    QCOMPARE(corpus.size(), std::size_t{30});
    QCOMPARE(corpus.format, std::string("text"));
    ProfileOptions o;
    o.metrics = {"id.twonn", "entropy.dataset", "entropy.prompt"};
    int calls = 0, lastDone = -1;
    const Profile p = runProfile(*model, corpus, o, [&](int done, int total) {
      ++calls;
      lastDone = done;
      return total == 30;
    });
    QCOMPARE(calls, 31);
    QCOMPARE(lastDone, 30);
    QCOMPARE(p.inputs, std::size_t{30});
    QCOMPARE(static_cast<int>(p.layers.size()), model->numLayers() + 1);
    for (int l : {0, model->numLayers()}) {
      const FloatArray X = pooledByHand(*model, corpus.texts, l);
      QCOMPARE(p.dim, X.shape[1]);
      const MetricResult id = twoNN(X);
      const MetricResult h = datasetEntropy(X);
      const auto& row = p.layers[static_cast<std::size_t>(l)];
      QCOMPARE(row.layer, l);
      QCOMPARE(row.metrics.size(), std::size_t{3});
      QCOMPARE(row.metrics[0].metric, std::string("id.twonn"));
      QVERIFY2(std::abs(row.metrics[0].value - id.value) < 1e-3 * id.value,
               qPrintable(QString("%1 vs %2").arg(row.metrics[0].value).arg(id.value)));
      QVERIFY(std::abs(row.metrics[1].value - h.value) < 1e-4);
      QVERIFY(row.metrics[0].value > 0.5 && row.metrics[0].value < 200);
      QVERIFY(row.metrics[1].value > 0 && row.metrics[1].value <= 1.0 + 1e-9);
      // entropy.prompt: mean over inputs with a standard error.
      QCOMPARE(row.metrics[2].parameters.at("inputs"), 30.0);
      QVERIFY(row.metrics[2].error > 0);
    }
    // The prompt entropy average by hand on one layer.
    double sum = 0;
    for (const auto& t : corpus.texts) {
      const Encoding e = model->tokenizer()->encode(t);
      ModelInput in;
      in.ids.assign(e.ids.begin(), e.ids.end());
      sum += promptEntropy(model->run(in)->hidden(1)).value;
    }
    QVERIFY(std::abs(p.layers[1].metrics[2].value - sum / 30) < 1e-6);
  }

  void limitAndErrorBars() {
    const auto model = Model::load(kGpt2);
    CorpusOptions co;
    co.limit = 12;
    const Corpus corpus = readCorpus(kSample, co);
    QCOMPARE(corpus.size(), std::size_t{12});
    QCOMPARE(corpus.totalAvailable, std::size_t{30});
    ProfileOptions o;
    o.metrics = {"id.pr"};
    o.errorBar.subsets = 3;
    o.limit = 10;
    o.pooling = Pooling::Last;
    const Profile p = runProfile(*model, corpus, o);
    QCOMPARE(p.inputs, std::size_t{10});
    for (const auto& l : p.layers)
      QVERIFY(l.metrics[0].error > 0);
  }

  void cancellation() {
    const auto model = Model::load(kGpt2);
    const Corpus corpus = readTextLines(kSample);
    ProfileOptions o;
    o.metrics = {"id.twonn"};
    int calls = 0;
    std::string message;
    QCOMPARE(errorCode(
                 [&] {
                   runProfile(*model, corpus, o, [&](int done, int) {
                     ++calls;
                     return done < 3;
                   });
                 },
                 &message),
             std::string("profile.cancelled"));
    QCOMPARE(calls, 4);
    QVERIFY(message.find("3 of 30") != std::string::npos);
    QCOMPARE(errorCode([&] { runProfile(*model, corpus, o, [](int, int) { return false; }); }),
             std::string("profile.cancelled"));
  }

  void badOptions() {
    const auto model = Model::load(kGpt2);
    const Corpus corpus = readTextLines(kSample);
    ProfileOptions o;
    QCOMPARE(errorCode([&] { runProfile(*model, corpus, o); }), std::string("profile.bad_option"));
    o.metrics = {"id.nonsense"};
    QCOMPARE(errorCode([&] { runProfile(*model, corpus, o); }), std::string("profile.bad_option"));
    o.metrics = {"labels.nc1"};
    QCOMPARE(errorCode([&] { runProfile(*model, corpus, o); }), std::string("profile.bad_option"));
    const auto vit = Model::load(kVit);
    o.metrics = {"id.pr"};
    QCOMPARE(errorCode([&] { runProfile(*vit, corpus, o); }), std::string("profile.wrong_input"));
  }

  void jsonl() {
    QTemporaryDir dir;
    const std::string good = dir.filePath("good.jsonl").toStdString();
    writeFile(good, "{\"text\": \"one\", \"label\": 0}\n\n{\"text\": \"two\", \"label\": 1}\r\n");
    const Corpus c = readCorpus(good);
    QCOMPARE(c.format, std::string("jsonl"));
    QCOMPARE(c.texts, (std::vector<std::string>{"one", "two"}));
    QCOMPARE(c.labels, (std::vector<std::int64_t>{0, 1}));
    const std::string nolabel = dir.filePath("nolabel.jsonl").toStdString();
    writeFile(nolabel, "{\"text\": \"one\"}\n{\"text\": \"two\"}\n");
    QVERIFY(readJsonl(nolabel).labels.empty());

    const std::vector<std::pair<std::string, std::string>> bad = {
        {"{\"text\": \"ok\"}\n{not json\n", "not valid JSON"},
        {"{\"text\": \"ok\"}\n[1, 2]\n", "expected a JSON object"},
        {"{\"text\": \"ok\"}\n{\"label\": 3}\n", "missing string field"},
        {"{\"text\": \"ok\", \"label\": 1}\n{\"text\": \"x\", \"label\": \"a\"}\n",
         "must be an integer"},
        {"{\"text\": \"ok\", \"label\": 1}\n{\"text\": \"x\"}\n", "every line or on none"},
    };
    for (const auto& [content, expected] : bad) {
      const std::string path = dir.filePath("bad.jsonl").toStdString();
      writeFile(path, content);
      std::string message;
      QCOMPARE(errorCode([&] { readJsonl(path); }, &message), std::string("corpus.bad_line"));
      QVERIFY2(message.find(path + ":2: ") != std::string::npos, message.c_str());
      QVERIFY2(message.find(expected) != std::string::npos, message.c_str());
    }
    const std::string empty = dir.filePath("empty.jsonl").toStdString();
    writeFile(empty, "\n\n");
    QCOMPARE(errorCode([&] { readJsonl(empty); }), std::string("corpus.empty"));
    QCOMPARE(errorCode([&] { readCorpus(dir.filePath("missing.txt").toStdString()); }),
             std::string("corpus.not_found"));
    const std::string gz = dir.filePath("x.txt.gz").toStdString();
    writeFile(gz, "\x1f\x8b");
    QCOMPARE(errorCode([&] { readCorpus(gz); }), std::string("corpus.compressed"));
  }

  void idxFiles() {
    QTemporaryDir dir;
    const std::string images = dir.filePath("t-images-idx3-ubyte").toStdString();
    const std::string labels = dir.filePath("t-labels-idx1-ubyte").toStdString();
    writeFile(images, idxImages(5, 3, 4));
    writeFile(labels, idxLabels({3, 1, 4, 1, 5}));
    Corpus c = readCorpus(images);
    QCOMPARE(c.format, std::string("idx"));
    QCOMPARE(c.images.size(), std::size_t{5});
    QCOMPARE(c.images[2].width, 4);
    QCOMPARE(c.images[2].height, 3);
    for (int r = 0; r < 3; ++r)
      for (int col = 0; col < 4; ++col)
        for (int ch = 0; ch < 3; ++ch)
          QCOMPARE(int(c.images[2].at(col, r, ch)), (2 * 31 + r * 7 + col * 3) % 256);
    QCOMPARE(c.labels, (std::vector<std::int64_t>{3, 1, 4, 1, 5}));
    CorpusOptions lim;
    lim.limit = 2;
    c = readIdx(images, lim);
    QCOMPARE(c.images.size(), std::size_t{2});
    QCOMPARE(c.labels, (std::vector<std::int64_t>{3, 1}));
    QCOMPARE(c.totalAvailable, std::size_t{5});

    // Errors: wrong magic, truncated data, label count mismatch, truncated header.
    const std::string bad = dir.filePath("bad-images-idx3-ubyte").toStdString();
    std::string bytes = idxImages(5, 3, 4);
    bytes[3] = 0x01;
    writeFile(bad, bytes);
    std::string message;
    QCOMPARE(errorCode([&] { readIdx(bad); }, &message), std::string("corpus.bad_idx"));
    QVERIFY(message.find("magic") != std::string::npos);
    writeFile(bad, idxImages(5, 3, 4).substr(0, 40));
    QCOMPARE(errorCode([&] { readIdx(bad); }), std::string("corpus.bad_idx"));
    writeFile(bad, idxImages(5, 3, 4) + "x");
    QCOMPARE(errorCode([&] { readIdx(bad); }), std::string("corpus.bad_idx"));
    writeFile(bad, be32(0x803) + be32(1));
    QCOMPARE(errorCode([&] { readIdx(bad); }), std::string("corpus.bad_idx"));
    writeFile(bad, idxImages(5, 3, 4));
    CorpusOptions wrongLabels;
    wrongLabels.labelsPath = dir.filePath("l").toStdString();
    writeFile(wrongLabels.labelsPath, idxLabels({1, 2, 3}));
    QCOMPARE(errorCode([&] { readIdx(bad, wrongLabels); }, &message),
             std::string("corpus.bad_idx"));
    QVERIFY(message.find("3 labels for 5 images") != std::string::npos);
    writeFile(wrongLabels.labelsPath, idxImages(5, 3, 4));
    QCOMPARE(errorCode([&] { readIdx(bad, wrongLabels); }), std::string("corpus.bad_idx"));
  }

  void idxGzip() {
    QTemporaryDir dir;
    const std::string images = dir.filePath("z-images-idx3-ubyte.gz").toStdString();
    writeGzip(images, idxImages(4, 5, 6));
    writeGzip(dir.filePath("z-labels-idx1-ubyte.gz").toStdString(), idxLabels({9, 8, 7, 6}));
    const Corpus c = readCorpus(images);
    QCOMPARE(c.format, std::string("idx"));
    QCOMPARE(c.images.size(), std::size_t{4});
    QCOMPARE(int(c.images[3].at(5, 4, 1)), (3 * 31 + 4 * 7 + 5 * 3) % 256);
    QCOMPARE(c.labels, (std::vector<std::int64_t>{9, 8, 7, 6}));
    const std::string corrupt = dir.filePath("c-images-idx3-ubyte.gz").toStdString();
    writeFile(corrupt, std::string("\x1f\x8b\x08\x00"
                                   "garbage-garbage-garbage",
                                   27));
    QCOMPARE(errorCode([&] { readCorpus(corrupt); }), std::string("corpus.bad_idx"));
  }

  void idxProfileOnVit() {
    QTemporaryDir dir;
    const std::string images = dir.filePath("v-images-idx3-ubyte").toStdString();
    writeFile(images, idxImages(12, 28, 28));
    std::vector<int> y;
    for (int i = 0; i < 12; ++i)
      y.push_back(i % 3);
    writeFile(dir.filePath("v-labels-idx1-ubyte").toStdString(), idxLabels(y));
    const auto vit = Model::load(kVit);
    const Corpus c = readCorpus(images);
    ProfileOptions o;
    o.metrics = {"id.pr", "labels.nc1"};
    o.pooling = Pooling::First;
    const Profile p = runProfile(*vit, c, o);
    QCOMPARE(static_cast<int>(p.layers.size()), vit->numLayers() + 1);
    // CLS at layer 0 is the same vector for every image (class token + position 0): the
    // participation ratio is 0 there, with a warning.
    QCOMPARE(p.layers[0].metrics[0].value, 0.0);
    QVERIFY(!p.layers[0].metrics[0].warnings.empty());
    for (std::size_t l = 1; l < p.layers.size(); ++l) {
      const auto& m = p.layers[l].metrics;
      QVERIFY2(std::isfinite(m[0].value) && m[0].value >= 1.0,
               qPrintable(QString::number(m[0].value)));
      QCOMPARE(m[1].metric, std::string("labels.nc1"));
      QVERIFY(std::isfinite(m[1].value) && m[1].value >= 0);
    }
    // The text model refuses images.
    QCOMPARE(errorCode([&] { runProfile(*Model::load(kGpt2), c, o); }),
             std::string("profile.wrong_input"));
  }

  void fashionMnistIfInstalled() {
    const std::string dir = "/usr/share/datasets/fashion-mnist";
    std::string images;
    for (const char* name : {"t10k-images-idx3-ubyte", "t10k-images-idx3-ubyte.gz",
                             "train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"})
      if (images.empty() && std::filesystem::exists(dir + "/" + name)) images = dir + "/" + name;
    if (images.empty()) QSKIP("Fashion-MNIST (dataset-fashion-mnist) not installed");
    CorpusOptions o;
    o.limit = 50;
    const Corpus c = readCorpus(images, o);
    QCOMPARE(c.images.size(), std::size_t{50});
    QCOMPARE(c.images[0].width, 28);
    QCOMPARE(c.images[0].height, 28);
    QVERIFY(c.totalAvailable == 10000 || c.totalAvailable == 60000);
    QCOMPARE(c.labels.size(), std::size_t{50});
    for (auto l : c.labels)
      QVERIFY(l >= 0 && l < 10);
    if (images.find("t10k") != std::string::npos) {
      // The published test set begins with these labels; grey sums from Python's gzip + numpy.
      QCOMPARE(std::vector<std::int64_t>(c.labels.begin(), c.labels.begin() + 10),
               (std::vector<std::int64_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}));
      for (const auto& [index, expected] : {std::pair{0, 33456}, std::pair{1, 100994}}) {
        long sum = 0;
        for (std::size_t p = 0; p < c.images[static_cast<std::size_t>(index)].rgb.size(); p += 3)
          sum += c.images[static_cast<std::size_t>(index)].rgb[p];
        QCOMPARE(sum, long{expected});
      }
    }
    // A labelled profile on the tiny ViT.
    ProfileOptions po;
    po.metrics = {"id.pr", "labels.vci"};
    const Profile p = runProfile(*Model::load(kVit), c, po);
    for (const auto& l : p.layers)
      QVERIFY(std::isfinite(l.metrics[0].value) && std::isfinite(l.metrics[1].value));
  }

  void imageFolderProfile() {
    QTemporaryDir dir;
    int n = 0;
    for (const char* name : {"dec_rgb8.png", "dec_grey8.png", "dec_palette8.png", "dec_rgba8.png",
                             "dec_baseline.jpg", "dec_fashion28.png"}) {
      std::filesystem::copy_file(kData + "/images/" + name,
                                 dir.filePath(QString::number(n++) + "_" + name).toStdString());
    }
    writeFile(dir.filePath("notes.txt").toStdString(), "not an image");
    const Corpus c = readCorpus(dir.path().toStdString());
    QCOMPARE(c.format, std::string("images"));
    QCOMPARE(c.size(), std::size_t{6});
    QVERIFY(c.imagePaths[0].find("0_dec_rgb8.png") != std::string::npos);
    const auto vit = Model::load(kVit);
    ProfileOptions o;
    o.metrics = {"entropy.dataset", "curvature.trajectory"};
    const Profile p = runProfile(*vit, c, o);
    for (const auto& l : p.layers) {
      QVERIFY(std::isfinite(l.metrics[0].value));
      QCOMPARE(l.metrics[1].parameters.at("inputs"), 6.0);
    }
  }

  void writersAreStructured() {
    const auto model = Model::load(kGpt2);
    CorpusOptions co;
    co.limit = 8;
    const Corpus corpus = readTextLines(kSample, co);
    ProfileOptions o;
    o.metrics = {"id.pr", "rank.effective"};
    const Profile p = runProfile(*model, corpus, o);
    QTemporaryDir dir;
    const std::string json = dir.filePath("p.json").toStdString();
    writeProfile(p, json);
    std::ifstream in(json);
    const auto j = nlohmann::json::parse(in);
    QCOMPARE(j["pooling"].get<std::string>(), std::string("mean"));
    QCOMPARE(j["dataset"]["inputs"].get<int>(), 8);
    QCOMPARE(j["layers"].size(), p.layers.size());
    QCOMPARE(j["layers"][1]["id.pr"]["value"].get<double>(), p.layers[1].metrics[0].value);
    QVERIFY(j["layers"][1]["rank.effective"].contains("error"));
    const std::string csv = dir.filePath("p.csv").toStdString();
    writeProfile(p, csv);
    std::ifstream cin(csv);
    std::string line;
    std::vector<std::string> rows;
    while (std::getline(cin, line))
      if (!line.empty() && line[0] != '#') rows.push_back(line);
    QCOMPARE(rows.size(), p.layers.size() + 1);
    QCOMPARE(rows[0], std::string("layer,id.pr,id.pr.error,rank.effective,rank.effective.error"));
    QVERIFY(rows[1].rfind("0,", 0) == 0);
    QCOMPARE(errorCode([&] { writeProfile(p, dir.filePath("p.txt").toStdString()); }),
             std::string("profile.bad_option"));
    QCOMPARE(errorCode([&] { writeProfile(p, "/nonexistent-dir/p.json"); }),
             std::string("profile.write_failed"));
    QVERIFY(!std::filesystem::exists(json + ".tmp-strata"));
  }
};

QTEST_GUILESS_MAIN(TestProfile)
#include "test_profile.moc"
