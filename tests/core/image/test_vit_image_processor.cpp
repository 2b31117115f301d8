// Pillow-exact resizing and ViTImageProcessor pixel_values against fixtures computed by Pillow
// and transformers' numpy steps (tests/data/images/make_fixtures.py).
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>

#include "core/image/ImageDecoder.h"
#include "core/image/PillowResample.h"
#include "core/image/VitImageProcessor.h"
#include "core/util/Error.h"
#include "tests/common/TestSupport.h"
#include "tests/core/image/ImageFixtures.h"

using strata::Image;
using strata::ImageDecoder;
using strata::PilResample;
using strata::VitImageProcessor;
using namespace strata::test;

namespace {

using strata::test::errorCode;
Image load(const QString& name) {
  return ImageDecoder::decodeFile(imagePath(name).toStdString());
}

}  // namespace

class TestVitImageProcessor : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void resizeIsPillowExact_data() {
    QTest::addColumn<QString>("src");
    QTest::addColumn<int>("w");
    QTest::addColumn<int>("h");
    QTest::addColumn<QString>("filter");
    const struct {
      const char* src;
      int w, h;
      const char* filter;
    } cases[] = {{"37x23", 224, 224, "bilinear"}, {"300x200", 224, 224, "bilinear"},
                 {"28x28", 224, 224, "bilinear"}, {"500x333", 64, 48, "bilinear"},
                 {"37x23", 37, 50, "bilinear"},   {"37x23", 80, 23, "bilinear"},
                 {"300x200", 97, 61, "bicubic"},  {"300x200", 97, 61, "lanczos"},
                 {"300x200", 97, 61, "box"},      {"300x200", 97, 61, "hamming"},
                 {"37x23", 101, 59, "bicubic"},   {"37x23", 101, 59, "lanczos"}};
    for (const auto& c : cases)
      QTest::addRow("%s -> %dx%d %s", c.src, c.w, c.h, c.filter)
          << QString(c.src) << c.w << c.h << QString(c.filter);
  }
  void resizeIsPillowExact() {
    QFETCH(QString, src);
    QFETCH(int, w);
    QFETCH(int, h);
    QFETCH(QString, filter);
    const PilResample f = filter == "bilinear"  ? PilResample::Bilinear
                          : filter == "bicubic" ? PilResample::Bicubic
                          : filter == "lanczos" ? PilResample::Lanczos
                          : filter == "box"     ? PilResample::Box
                                                : PilResample::Hamming;
    const Image in = load("src_" + src + ".png");
    const Image got = strata::pillowResize(in, w, h, f);
    const Image want = load(QString("rs_%1_%2x%3_%4.png").arg(src).arg(w).arg(h).arg(filter));
    QCOMPARE(countDifferences(got, want), std::size_t{0});
  }

  void sameSizeIsACopy() {
    const Image in = load("src_37x23.png");
    QCOMPARE(countDifferences(strata::pillowResize(in, 37, 23, PilResample::Bilinear), in),
             std::size_t{0});
  }

  // Shrinking 500 -> 64 must average ~8 source pixels per output (antialiasing), which a
  // plain two-tap bilinear would not: compare against point sampling to prove the test
  // data can tell them apart.
  void shrinkingAntialiases() {
    const Image in = load("src_500x333.png");
    const Image got = strata::pillowResize(in, 64, 48, PilResample::Bilinear);
    std::size_t differ = 0;
    for (int y = 0; y < 48; ++y)
      for (int x = 0; x < 64; ++x) {
        const int sx = std::min(499, int((x + 0.5) * 500 / 64)),
                  sy = std::min(332, int((y + 0.5) * 333 / 48));
        differ += got.at(x, y, 0) != in.at(sx, sy, 0);
      }
    QVERIFY(differ > 64 * 48 / 2);
  }

  void pixelValuesMatchTransformers_data() {
    QTest::addColumn<QString>("processor");
    QTest::addColumn<QString>("src");
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("w");
    QTest::newRow("legacy int size, fashion 28 -> 32") << "legacy32"
                                                       << "28x28" << 32 << 32;
    QTest::newRow("legacy int size, 500x333 -> 32") << "legacy32"
                                                    << "500x333" << 32 << 32;
    QTest::newRow("non-square 500x333 -> 64x48") << "nonsquare"
                                                 << "500x333" << 48 << 64;
    QTest::newRow("non-square 37x23 -> 64x48") << "nonsquare"
                                               << "37x23" << 48 << 64;
    QTest::newRow("deit bicubic + center crop") << "deit_crop"
                                                << "300x200" << 64 << 64;
    QTest::newRow("rescale only") << "no_norm"
                                  << "300x200" << 40 << 30;
  }
  void pixelValuesMatchTransformers() {
    QFETCH(QString, processor);
    QFETCH(QString, src);
    QFETCH(int, h);
    QFETCH(int, w);
    const VitImageProcessor p =
        VitImageProcessor::fromFile(imagePath("proc_" + processor + ".json").toStdString());
    QCOMPARE(p.outputHeight(), h);
    QCOMPARE(p.outputWidth(), w);
    const strata::FloatArray pv = p.preprocess(load("src_" + src + ".png"));
    QCOMPARE(pv.shape, (std::vector<std::int64_t>{3, h, w}));
    const std::vector<float> want = readF32Fixture("proc_" + processor + "_" + src + ".f32");
    QCOMPARE(pv.data.size(), want.size());
    double worst = 0;
    std::size_t inexact = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
      worst = std::max(worst, std::abs(double(pv.data[i]) - double(want[i])));
      inexact += pv.data[i] != want[i];
    }
    QVERIFY2(worst <= 1e-6, qPrintable(QString("max |diff| %1").arg(worst)));
    // Every step rounds where numpy rounds, so the floats are in fact bit-identical.
    QCOMPARE(inexact, std::size_t{0});
  }

  void vitBase224() {
    const VitImageProcessor p =
        VitImageProcessor::fromFile(imagePath("proc_vit_base.json").toStdString());
    const Image src = load("src_37x23.png");
    const Image resized = p.resizeAndCrop(src);
    QCOMPARE(countDifferences(resized, load("rs_37x23_224x224_bilinear.png")), std::size_t{0});
    const strata::FloatArray pv = p.preprocess(src);
    QCOMPARE(pv.shape, (std::vector<std::int64_t>{3, 224, 224}));
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 224; y += 17)
        for (int x = 0; x < 224; x += 13) {
          const float r = float(double(resized.at(x, y, c)) * 0.00392156862745098);
          QCOMPARE(pv.at({c, y, x}), (r - 0.5f) / 0.5f);
        }
  }

  void settingsAndDefaults() {
    const VitImageProcessor d;
    QCOMPARE(d.settings().height, 224);
    QCOMPARE(d.settings().width, 224);
    QVERIFY(d.settings().resample == PilResample::Bilinear);
    QCOMPARE(d.settings().rescaleFactor, 1.0 / 255.0);
    const VitImageProcessor legacy =
        VitImageProcessor::fromFile(imagePath("proc_legacy32.json").toStdString());
    QCOMPARE(legacy.settings().height, 32);
    QCOMPARE(legacy.settings().width, 32);
    QCOMPARE(legacy.settings().imageMean[1], 0.456);
    QCOMPARE(legacy.settings().processorType, std::string("ViTFeatureExtractor"));
    const VitImageProcessor list = VitImageProcessor::fromJson(
        R"({"size": [20, 30], "image_mean": 0.25, "resample": 3})", "x.json");
    QCOMPARE(list.settings().height, 20);
    QCOMPARE(list.settings().width, 30);
    QCOMPARE(list.settings().imageMean[2], 0.25);
    QVERIFY(list.settings().resample == PilResample::Bicubic);
  }

  void refusesBadConfigs_data() {
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("code");
    QTest::newRow("not json") << "{size: 3"
                              << "image.processor_invalid";
    QTest::newRow("array") << "[1, 2]"
                           << "image.processor_invalid";
    QTest::newRow("size type") << R"({"size": "big"})"
                               << "image.processor_invalid";
    QTest::newRow("size negative") << R"({"size": -4})"
                                   << "image.processor_invalid";
    QTest::newRow("shortest edge") << R"({"size": {"shortest_edge": 224}})"
                                   << "image.unsupported_processor";
    QTest::newRow("nearest") << R"({"resample": 0})"
                             << "image.unsupported_resample";
    QTest::newRow("resample 9") << R"({"resample": 9})"
                                << "image.unsupported_resample";
    QTest::newRow("mean of 2") << R"({"image_mean": [0.1, 0.2]})"
                               << "image.processor_invalid";
    QTest::newRow("std 0") << R"({"image_std": 0})"
                           << "image.processor_invalid";
    QTest::newRow("bool type") << R"({"do_resize": "yes"})"
                               << "image.processor_invalid";
    QTest::newRow("clip") << R"({"image_processor_type": "CLIPImageProcessor"})"
                          << "image.unsupported_processor";
  }
  void refusesBadConfigs() {
    QFETCH(QString, json);
    QFETCH(QString, code);
    QCOMPARE(errorCode([&] { VitImageProcessor::fromJson(json.toStdString(), "cfg.json"); }), code);
  }

  void folderWithoutConfig() {
    QTemporaryDir dir;
    QCOMPARE(errorCode([&] { VitImageProcessor::fromFolder(dir.path().toStdString()); }),
             QString("image.processor_not_found"));
    QVERIFY(QFile::copy(imagePath("proc_vit_base.json"), dir.filePath("preprocessor_config.json")));
    QCOMPARE(VitImageProcessor::fromFolder(dir.path().toStdString()).outputWidth(), 224);
  }
};

QTEST_GUILESS_MAIN(TestVitImageProcessor)
#include "test_vit_image_processor.moc"
