#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <string>

#include "IoTestUtil.h"
#include "core/io/NpyFile.h"

namespace {

std::string fixture(const char* name) {
  return std::string(STRATA_TEST_DATA) + "/npy/" + name;
}

/// a[i, j] = (3 i + j) / 3 - 1, as make_npy.py writes it
float expected(int i, int j) {
  return static_cast<float>((3.0 * i + j) / 3.0 - 1.0);
}

void checkValues(const strata::FloatArray& a) {
  QCOMPARE(a.shape, (std::vector<std::int64_t>{2, 3}));
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      QCOMPARE(a.at({i, j}), expected(i, j));
}

/// A v1 file: magic, version, u16 header length, header, data.
QByteArray npyV1(const QByteArray& header, const QByteArray& data, char major = 1) {
  QByteArray b("\x93NUMPY", 6);
  b.append(major).append('\0');
  b.append(static_cast<char>(header.size() & 0xFF)).append(static_cast<char>(header.size() >> 8));
  return b + header + data;
}

}  // namespace

class TestNpy : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void readsNumpyFiles() {
    for (const char* name :
         {"f4_v1.npy", "f8_v1.npy", "f4_be.npy", "f8_be.npy", "f4_v2.npy", "f4_v3.npy"})
      checkValues(strata::readNpy(fixture(name)));
    const auto h = strata::readNpyHeader(fixture("f8_be.npy"));
    QCOMPARE(QString::fromStdString(h.descr), QString(">f8"));
    QCOMPARE(h.itemSize, 8);
    QVERIFY(h.bigEndian);
    QCOMPARE(strata::readNpyHeader(fixture("f4_v3.npy")).major, 3);
    QCOMPARE(strata::readNpyHeader(fixture("f4_v1.npy")).dataOffset, std::uint64_t{128});
    const auto cube = strata::readNpy(fixture("f4_3d.npy"));
    QCOMPARE(cube.shape, (std::vector<std::int64_t>{2, 3, 4}));
    QCOMPARE(cube.at({1, 2, 3}), 23.0f);
    const auto empty = strata::readNpy(fixture("f4_empty.npy"));
    QCOMPARE(empty.shape, (std::vector<std::int64_t>{0, 5}));
    QVERIFY(empty.data.empty());
  }
  void refusesUnsupportedFiles() {
    auto fortran = iotest::catchError([] { strata::readNpy(fixture("fortran.npy")); });
    QCOMPARE(QString::fromStdString(fortran.code), QString("npy.fortran_order"));
    QVERIFY(iotest::contains(fortran.message, "fortran.npy"));
    auto ints = iotest::catchError([] { strata::readNpy(fixture("i8.npy")); });
    QCOMPARE(QString::fromStdString(ints.code), QString("npy.unsupported_dtype"));
    QVERIFY(iotest::contains(ints.message, "<i8"));
    QCOMPARE(
        QString::fromStdString(iotest::catchError([] { strata::readNpy(fixture("f2.npy")); }).code),
        QString("npy.unsupported_dtype"));
    QCOMPARE(QString::fromStdString(
                 iotest::catchError([] { strata::readNpy(fixture("missing.npy")); }).code),
             QString("npy.open_failed"));
    QCOMPARE(QString::fromStdString(
                 iotest::catchError([] { strata::readNpy(std::string(STRATA_TEST_DATA)); }).code),
             QString("npy.not_a_file"));
  }
  void rejectsMalformedFiles_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("code");
    const QByteArray ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n";
    const QByteArray data(8, '\0');
    QTest::newRow("valid") << npyV1(ok, data) << QString();
    QTest::newRow("double quotes, no trailing comma")
        << npyV1("{\"descr\": \"<f4\", \"shape\": (2,), \"fortran_order\": False}", data)
        << QString();
    QTest::newRow("short") << QByteArray("\x93NUM", 4) << "npy.bad_magic";
    QTest::newRow("magic") << QByteArray("PK\x03\x04 not numpy") << "npy.bad_magic";
    QTest::newRow("version") << npyV1(ok, data, 4) << "npy.unsupported_version";
    QTest::newRow("header past end") << npyV1(ok, data).left(40) << "npy.header_truncated";
    QByteArray huge("\x93NUMPY\x02\x00\x00\x00\x20\x00", 12);  // v2, 2 MiB header
    QTest::newRow("header too large") << huge << "npy.header_too_large";
    QTest::newRow("not a dict") << npyV1("['descr', '<f4']", data) << "npy.header_malformed";
    QTest::newRow("unterminated") << npyV1("{'descr: '<f4'}", data) << "npy.header_malformed";
    QTest::newRow("junk after") << npyV1(
                                       "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x",
                                       data)
                                << "npy.header_malformed";
    QTest::newRow("bad bool") << npyV1("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", data)
                              << "npy.header_malformed";
    QTest::newRow("missing shape")
        << npyV1("{'descr': '<f4', 'fortran_order': False}", data) << "npy.missing_key";
    QTest::newRow("unknown key")
        << npyV1("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", data)
        << "npy.unknown_key";
    QTest::newRow("duplicate key")
        << npyV1("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", data)
        << "npy.duplicate_key";
    QTest::newRow("structured")
        << npyV1("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}", data)
        << "npy.unsupported_dtype";
    QTest::newRow("negative dim") << npyV1(
                                         "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}",
                                         data)
                                  << "npy.bad_shape";
    QTest::newRow("list shape") << npyV1("{'descr': '<f4', 'fortran_order': False, 'shape': [2]}",
                                         data)
                                << "npy.bad_shape";
    QTest::newRow("dim beyond int64")
        << npyV1("{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775808,)}", data)
        << "npy.bad_shape";
    QTest::newRow("count overflow") << npyV1(
                                           "{'descr': '<f4', 'fortran_order': False, "
                                           "'shape': (4294967296, 4294967296)}",
                                           data)
                                    << "npy.size_overflow";
    QTest::newRow("bytes overflow")
        << npyV1("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,)}", data)
        << "npy.size_overflow";
    QTest::newRow("data short") << npyV1(ok, data.left(7)) << "npy.data_truncated";
    QTest::newRow("data long") << npyV1(ok, data + "x") << "npy.trailing_data";
  }
  void rejectsMalformedFiles() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, code);
    QTemporaryDir dir;
    const QString path = dir.filePath("case.npy");
    QVERIFY(iotest::writeFile(path, bytes));
    const auto c = iotest::catchError([&] { strata::readNpy(path.toStdString()); });
    QCOMPARE(QString::fromStdString(c.code), code);
    if (c.thrown) QVERIFY(iotest::contains(c.message, "case.npy"));
  }
};

QTEST_GUILESS_MAIN(TestNpy)
#include "test_npy.moc"
