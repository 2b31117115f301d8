// ImageDecoder against Pillow's Image.open(f).convert("RGB") (fixtures written by
// tests/data/images/make_fixtures.py) and against files it must refuse.
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <random>

#include "core/image/ImageDecoder.h"
#include "core/util/Error.h"
#include "tests/core/image/ImageFixtures.h"

using strata::Image;
using strata::ImageDecoder;
using namespace strata::test;

class TestImageDecoder : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void decodesLikePillow_data() {
    QTest::addColumn<QString>("file");
    for (const char* f :
         {"dec_rgb8.png", "dec_rgba8.png", "dec_grey8.png", "dec_greyalpha8.png",
          "dec_palette8.png", "dec_palette4.png", "dec_palette_trns.png", "dec_grey1.png",
          "dec_grey2.png", "dec_grey16.png", "dec_rgb16.png", "dec_rgba16.png",
          "dec_greyalpha16.png", "dec_interlaced.png", "dec_fashion28.png", "dec_baseline.jpg",
          "dec_progressive.jpg", "dec_444.jpg", "dec_grey.jpg"})
      QTest::newRow(f) << QString(f);
  }
  void decodesLikePillow() {
    QFETCH(QString, file);
    const Image got = ImageDecoder::decodeFile(imagePath(file).toStdString());
    const Image want = readRgbFixture(file.section('.', 0, 0) + ".rgb");
    QCOMPARE(got.width, want.width);
    QCOMPARE(got.height, want.height);
    QCOMPARE(countDifferences(got, want), std::size_t{0});
  }

  void fashionMnistGreyIsReplicated() {
    const Image img = ImageDecoder::decodeFile(imagePath("dec_fashion28.png").toStdString());
    QCOMPARE(img.width, 28);
    QCOMPARE(img.height, 28);
    QCOMPARE(int(img.at(0, 0, 0)), 0);
    QVERIFY(img.at(14, 14, 0) >= 90);
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) {
        QCOMPARE(img.at(x, y, 1), img.at(x, y, 0));
        QCOMPARE(img.at(x, y, 2), img.at(x, y, 0));
      }
  }

  // Pillow opens 16-bit grey as a 32-bit integer image and convert("RGB") clips it: values
  // below 255 survive, larger ones become white (not the high byte).
  void grey16ClipsLikePillow() {
    const Image img = ImageDecoder::decodeFile(imagePath("dec_grey16.png").toStdString());
    int low = 0, white = 0;
    for (std::size_t i = 0; i < img.rgb.size(); i += 3) {
      if (img.rgb[i] < 255 && img.rgb[i] > 0) ++low;
      if (img.rgb[i] == 255) ++white;
    }
    QVERIFY(low > 100);
    QVERIFY(white > 100);
  }

  void formatComesFromContentNotExtension() {
    QTemporaryDir dir;
    const QString png = dir.filePath("really_a_png.jpg");
    QVERIFY(QFile::copy(imagePath("dec_rgb8.png"), png));
    const Image a = ImageDecoder::decodeFile(png.toStdString());
    QCOMPARE(countDifferences(a, readRgbFixture("dec_rgb8.rgb")), std::size_t{0});
    const QString jpg = dir.filePath("really_a_jpeg.png");
    QVERIFY(QFile::copy(imagePath("dec_baseline.jpg"), jpg));
    const Image b = ImageDecoder::decodeFile(jpg.toStdString());
    QCOMPARE(countDifferences(b, readRgbFixture("dec_baseline.rgb")), std::size_t{0});
  }

  void refusesBadFiles_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("code");
    QTest::newRow("text renamed .png") << "bad_text.png"
                                       << "image.unsupported_format";
    QTest::newRow("gif renamed .png") << "bad_gif.png"
                                      << "image.unsupported_format";
    QTest::newRow("empty") << "bad_empty.png"
                           << "image.corrupt";
    QTest::newRow("truncated png") << "bad_truncated.png"
                                   << "image.corrupt";
    QTest::newRow("png crc") << "bad_crc.png"
                             << "image.corrupt";
    QTest::newRow("huge png") << "bad_huge.png"
                              << "image.too_large";
    QTest::newRow("huge png 400 Mpx") << "bad_huge_mp.png"
                                      << "image.too_large";
    QTest::newRow("truncated jpeg") << "bad_truncated.jpg"
                                    << "image.corrupt";
    QTest::newRow("garbage jpeg") << "bad_garbage.jpg"
                                  << "image.corrupt";
    QTest::newRow("huge jpeg") << "bad_huge.jpg"
                               << "image.too_large";
    QTest::newRow("cmyk jpeg") << "bad_cmyk.jpg"
                               << "image.unsupported_colorspace";
    QTest::newRow("missing") << "no_such_file.png"
                             << "image.read_failed";
  }
  void refusesBadFiles() {
    QFETCH(QString, file);
    QFETCH(QString, code);
    try {
      ImageDecoder::decodeFile(imagePath(file).toStdString());
      QFAIL("no error");
    } catch (const strata::Error& e) {
      QCOMPARE(QString::fromStdString(e.code()), code);
      QVERIFY2(QString(e.what()).contains(file), e.what());
    }
  }

  void messagesSayWhat() {
    try {
      ImageDecoder::decodeFile(imagePath("bad_gif.png").toStdString());
      QFAIL("no error");
    } catch (const strata::Error& e) {
      QVERIFY2(QString(e.what()).contains("GIF"), e.what());
    }
    try {
      ImageDecoder::decodeFile(imagePath("bad_huge.png").toStdString());
      QFAIL("no error");
    } catch (const strata::Error& e) {
      QVERIFY2(QString(e.what()).contains("100000 x 100000"), e.what());
    }
  }

  // Random damage to valid files: every result is an image or a strata::Error, never a crash
  // (run under ASan in the sanitizer preset).
  void survivesDamagedFiles_data() {
    QTest::addColumn<QString>("file");
    QTest::newRow("png") << "dec_rgb8.png";
    QTest::newRow("interlaced png") << "dec_interlaced.png";
    QTest::newRow("jpeg") << "dec_baseline.jpg";
    QTest::newRow("progressive jpeg") << "dec_progressive.jpg";
  }
  void survivesDamagedFiles() {
    QFETCH(QString, file);
    const QByteArray good = readAll(file);
    std::mt19937 rng(7);
    int decoded = 0, refused = 0;
    for (int trial = 0; trial < 300; ++trial) {
      std::vector<std::uint8_t> bytes(good.begin(), good.end());
      if (trial % 3 == 0) {
        bytes.resize(std::uniform_int_distribution<std::size_t>(0, bytes.size() - 1)(rng));
      } else {
        const int flips = 1 + trial % 7;
        for (int i = 0; i < flips; ++i)
          bytes[std::uniform_int_distribution<std::size_t>(0, bytes.size() - 1)(rng)] ^=
              static_cast<std::uint8_t>(1 + rng() % 255);
      }
      try {
        const Image img = ImageDecoder::decode(bytes.data(), bytes.size(), "damaged");
        QVERIFY(img.rgb.size() == std::size_t(img.width) * std::size_t(img.height) * 3);
        ++decoded;
      } catch (const strata::Error& e) {
        QVERIFY(QString::fromStdString(e.code()).startsWith("image."));
        ++refused;
      }
    }
    QVERIFY(refused > 50);
    qInfo("%d decoded, %d refused", decoded, refused);
  }
};

QTEST_GUILESS_MAIN(TestImageDecoder)
#include "test_image_decoder.moc"
