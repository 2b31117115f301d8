#pragma once
// Readers for the fixtures written by tests/data/images/make_fixtures.py.
#include <QFile>
#include <QString>
#include <QtTest/QtTest>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/image/Image.h"

namespace strata::test {

inline QString imagePath(const QString& name) {
  return QStringLiteral(STRATA_TEST_DATA "/images/") + name;
}

inline QByteArray readAll(const QString& name) {
  QFile f(imagePath(name));
  if (!f.open(QIODevice::ReadOnly)) qFatal("cannot open fixture %s", qPrintable(name));
  return f.readAll();
}

/// b"RGB8", uint32 width, uint32 height, then the bytes.
inline Image readRgbFixture(const QString& name) {
  const QByteArray b = readAll(name);
  if (b.size() < 12 || std::memcmp(b.data(), "RGB8", 4) != 0) qFatal("bad .rgb fixture");
  std::uint32_t w = 0, h = 0;
  std::memcpy(&w, b.data() + 4, 4);
  std::memcpy(&h, b.data() + 8, 4);
  Image img(static_cast<std::int32_t>(w), static_cast<std::int32_t>(h));
  if (static_cast<std::size_t>(b.size()) != 12 + img.rgb.size()) qFatal("bad .rgb fixture size");
  std::memcpy(img.rgb.data(), b.data() + 12, img.rgb.size());
  return img;
}

inline std::vector<float> readF32Fixture(const QString& name) {
  const QByteArray b = readAll(name);
  std::vector<float> v(static_cast<std::size_t>(b.size()) / 4);
  std::memcpy(v.data(), b.data(), v.size() * 4);
  return v;
}

/// Number of bytes that differ (0 = byte-exact), with the first difference logged.
inline std::size_t countDifferences(const Image& a, const Image& b) {
  if (a.width != b.width || a.height != b.height) {
    qWarning("size %dx%d vs %dx%d", a.width, a.height, b.width, b.height);
    return std::max(a.rgb.size(), b.rgb.size()) + 1;
  }
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.rgb.size(); ++i)
    if (a.rgb[i] != b.rgb[i]) {
      if (n == 0)
        qWarning("first difference at pixel %zu channel %zu: %d vs %d", i / 3, i % 3, a.rgb[i],
                 b.rgb[i]);
      ++n;
    }
  return n;
}

}  // namespace strata::test
