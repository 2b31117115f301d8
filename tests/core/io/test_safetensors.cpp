// SafetensorsFile: every format rule on crafted malformed files, and values read from the
// fixtures written by tests/data/safetensors/make_fixtures.py (an independent Python writer).
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <bit>
#include <cmath>
#include <cstring>

#include "IoTestUtil.h"
#include "core/io/DType.h"
#include "core/io/SafetensorsFile.h"

using iotest::stBytes;
using strata::SafetensorsFile;

namespace {

QByteArray entry(const char* name, const char* dtype, const char* shape, const char* offsets) {
  return QByteArray("\"") + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape +
         ",\"data_offsets\":" + offsets + "}";
}

QByteArray obj(const QByteArray& body) {
  return "{" + body + "}";
}

QJsonObject loadExpected() {
  return QJsonDocument::fromJson(iotest::readFile(iotest::dataPath("expected.json"))).object();
}

std::uint32_t bits(float f) {
  return std::bit_cast<std::uint32_t>(f);
}

}  // namespace

class TestSafetensors : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void rejectsMalformed_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("tensor");  // must appear in the message when not empty

    const QByteArray w4 = entry("w", "F32", "[1]", "[0,4]");
    const QByteArray four(4, '\1');

    QTest::newRow("empty") << QByteArray() << "safetensors.empty_file"
                           << "";
    QTest::newRow("3 bytes") << QByteArray("\x05\0\0", 3) << "safetensors.file_too_small"
                             << "";
    QTest::newRow("7 bytes") << QByteArray(7, '\2') << "safetensors.file_too_small"
                             << "";
    QTest::newRow("pickle proto 2") << QByteArray("\x80\x02}q\x00.", 6) << "safetensors.pickle_file"
                                    << "";
    QTest::newRow("pickle proto 5")
        << QByteArray("\x80\x05\x95\x10\0\0\0\0\0\0\0}", 12) << "safetensors.pickle_file"
        << "";
    QTest::newRow("torch zip") << QByteArray("PK\x03\x04\x14\0\0\0\0\0archive/data.pkl", 26)
                               << "safetensors.pickle_file"
                               << "";
    QTest::newRow("header len 0") << iotest::le64(0) + "{}"
                                  << "safetensors.header_too_small"
                                  << "";
    QTest::newRow("header len 1") << iotest::le64(1) + "{}"
                                  << "safetensors.header_too_small"
                                  << "";
    QTest::newRow("header 100MB+1") << iotest::le64(100'000'001) + "{}"
                                    << "safetensors.header_too_large"
                                    << "";
    QTest::newRow("header u64 max") << iotest::le64(~0ull) + "{}"
                                    << "safetensors.header_too_large"
                                    << "";
    QTest::newRow("header past eof") << iotest::le64(1000) + "{}     "
                                     << "safetensors.header_out_of_bounds"
                                     << "";
    QTest::newRow("not utf8") << stBytes("{\"w\xff\":1}") << "safetensors.header_not_utf8"
                              << "";
    QTest::newRow("overlong utf8") << stBytes("{\"\xc0\xaf\":1}") << "safetensors.header_not_utf8"
                                   << "";
    QTest::newRow("surrogate utf8")
        << stBytes("{\"\xed\xa0\x80\":1}") << "safetensors.header_not_utf8"
        << "";
    QTest::newRow("truncated utf8") << stBytes("{\"\xe4\xb8") << "safetensors.header_not_utf8"
                                    << "";
    QTest::newRow("leading space") << stBytes(" {}") << "safetensors.header_bad_start"
                                   << "";
    QTest::newRow("utf8 bom") << stBytes("\xef\xbb\xbf{}") << "safetensors.header_bad_start"
                              << "";
    QTest::newRow("json array") << stBytes("[{}]") << "safetensors.header_bad_start"
                                << "";
    QTest::newRow("cut json") << stBytes("{\"w\":") << "safetensors.header_invalid_json"
                              << "";
    QTest::newRow("json garbage after") << stBytes("{}x") << "safetensors.header_invalid_json"
                                        << "";
    QTest::newRow("two objects") << stBytes("{}{}") << "safetensors.header_invalid_json"
                                 << "";
    QTest::newRow("nul then garbage")
        << stBytes(QByteArray("{}\0{\"w\":1}", 10)) << "safetensors.header_invalid_json"
        << "";
    QTest::newRow("nul padding") << stBytes(QByteArray("{}\0\0\0\0\0\0", 8))
                                 << "safetensors.header_invalid_json"
                                 << "";
    QTest::newRow("depth 65") << stBytes("{\"__metadata__\":" + QByteArray(64, '[') +
                                         QByteArray(64, ']') + "}")
                              << "safetensors.header_too_deep"
                              << "";
    QTest::newRow("depth 1M") << stBytes("{\"a\":" + QByteArray(1'000'000, '['))
                              << "safetensors.header_too_deep"
                              << "";
    QTest::newRow("duplicate tensor")
        << stBytes(obj(w4 + "," + entry("w", "F32", "[1]", "[4,8]")), four + four)
        << "safetensors.duplicate_tensor"
        << "w";
    QTest::newRow("duplicate escaped")
        << stBytes(obj(w4 + "," + entry("\\u0077", "F32", "[1]", "[4,8]")), four + four)
        << "safetensors.duplicate_tensor"
        << "w";
    QTest::newRow("duplicate field")
        << stBytes(
               "{\"w\":{\"dtype\":\"F32\",\"dtype\":\"I32\",\"shape\":[1],"
               "\"data_offsets\":[0,4]}}",
               four)
        << "safetensors.duplicate_key"
        << "w";
    QTest::newRow("duplicate metadata key")
        << stBytes("{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}") << "safetensors.duplicate_key"
        << "__metadata__";
    QTest::newRow("metadata twice")
        << stBytes("{\"__metadata__\":{},\"__metadata__\":{}}") << "safetensors.duplicate_key"
        << "__metadata__";
    QTest::newRow("metadata array")
        << stBytes("{\"__metadata__\":[]}") << "safetensors.bad_metadata"
        << "__metadata__";
    QTest::newRow("metadata number value")
        << stBytes("{\"__metadata__\":{\"epoch\":3}}") << "safetensors.bad_metadata"
        << "epoch";
    QTest::newRow("metadata nested")
        << stBytes("{\"__metadata__\":{\"cfg\":{\"a\":\"b\"}}}") << "safetensors.bad_metadata"
        << "cfg";
    QTest::newRow("entry array") << stBytes("{\"w\":[0,4]}") << "safetensors.bad_tensor_entry"
                                 << "w";
    QTest::newRow("entry string") << stBytes("{\"w\":\"F32\"}") << "safetensors.bad_tensor_entry"
                                  << "w";
    QTest::newRow("no offsets") << stBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", four)
                                << "safetensors.missing_field"
                                << "w";
    QTest::newRow("no dtype") << stBytes("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", four)
                              << "safetensors.missing_field"
                              << "w";
    QTest::newRow("extra field")
        << stBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", four)
        << "safetensors.unknown_field"
        << "w";
    QTest::newRow("dtype number")
        << stBytes("{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", four)
        << "safetensors.bad_dtype"
        << "w";
    QTest::newRow("dtype F8") << stBytes(obj(entry("w", "F8_E4M3", "[4]", "[0,4]")), four)
                              << "safetensors.unknown_dtype"
                              << "w";
    QTest::newRow("dtype U16") << stBytes(obj(entry("w", "U16", "[2]", "[0,4]")), four)
                               << "safetensors.unknown_dtype"
                               << "w";
    QTest::newRow("dtype lowercase")
        << stBytes(obj(entry("w", "f32", "[1]", "[0,4]")), four) << "safetensors.unknown_dtype"
        << "w";
    QTest::newRow("shape object") << stBytes(obj(entry("w", "F32", "{}", "[0,4]")), four)
                                  << "safetensors.bad_shape"
                                  << "w";
    QTest::newRow("shape negative")
        << stBytes(obj(entry("w", "F32", "[-1]", "[0,4]")), four) << "safetensors.bad_shape"
        << "w";
    QTest::newRow("shape float") << stBytes(obj(entry("w", "F32", "[1.0]", "[0,4]")), four)
                                 << "safetensors.bad_shape"
                                 << "w";
    QTest::newRow("shape string") << stBytes(obj(entry("w", "F32", "[\"1\"]", "[0,4]")), four)
                                  << "safetensors.bad_shape"
                                  << "w";
    QTest::newRow("shape 2^63") << stBytes(
                                       obj(entry("w", "F32", "[9223372036854775808,0]", "[0,0]")))
                                << "safetensors.bad_shape"
                                << "w";
    QTest::newRow("shape 2^64") << stBytes(obj(entry("w", "U8", "[18446744073709551616]", "[0,4]")),
                                           four)
                                << "safetensors.bad_shape"
                                << "w";
    QTest::newRow("offsets one") << stBytes(obj(entry("w", "F32", "[1]", "[4]")), four)
                                 << "safetensors.bad_offsets"
                                 << "w";
    QTest::newRow("offsets three")
        << stBytes(obj(entry("w", "F32", "[1]", "[0,4,8]")), four) << "safetensors.bad_offsets"
        << "w";
    QTest::newRow("offsets reversed")
        << stBytes(obj(entry("w", "F32", "[0]", "[4,0]")), four) << "safetensors.bad_offsets"
        << "w";
    QTest::newRow("offsets negative")
        << stBytes(obj(entry("w", "F32", "[1]", "[-4,0]")), four) << "safetensors.bad_offsets"
        << "w";
    QTest::newRow("offsets float")
        << stBytes(obj(entry("w", "F32", "[1]", "[0,4.0]")), four) << "safetensors.bad_offsets"
        << "w";
    QTest::newRow("numel overflow")
        << stBytes(obj(entry("w", "U8", "[4294967296,4294967296,2]", "[0,4]")), four)
        << "safetensors.size_overflow"
        << "w";
    QTest::newRow("numel above int64")
        << stBytes(obj(entry("w", "U8", "[4294967296,4294967296]", "[0,4]")), four)
        << "safetensors.size_overflow"
        << "w";
    QTest::newRow("bytes overflow")
        << stBytes(obj(entry("w", "F32", "[4611686018427387904]", "[0,4]")), four)
        << "safetensors.size_overflow"
        << "w";
    QTest::newRow("size mismatch")
        << stBytes(obj(entry("w", "F32", "[2]", "[0,4]")), four) << "safetensors.size_mismatch"
        << "w";
    QTest::newRow("size mismatch dtype")
        << stBytes(obj(entry("w", "F64", "[1]", "[0,4]")), four) << "safetensors.size_mismatch"
        << "w";
    QTest::newRow("not at zero") << stBytes(obj(entry("w", "F32", "[1]", "[4,8]")), four + four)
                                 << "safetensors.offsets_not_at_zero"
                                 << "w";
    QTest::newRow("gap") << stBytes(obj(w4 + "," + entry("b", "F32", "[1]", "[8,12]")),
                                    four + four + four)
                         << "safetensors.offsets_gap"
                         << "b";
    QTest::newRow("overlap") << stBytes(obj(entry("a", "F32", "[2]", "[0,8]") + "," +
                                            entry("b", "F32", "[1]", "[4,8]")),
                                        four + four)
                             << "safetensors.offsets_overlap"
                             << "b";
    QTest::newRow("same range") << stBytes(obj(w4 + "," + entry("v", "I32", "[1]", "[0,4]")), four)
                                << "safetensors.offsets_overlap"
                                << "w";
    QTest::newRow("truncated data")
        << stBytes(obj(entry("w", "F32", "[2]", "[0,8]")), four) << "safetensors.data_out_of_bounds"
        << "w";
    QTest::newRow("huge offsets") << stBytes(obj(w4 + "," +
                                                 entry("b", "U8", "[9223372036854775800]",
                                                       "[4,9223372036854775804]")),
                                             four)
                                  << "safetensors.data_out_of_bounds"
                                  << "b";
    QTest::newRow("trailing bytes") << stBytes(obj(w4), four + "x") << "safetensors.trailing_data"
                                    << "";
    QTest::newRow("no tensors, data") << stBytes("{}", "abc") << "safetensors.trailing_data"
                                      << "";
  }

  void rejectsMalformed() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, code);
    QFETCH(QString, tensor);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("bad.safetensors");
    QVERIFY(iotest::writeFile(path, bytes));
    const auto caught = iotest::catchError([&] { SafetensorsFile::open(path.toStdString()); });
    QVERIFY2(caught.thrown, "no strata::Error");
    QCOMPARE(QString::fromStdString(caught.code), code);
    QVERIFY2(iotest::contains(caught.message, path.toStdString()), caught.message.c_str());
    if (!tensor.isEmpty()) {
      QVERIFY2(iotest::contains(caught.message, "'" + tensor.toStdString() + "'"),
               caught.message.c_str());
    }
  }

  void pickleMessageExplainsConversion() {
    QTemporaryDir dir;
    const QString path = dir.filePath("pytorch_model.safetensors");
    QVERIFY(iotest::writeFile(path, QByteArray("\x80\x04\x95", 3)));
    STRATA_EXPECT_ERROR(SafetensorsFile::open(path.toStdString()), "safetensors.pickle_file",
                        path.toStdString(), "PyTorch pickle", "torch.load",
                        "safetensors.torch import save_file");
  }

  void rejectsMissingAndDirectory() {
    QTemporaryDir dir;
    const std::string missing = dir.filePath("nope.safetensors").toStdString();
    STRATA_EXPECT_ERROR(SafetensorsFile::open(missing), "safetensors.open_failed", missing);
    STRATA_EXPECT_ERROR(SafetensorsFile::open(dir.path().toStdString()), "safetensors.not_a_file",
                        dir.path().toStdString());
  }

  void acceptsMinimalAndPadded() {
    QTemporaryDir dir;
    const QString a = dir.filePath("a.safetensors");
    QVERIFY(iotest::writeFile(a, stBytes("{}")));
    auto f = SafetensorsFile::open(a.toStdString());
    QCOMPARE(f->tensors().size(), std::size_t{0});
    QCOMPARE(f->fileSize(), std::uint64_t{10});

    // Whitespace inside and spaces after the JSON are padding, as the reference writes.
    const QByteArray header =
        "{ \"__metadata__\" : {\"k\":\"v\"},\n" + entry("w", "I32", "[1]", "[0,4]") + "}     ";
    const QString b = dir.filePath("b.safetensors");
    QVERIFY(iotest::writeFile(b, stBytes(header, QByteArray("\x07\0\0\0", 4))));
    f = SafetensorsFile::open(b.toStdString());
    QCOMPARE(f->metadata().at("k"), std::string("v"));
    QCOMPARE(f->toFloat("w"), std::vector<float>{7.0f});

    // Zero-sized tensors may share an offset with their neighbours.
    const QString c = dir.filePath("c.safetensors");
    QVERIFY(iotest::writeFile(
        c, stBytes(obj(entry("e", "F32", "[0]", "[4,4]") + "," + entry("w", "F32", "[1]", "[0,4]") +
                       "," + entry("z", "I64", "[3,0]", "[0,0]")),
                   QByteArray(4, '\0'))));
    f = SafetensorsFile::open(c.toStdString());
    QCOMPARE(f->tensors().size(), std::size_t{3});
    QCOMPARE(f->tensors()[0].name, std::string("z"));
    QCOMPARE(f->tensors()[1].name, std::string("w"));
    QCOMPARE(f->tensors()[2].name, std::string("e"));
    QCOMPARE(f->bytes("e").size(), std::size_t{0});
    QVERIFY(f->toFloat("z").empty());
  }

  void unknownTensorIsAnError() {
    auto f = SafetensorsFile::open(iotest::dataPath("dtypes.safetensors").toStdString());
    QVERIFY(!f->contains("nope"));
    STRATA_EXPECT_ERROR(f->info("nope"), "safetensors.no_such_tensor", f->path(), "'nope'");
    STRATA_EXPECT_ERROR(f->toFloat("nope"), "safetensors.no_such_tensor", "'nope'");
    STRATA_EXPECT_ERROR(f->bytes("nope"), "safetensors.no_such_tensor", "'nope'");
  }

  // Every tensor of every fixture: layout, raw bytes and float32 values as numpy computed them.
  void readsIndependentFixtures() {
    const QJsonObject expected = loadExpected();
    QVERIFY(expected.size() >= 4);
    int aligned = 0, unaligned = 0, checkedValues = 0;
    for (auto it = expected.begin(); it != expected.end(); ++it) {
      const QJsonObject want = it.value().toObject();
      auto f = SafetensorsFile::open(iotest::dataPath(it.key()).toStdString());
      const auto dataStart = static_cast<std::uint64_t>(want["data_start"].toInteger());

      const QJsonObject meta = want["metadata"].toObject();
      QCOMPARE(f->metadata().size(), static_cast<std::size_t>(meta.size()));
      for (auto m = meta.begin(); m != meta.end(); ++m) {
        QCOMPARE(QString::fromStdString(f->metadata().at(m.key().toStdString())),
                 m.value().toString());
      }

      const QJsonArray tensors = want["tensors"].toArray();  // in data order
      QCOMPARE(f->tensors().size(), static_cast<std::size_t>(tensors.size()));
      for (qsizetype i = 0; i < tensors.size(); ++i) {
        const QJsonObject t = tensors[i].toObject();
        const std::string name = t["name"].toString().toStdString();
        const auto& info = f->tensors()[static_cast<std::size_t>(i)];
        QCOMPARE(info.name, name);
        QCOMPARE(&f->info(name), &info);
        QCOMPARE(QString::fromLatin1(strata::dtypeName(info.dtype)), t["dtype"].toString());
        std::vector<std::int64_t> shape;
        std::int64_t numel = 1;
        for (const auto& d : t["shape"].toArray()) {
          shape.push_back(d.toInteger());
          numel *= d.toInteger();
        }
        QCOMPARE(info.shape, shape);
        QCOMPARE(info.numel(), numel);
        QCOMPARE(info.begin, static_cast<std::uint64_t>(t["begin"].toInteger()));
        QCOMPARE(info.end, static_cast<std::uint64_t>(t["end"].toInteger()));

        const auto raw = f->bytes(name);
        QCOMPARE(QByteArray(reinterpret_cast<const char*>(raw.data()),
                            static_cast<qsizetype>(raw.size()))
                     .toHex(),
                 t["raw"].toString().toLatin1());

        // Zero-copy: the aligned pointer is the mapping itself, null only when misaligned.
        const bool isAligned = (dataStart + info.begin) % strata::dtypeSize(info.dtype) == 0;
        if (isAligned) {
          QCOMPARE(f->alignedData(name), static_cast<const void*>(raw.data()));
          ++aligned;
        } else {
          QCOMPARE(f->alignedData(name), static_cast<const void*>(nullptr));
          ++unaligned;
        }

        const auto values = f->toFloat(name);
        const QJsonArray f32 = t["f32"].toArray();
        QCOMPARE(values.size(), static_cast<std::size_t>(f32.size()));
        for (qsizetype k = 0; k < f32.size(); ++k) {
          const auto want32 = static_cast<std::uint32_t>(f32[k].toString().toUInt(nullptr, 16));
          const float got = values[static_cast<std::size_t>(k)];
          if (std::isnan(std::bit_cast<float>(want32))) {
            QVERIFY2(std::isnan(got), qPrintable(it.key() + "/" + QString::fromStdString(name)));
          } else {
            QVERIFY2(bits(got) == want32,
                     qPrintable(QStringLiteral("%1/%2[%3]: got %4 (0x%5), want 0x%6")
                                    .arg(it.key(), QString::fromStdString(name))
                                    .arg(k)
                                    .arg(double(got))
                                    .arg(bits(got), 8, 16, QChar('0'))
                                    .arg(want32, 8, 16, QChar('0'))));
          }
          ++checkedValues;
        }
      }
    }
    QVERIFY(aligned >= 10);
    QVERIFY(unaligned >= 3);
    QVERIFY(checkedValues >= 80);
  }

  void fixtureSpotValues() {
    // A few values spelled out, so a broken expected.json cannot hide a broken reader.
    auto f = SafetensorsFile::open(iotest::dataPath("dtypes.safetensors").toStdString());
    const auto h = f->toFloat("f16");
    QCOMPARE(h[2], 0x1p-24f);           // smallest subnormal
    QCOMPARE(bits(h[1]), 0x80000000u);  // -0
    QCOMPARE(h[4], 1023 * 0x1p-24f);    // largest subnormal
    QCOMPARE(h[9], 65504.0f);
    QVERIFY(std::isinf(h[10]) && h[10] > 0);
    QVERIFY(std::isnan(h[12]));
    QCOMPARE(f->toFloat("bf16")[4], 3.140625f);
    QCOMPARE(f->toFloat("i64")[3], -9223372036854775808.0f);
    QCOMPARE(f->toFloat("u8")[1], 255.0f);
    QCOMPARE(f->toFloat("bool"), (std::vector<float>{1, 0, 1, 1}));
    QCOMPARE(f->toFloat("scalar"), std::vector<float>{42.5f});
    QVERIFY(f->info("scalar").shape.empty());
    QCOMPARE(f->info("scalar").numel(), std::int64_t{1});
    QCOMPARE(f->info("empty").numel(), std::int64_t{0});
    QCOMPARE(f->metadata().at("format"), std::string("pt"));
    QCOMPARE(f->tensors().front().name, std::string("f16"));  // data order, not header order
  }

  void dtypeTable() {
    using strata::DType;
    const std::pair<const char*, std::size_t> table[] = {
        {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8},
        {"I32", 4}, {"I16", 2}, {"I8", 1},  {"U8", 1},   {"BOOL", 1}};
    for (const auto& [name, size] : table) {
      const auto t = strata::parseDType(name);
      QVERIFY2(t.has_value(), name);
      QCOMPARE(strata::dtypeName(*t), std::string_view(name));
      QCOMPARE(strata::dtypeSize(*t), size);
    }
    for (const char* bad : {"F8_E4M3", "F8_E5M2", "U16", "U32", "U64", "C64", "f32", ""}) {
      QVERIFY2(!strata::parseDType(bad).has_value(), bad);
    }
    QVERIFY(strata::isFloating(DType::BF16));
    QVERIFY(!strata::isFloating(DType::I64));
    QVERIFY(!strata::isFloating(DType::BOOL));
  }

  void halfConversions() {
    // Every non-NaN half survives half -> float -> half; NaNs stay NaN.
    for (std::uint32_t h = 0; h < 0x10000; ++h) {
      const auto h16 = static_cast<std::uint16_t>(h);
      const float f = strata::halfToFloat(h16);
      if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF)) {
        QVERIFY(std::isnan(f));
        QVERIFY(std::isnan(strata::halfToFloat(strata::floatToHalf(f))));
      } else {
        QVERIFY2(strata::floatToHalf(f) == h16, qPrintable(QString::number(h, 16)));
      }
    }
    // Round to nearest even at the edges.
    QCOMPARE(strata::floatToHalf(65519.0f), std::uint16_t{0x7BFF});
    QCOMPARE(strata::floatToHalf(65520.0f), std::uint16_t{0x7C00});
    QCOMPARE(strata::floatToHalf(1e10f), std::uint16_t{0x7C00});
    QCOMPARE(strata::floatToHalf(-1e10f), std::uint16_t{0xFC00});
    QCOMPARE(strata::floatToHalf(1.0f + 0x1p-11f), std::uint16_t{0x3C00});      // tie -> even
    QCOMPARE(strata::floatToHalf(1.0f + 3 * 0x1p-11f), std::uint16_t{0x3C02});  // tie -> even
    QCOMPARE(strata::floatToHalf(0x1p-25f), std::uint16_t{0x0000});             // tie -> 0
    QCOMPARE(strata::floatToHalf(1.5f * 0x1p-25f), std::uint16_t{0x0001});
    QCOMPARE(strata::floatToHalf(3 * 0x1p-25f), std::uint16_t{0x0002});  // tie -> even
    QCOMPARE(strata::floatToHalf(-0x1p-14f), std::uint16_t{0x8400});
    QCOMPARE(strata::floatToHalf(1e-10f), std::uint16_t{0x0000});
    QCOMPARE(strata::floatToHalf(-0.0f), std::uint16_t{0x8000});
    QCOMPARE(strata::floatToHalf(0.1f), std::uint16_t{0x2E66});
    QCOMPARE(strata::halfToFloat(0x3555), 0.333251953125f);
  }

  void bf16Conversions() {
    QCOMPARE(strata::floatToBf16(1.0f), std::uint16_t{0x3F80});
    QCOMPARE(strata::floatToBf16(1.0f + 0x1p-8f), std::uint16_t{0x3F80});      // tie -> even
    QCOMPARE(strata::floatToBf16(1.0f + 3 * 0x1p-8f), std::uint16_t{0x3F82});  // tie -> even
    QCOMPARE(strata::floatToBf16(1.0f + 0x1p-8f + 0x1p-20f), std::uint16_t{0x3F81});
    QCOMPARE(strata::floatToBf16(3.4028235e38f), std::uint16_t{0x7F80});  // rounds to inf
    QCOMPARE(strata::floatToBf16(-0.0f), std::uint16_t{0x8000});
    const auto nan = strata::floatToBf16(std::bit_cast<float>(0x7F800001u));  // payload low
    QVERIFY(std::isnan(strata::bf16ToFloat(nan)));
    QCOMPARE(strata::bf16ToFloat(0xC040), -3.0f);
    for (std::uint32_t b = 0; b < 0x10000; ++b) {
      if ((b & 0x7F80) == 0x7F80 && (b & 0x7F)) continue;
      QCOMPARE(strata::floatToBf16(strata::bf16ToFloat(static_cast<std::uint16_t>(b))),
               static_cast<std::uint16_t>(b));
    }
  }

  void convertsUnalignedSources() {
    // convertToFloat reads through any alignment: place an I64 at an odd address.
    unsigned char buf[1 + 16] = {};
    const std::int64_t v[2] = {-3, 1ll << 40};
    std::memcpy(buf + 1, v, sizeof v);
    float out[2] = {};
    strata::convertToFloat(strata::DType::I64, buf + 1, 2, out);
    QCOMPARE(out[0], -3.0f);
    QCOMPARE(out[1], 1099511627776.0f);
    const unsigned char bools[3] = {0, 1, 2};
    float b[3] = {};
    strata::convertToFloat(strata::DType::BOOL, bools, 3, b);
    QCOMPARE(b[2], 1.0f);
    QCOMPARE(b[0], 0.0f);
  }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
