// SafetensorsWriter: round trips through SafetensorsFile for every dtype, header layout,
// input validation and atomic replacement of the target file.
#include <QtCore/QDir>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "IoTestUtil.h"
#include "core/io/SafetensorsFile.h"
#include "core/io/SafetensorsWriter.h"

using strata::DType;
using strata::SafetensorsFile;
using strata::SafetensorsWriter;

namespace {

template <typename T>
std::span<const std::byte> asBytes(const std::vector<T>& v) {
  return std::as_bytes(std::span<const T>(v));
}

std::string toString(const std::vector<std::byte>& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

}  // namespace

class TestSafetensorsWriter : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void roundTripsEveryDtype() {
    const std::vector<double> f64{0.5, -1e300, 3.0};
    const std::vector<float> f32{1.5f, -0.0f, 1e-45f, 7.0f};
    const std::vector<std::uint16_t> f16{0x3C00, 0x0001, 0xFC00};  // 1, 2^-24, -inf
    const std::vector<std::uint16_t> bf16{0x4049, 0xC000};         // 3.140625, -2
    const std::vector<std::int64_t> i64{-(1ll << 40), 9};
    const std::vector<std::int32_t> i32{-7, 2147483647};
    const std::vector<std::int16_t> i16{-32768, 5};
    const std::vector<std::int8_t> i8{-128, 127, 1};
    const std::vector<std::uint8_t> u8{255, 0};
    const std::vector<std::uint8_t> b{1, 0, 1};

    SafetensorsWriter w;
    // A 3-byte tensor first leaves everything after it misaligned, exercising the copy path.
    w.add("i8", DType::I8, {3}, asBytes(i8));
    w.add("f64", DType::F64, {3}, asBytes(f64));
    w.add("f32", DType::F32, {2, 2}, asBytes(f32));
    w.add("f16", DType::F16, {3, 1}, asBytes(f16));
    w.add("bf16", DType::BF16, {2}, asBytes(bf16));
    w.add("i64", DType::I64, {2}, asBytes(i64));
    w.add("i32", DType::I32, {1, 2}, asBytes(i32));
    w.add("i16", DType::I16, {2}, asBytes(i16));
    w.add("u8", DType::U8, {2}, asBytes(u8));
    w.add("bool", DType::BOOL, {3}, asBytes(b));

    QTemporaryDir dir;
    const std::string path = dir.filePath("all.safetensors").toStdString();
    w.write(path);
    const auto f = SafetensorsFile::open(path);
    QCOMPARE(f->tensors().size(), std::size_t{10});
    const char* order[] = {"i8", "f64", "f32", "f16", "bf16", "i64", "i32", "i16", "u8", "bool"};
    for (std::size_t i = 0; i < 10; ++i)
      QCOMPARE(f->tensors()[i].name, std::string(order[i]));

    QCOMPARE(f->info("f32").shape, (std::vector<std::int64_t>{2, 2}));
    QCOMPARE(f->info("f16").dtype, DType::F16);
    QCOMPARE(f->info("bool").dtype, DType::BOOL);
    QVERIFY(std::memcmp(f->bytes("i64").data(), i64.data(), 16) == 0);
    QVERIFY(std::memcmp(f->bytes("f64").data(), f64.data(), 24) == 0);

    QCOMPARE(f->toFloat("i8"), (std::vector<float>{-128, 127, 1}));
    const auto d = f->toFloat("f64");
    QCOMPARE(d[0], 0.5f);
    QVERIFY(std::isinf(d[1]) && d[1] < 0);
    const auto s = f->toFloat("f32");
    QCOMPARE(std::bit_cast<std::uint32_t>(s[1]), 0x80000000u);
    QCOMPARE(s[2], std::bit_cast<float>(1u));
    const auto h = f->toFloat("f16");
    QCOMPARE(h[0], 1.0f);
    QCOMPARE(h[1], 0x1p-24f);
    QVERIFY(std::isinf(h[2]) && h[2] < 0);
    QCOMPARE(f->toFloat("bf16"), (std::vector<float>{3.140625f, -2.0f}));
    QCOMPARE(f->toFloat("i64"), (std::vector<float>{-1099511627776.0f, 9.0f}));
    QCOMPARE(f->toFloat("i32"), (std::vector<float>{-7.0f, 2147483648.0f}));
    QCOMPARE(f->toFloat("i16"), (std::vector<float>{-32768.0f, 5.0f}));
    QCOMPARE(f->toFloat("u8"), (std::vector<float>{255.0f, 0.0f}));
    QCOMPARE(f->toFloat("bool"), (std::vector<float>{1.0f, 0.0f, 1.0f}));

