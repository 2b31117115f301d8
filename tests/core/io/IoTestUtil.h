#pragma once
// Helpers shared by the core/io tests: crafting safetensors bytes and checking errors.
#include <QtCore/QByteArray>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QString>

#include <cstdint>
#include <string>

#include "core/util/Error.h"

namespace iotest {

inline QString dataPath(const QString& rel) {
  return QStringLiteral(STRATA_TEST_DATA) + QStringLiteral("/safetensors/") + rel;
}

inline QByteArray le64(std::uint64_t n) {
  QByteArray b(8, '\0');
  for (int i = 0; i < 8; ++i, n >>= 8)
    b[i] = static_cast<char>(n & 0xFF);
  return b;
}

/// A safetensors file: 8-byte length of `header`, the header, then `data`.
inline QByteArray stBytes(const QByteArray& header, const QByteArray& data = {}) {
  return le64(static_cast<std::uint64_t>(header.size())) + header + data;
}

inline bool writeFile(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
  return f.write(bytes) == bytes.size();
}

inline QByteArray readFile(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

struct Caught {
  bool thrown = false;
  std::string code;
  std::string message;
};

template <typename F>
Caught catchError(F&& f) {
  try {
    f();
  } catch (const strata::Error& e) {
    return {true, e.code(), e.what()};
  }
  return {};
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace iotest

/// Asserts that `expr` throws strata::Error with `code` and a message containing each of the
/// following strings.
#define STRATA_EXPECT_ERROR(expr, expectedCode, ...)                                              \
  do {                                                                                            \
    const auto caught_ = iotest::catchError([&] { (void)(expr); });                               \
    QVERIFY2(caught_.thrown, "expected strata::Error " expectedCode);                             \
    QCOMPARE(QString::fromStdString(caught_.code), QStringLiteral(expectedCode));                 \
    for (const std::string& part_ : std::initializer_list<std::string>{__VA_ARGS__}) {            \
      QVERIFY2(iotest::contains(caught_.message, part_),                                          \
               qPrintable(QString::fromStdString(caught_.message + "  [lacks: " + part_ + "]"))); \
    }                                                                                             \
  } while (0)
