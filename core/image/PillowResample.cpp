#include "core/image/PillowResample.h"

#include <cmath>
#include <vector>

#include "core/util/Error.h"

namespace strata {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kPrecisionBits = 32 - 8 - 2;  // 8 bits of result, 2 of headroom for overshoot

double sinc(double x) {
  if (x == 0.0) return 1.0;
  x *= kPi;
  return std::sin(x) / x;
}

// The filters exactly as Resample.c writes them (including its float constants).
double filterAt(PilResample f, double x) {
  switch (f) {
    case PilResample::Box:
      return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0;
    case PilResample::Bilinear:
      x = std::abs(x);
      return x < 1.0 ? 1.0 - x : 0.0;
    case PilResample::Hamming:
      x = std::abs(x);
      if (x == 0.0) return 1.0;
      if (x >= 1.0) return 0.0;
      x *= kPi;
      return std::sin(x) / x *
             (static_cast<double>(0.54f) + static_cast<double>(0.46f) * std::cos(x));
    case PilResample::Bicubic: {
      constexpr double a = -0.5;
      x = std::abs(x);
      if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
      if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
      return 0.0;
    }
    case PilResample::Lanczos:
      return (-3.0 <= x && x < 3.0) ? sinc(x) * sinc(x / 3) : 0.0;
    case PilResample::Nearest:
      break;
  }
  return 0.0;
}

double supportOf(PilResample f) {
  switch (f) {
    case PilResample::Box:
      return 0.5;
    case PilResample::Bicubic:
      return 2.0;
    case PilResample::Lanczos:
      return 3.0;
    default:
      return 1.0;
  }
}

/// One axis' taps: output i reads `count[i]` inputs from `first[i]` with fixed-point weights
/// k[i * ksize + j].
struct Taps {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<std::int32_t> k;
};

Taps precompute(int inSize, int outSize, PilResample f) {
  const double scale = static_cast<double>(inSize) / outSize;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = supportOf(f) * filterscale;
  Taps t;
  t.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  t.first.resize(static_cast<std::size_t>(outSize));
  t.count.resize(static_cast<std::size_t>(outSize));
  t.k.assign(static_cast<std::size_t>(outSize) * static_cast<std::size_t>(t.ksize), 0);
  std::vector<double> w(static_cast<std::size_t>(t.ksize));
  for (int xx = 0; xx < outSize; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);  // truncation, as Pillow
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      w[static_cast<std::size_t>(x)] = filterAt(f, (x + xmin - center + 0.5) * ss);
      ww += w[static_cast<std::size_t>(x)];
    }
    std::int32_t* k = &t.k[static_cast<std::size_t>(xx) * static_cast<std::size_t>(t.ksize)];
    for (int x = 0; x < xmax; ++x) {
      double v = w[static_cast<std::size_t>(x)];
      if (ww != 0.0) v /= ww;
      k[x] = v < 0 ? static_cast<std::int32_t>(-0.5 + v * (1 << kPrecisionBits))
                   : static_cast<std::int32_t>(0.5 + v * (1 << kPrecisionBits));
    }
    t.first[static_cast<std::size_t>(xx)] = xmin;
    t.count[static_cast<std::size_t>(xx)] = xmax;
  }
  return t;
}

inline std::uint8_t clip8(std::int32_t acc) {
  const std::int32_t v = acc >> kPrecisionBits;  // arithmetic shift, as Pillow's lookup
  return static_cast<std::uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

/// Horizontal pass over source rows [row0, row0 + rows).
Image horizontal(const Image& in, int row0, int rows, int outW, const Taps& t) {
  Image out(outW, rows);
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* src = &in.rgb[static_cast<std::size_t>(row0 + y) * in.width * 3];
    std::uint8_t* dst = &out.rgb[static_cast<std::size_t>(y) * static_cast<std::size_t>(outW) * 3];
    for (int xx = 0; xx < outW; ++xx) {
      const std::int32_t* k =
          &t.k[static_cast<std::size_t>(xx) * static_cast<std::size_t>(t.ksize)];
      const std::uint8_t* p =
          src + static_cast<std::size_t>(t.first[static_cast<std::size_t>(xx)]) * 3;
      std::int32_t s0 = 1 << (kPrecisionBits - 1), s1 = s0, s2 = s0;
      const int n = t.count[static_cast<std::size_t>(xx)];
      for (int x = 0; x < n; ++x, p += 3) {
        s0 += p[0] * k[x];
        s1 += p[1] * k[x];
        s2 += p[2] * k[x];
      }
      dst[xx * 3 + 0] = clip8(s0);
      dst[xx * 3 + 1] = clip8(s1);
      dst[xx * 3 + 2] = clip8(s2);
    }
  }
  return out;
}

/// Vertical pass; `shift` is subtracted from the taps' first rows (the horizontal pass kept
/// only the rows the taps need).
Image vertical(const Image& in, int outH, const Taps& t, int shift) {
  Image out(in.width, outH);
  const std::size_t stride = static_cast<std::size_t>(in.width) * 3;
  for (int yy = 0; yy < outH; ++yy) {
    const std::int32_t* k = &t.k[static_cast<std::size_t>(yy) * static_cast<std::size_t>(t.ksize)];
    const int ymin = t.first[static_cast<std::size_t>(yy)] - shift;
    const int n = t.count[static_cast<std::size_t>(yy)];
    std::uint8_t* dst = &out.rgb[static_cast<std::size_t>(yy) * stride];
    for (std::size_t i = 0; i < stride; ++i) {
      std::int32_t s = 1 << (kPrecisionBits - 1);
      for (int y = 0; y < n; ++y)
        s += in.rgb[static_cast<std::size_t>(ymin + y) * stride + i] * k[y];
      dst[i] = clip8(s);
    }
  }
  return out;
}

}  // namespace

std::string pilResampleName(PilResample filter) {
  switch (filter) {
    case PilResample::Nearest:
      return "NEAREST";
    case PilResample::Lanczos:
      return "LANCZOS";
    case PilResample::Bilinear:
      return "BILINEAR";
    case PilResample::Bicubic:
      return "BICUBIC";
    case PilResample::Box:
      return "BOX";
    case PilResample::Hamming:
      return "HAMMING";
  }
  return "?";
}

Image pillowResize(const Image& in, std::int32_t width, std::int32_t height, PilResample filter) {
  if (filter == PilResample::Nearest)
    throw Error("image.unsupported_resample",
                "resampling with NEAREST (resample = 0) is not supported; use BILINEAR (2), "
                "BICUBIC (3), LANCZOS (1), BOX (4) or HAMMING (5)");
  if (width <= 0 || height <= 0 || in.width <= 0 || in.height <= 0)
    throw Error("image.unsupported_resample",
                "cannot resize a " + std::to_string(in.width) + " x " + std::to_string(in.height) +
                    " image to " + std::to_string(width) + " x " + std::to_string(height));
  if (width == in.width && height == in.height) return in;

  const Taps vert = precompute(in.height, height, filter);
  const int firstRow = vert.first.front();
  const int lastRow = vert.first.back() + vert.count.back();
  const bool needH = width != in.width;
  const bool needV = height != in.height;
  if (!needH) return vertical(in, height, vert, 0);
  const Taps horiz = precompute(in.width, width, filter);
  Image tmp =
      horizontal(in, needV ? firstRow : 0, needV ? lastRow - firstRow : in.height, width, horiz);
  if (!needV) return tmp;
  return vertical(tmp, height, vert, firstRow);
}

}  // namespace strata