    // i8 starts the 8-aligned buffer; f64 at offset 3 is not aligned and must be copied.
    QCOMPARE(f->alignedData("i8"), static_cast<const void*>(f->bytes("i8").data()));
    QCOMPARE(f->alignedData("f64"), static_cast<const void*>(nullptr));
  }

  void addFloatStoresConverted() {
    const std::vector<float> v{1.0f, -0.5f, 65504.0f, 1e6f, 0.1f, 1.0f + 0x1p-8f};
    SafetensorsWriter w;
    w.addFloat("a", {6}, v);
    w.addFloat("h", {2, 3}, v, DType::F16);
    w.addFloat("b", {3, 2}, v, DType::BF16);
    QTemporaryDir dir;
    const std::string path = dir.filePath("f.safetensors").toStdString();
    w.write(path);
    const auto f = SafetensorsFile::open(path);
    QCOMPARE(f->toFloat("a"), v);
    QCOMPARE(f->info("h").dtype, DType::F16);
    QCOMPARE(f->info("h").byteSize(), std::uint64_t{12});
    const auto h = f->toFloat("h");
    QCOMPARE(h[2], 65504.0f);
    QVERIFY(std::isinf(h[3]));         // 1e6 overflows half
    QCOMPARE(h[4], 0.0999755859375f);  // nearest half to 0.1
    const auto b = f->toFloat("b");
    QCOMPARE(b[3], 999424.0f);  // nearest bf16 to 1e6
    QCOMPARE(b[5], 1.0f);       // tie rounds to even
    // Every tensor here is aligned (sizes are multiples of 4), so no copy is needed.
    for (const char* n : {"a", "h", "b"}) {
      QCOMPARE(f->alignedData(n), static_cast<const void*>(f->bytes(n).data()));
    }
  }

  void headerLayout() {
    SafetensorsWriter w;
    const std::vector<float> one{2.0f};
    w.addFloat("zeta", {1}, one);
    w.addFloat("alpha", {1}, one);
    w.setMetadata("format", "pt");
    w.setMetadata("note", "caf\xc3\xa9 \"quoted\"\n");
    const auto bytes = w.serialize();
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
      n = (n << 8) | std::to_integer<std::uint64_t>(bytes[i]);
    QCOMPARE((8 + n) % 8, std::uint64_t{0});
    QCOMPARE(bytes.size(), 8 + n + 8);
    const std::string header = toString(bytes).substr(8, n);
    QVERIFY2(header.rfind("{\"__metadata__\":{\"format\":\"pt\",\"note\":", 0) == 0,
             header.c_str());
    QVERIFY(header.find("\"zeta\"") < header.find("\"alpha\""));  // insertion order
    QVERIFY(header.find("\"data_offsets\":[4,8]") != std::string::npos);
    const auto last = header.find_last_not_of(' ');
    QCOMPARE(header[last], '}');

    QTemporaryDir dir;
    const QString path = dir.filePath("m.safetensors");
    w.write(path.toStdString());
    QCOMPARE(iotest::readFile(path), QByteArray(reinterpret_cast<const char*>(bytes.data()),
                                                static_cast<qsizetype>(bytes.size())));
    const auto f = SafetensorsFile::open(path.toStdString());
    QCOMPARE(f->metadata().at("note"), std::string("caf\xc3\xa9 \"quoted\"\n"));
    QCOMPARE(f->metadata().size(), std::size_t{2});
    QCOMPARE(f->tensors()[0].name, std::string("zeta"));
  }

  void scalarsAndEmptyTensors() {
    SafetensorsWriter w;
    const std::vector<float> scalar{-4.25f};
    w.addFloat("scalar", {}, scalar);
    w.add("empty", DType::F32, {0, 3}, {});
    w.add("empty2", DType::I64, {3, 0, 2}, {});
    w.addFloat("after", {1}, scalar, DType::BF16);
    QTemporaryDir dir;
    const std::string path = dir.filePath("s.safetensors").toStdString();
    w.write(path);
    const auto f = SafetensorsFile::open(path);
    QVERIFY(f->info("scalar").shape.empty());
    QCOMPARE(f->info("scalar").numel(), std::int64_t{1});
    QCOMPARE(f->toFloat("scalar"), scalar);
    QCOMPARE(f->info("empty").shape, (std::vector<std::int64_t>{0, 3}));
    QCOMPARE(f->info("empty").numel(), std::int64_t{0});
    QCOMPARE(f->bytes("empty").size(), std::size_t{0});
    QVERIFY(f->toFloat("empty2").empty());
    QCOMPARE(f->toFloat("after"), (std::vector<float>{-4.25f}));

    SafetensorsWriter none;  // no tensors at all is a valid file
    none.write(path);
    QCOMPARE(SafetensorsFile::open(path)->tensors().size(), std::size_t{0});
  }

  void rejectsBadInput() {
    SafetensorsWriter w;
    const std::vector<float> two{1, 2};
    w.addFloat("x", {2}, two);
    STRATA_EXPECT_ERROR(w.addFloat("x", {2}, two), "safetensors_writer.duplicate_tensor", "'x'");
    STRATA_EXPECT_ERROR(w.addFloat("", {2}, two), "safetensors_writer.empty_name");
    STRATA_EXPECT_ERROR(w.addFloat("__metadata__", {2}, two), "safetensors_writer.reserved_name");
    STRATA_EXPECT_ERROR(w.addFloat("y", {3}, two), "safetensors_writer.size_mismatch", "'y'");
    STRATA_EXPECT_ERROR(w.add("y", DType::F64, {2}, std::as_bytes(std::span(two))),
                        "safetensors_writer.size_mismatch", "'y'");
    STRATA_EXPECT_ERROR(w.add("y", DType::F32, {-2}, {}), "safetensors_writer.bad_shape", "'y'");
    STRATA_EXPECT_ERROR(w.add("y", DType::U8, {1ll << 32, 1ll << 32}, {}),
                        "safetensors_writer.size_overflow", "'y'");
    STRATA_EXPECT_ERROR(w.addFloat("y", {2}, two, DType::I32), "safetensors_writer.bad_dtype",
                        "'y'");
    STRATA_EXPECT_ERROR(w.addFloat("bad\xff", {2}, two), "safetensors_writer.invalid_utf8");
    STRATA_EXPECT_ERROR(w.setMetadata("k", "\xc0\xaf"), "safetensors_writer.invalid_utf8", "'k'");
    // None of the failures above added anything.
    SafetensorsWriter only;
    only.addFloat("x", {2}, two);
    QVERIFY(w.serialize() == only.serialize());
  }

  void writeIsAtomic() {
    QTemporaryDir dir;
    const QString missing = dir.filePath("no/such/dir/x.safetensors");
    SafetensorsWriter small;
    const std::vector<float> one{1.0f};
    small.addFloat("w", {1}, one);
    STRATA_EXPECT_ERROR(small.write(missing.toStdString()), "safetensors_writer.open_failed",
                        missing.toStdString());
    QVERIFY(!QFile::exists(missing));

    // Replacing an existing, larger file leaves exactly the new contents.
    const QString path = dir.filePath("model.safetensors");
    SafetensorsWriter big;
    std::vector<float> many(10000, 3.0f);
    big.addFloat("big", {10000}, many);
    big.setMetadata("version", "1");
    big.write(path.toStdString());
    QCOMPARE(QFileInfo(path).size(), static_cast<qint64>(big.serialize().size()));
    QVERIFY(QFileInfo(path).size() > 40008);
    small.write(path.toStdString());
    const auto want = small.serialize();
    QCOMPARE(iotest::readFile(path), QByteArray(reinterpret_cast<const char*>(want.data()),
                                                static_cast<qsizetype>(want.size())));
    QCOMPARE(SafetensorsFile::open(path.toStdString())->toFloat("w"), one);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden),
             QStringList{"model.safetensors"});  // no temporary file left behind

    // A failed replace (the target is a non-empty folder) leaves the target as it was and
    // removes the temporary file.
    const QString folder = dir.filePath("target.safetensors");
    QVERIFY(QDir().mkpath(folder + "/keep"));
    STRATA_EXPECT_ERROR(small.write(folder.toStdString()), "safetensors_writer.rename_failed",
                        folder.toStdString());
    QVERIFY(QFileInfo(folder + "/keep").isDir());
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden),
             QStringList{"model.safetensors"});

    // Rewriting keeps the existing file's permissions.
    QVERIFY(QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    big.write(path.toStdString());
    namespace fs = std::filesystem;
    QVERIFY(fs::status(path.toStdString()).permissions() ==
            (fs::perms::owner_read | fs::perms::owner_write));
    QCOMPARE(SafetensorsFile::open(path.toStdString())->metadata().at("version"), std::string("1"));
  }
};

QTEST_GUILESS_MAIN(TestSafetensorsWriter)
#include "test_safetensors_writer.moc"
