#include "core/io/NpyFile.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>

#include "core/util/Error.h"

namespace strata {

namespace {

constexpr std::uint64_t kMaxHeader = 1u << 20;

[[noreturn]] void fail(const char* code, const std::string& path, const std::string& what) {
  throw Error(code, path + ": " + what);
}

/// Parser for the header's dict literal: {'key': value, ...} with string, True/False and
/// tuple-of-integer values, as numpy's write_array_header produces (and ast.literal_eval
/// accepts): single or double quotes, optional trailing commas, spaces anywhere.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& path) : s_(text), path_(path) {}

  NpyHeader parse() {
    NpyHeader h;
    bool haveDescr = false, haveOrder = false, haveShape = false;
    skipSpace();
    expect('{');
    skipSpace();
    while (peek() != '}') {
      const std::string key = quoted();
      skipSpace();
      expect(':');
      skipSpace();
      if (key == "descr") {
        if (haveDescr) fail("npy.duplicate_key", path_, "header has 'descr' twice");
        haveDescr = true;
        if (peek() != '\'' && peek() != '"')
          fail("npy.unsupported_dtype", path_,
               "structured or non-string descr is not supported (float32/float64 only)");
        h.descr = quoted();
      } else if (key == "fortran_order") {
        if (haveOrder) fail("npy.duplicate_key", path_, "header has 'fortran_order' twice");
        haveOrder = true;
        h.fortranOrder = boolean();
      } else if (key == "shape") {
        if (haveShape) fail("npy.duplicate_key", path_, "header has 'shape' twice");
        haveShape = true;
        h.shape = tuple();
      } else {
        fail("npy.unknown_key", path_, "unexpected header key '" + key + "'");
      }
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        skipSpace();
      } else if (peek() != '}') {
        malformed("expected ',' or '}'");
      }
    }
    ++pos_;
    skipSpace();
    if (pos_ != s_.size()) malformed("text after the closing '}'");
    if (!haveDescr) fail("npy.missing_key", path_, "header lacks 'descr'");
    if (!haveOrder) fail("npy.missing_key", path_, "header lacks 'fortran_order'");
    if (!haveShape) fail("npy.missing_key", path_, "header lacks 'shape'");
    return h;
  }

 private:
  [[noreturn]] void malformed(const std::string& what) const {
    fail("npy.header_malformed", path_,
         "malformed header at byte " + std::to_string(pos_) + ": " + what);
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' || s_[pos_] == '\r'))
      ++pos_;
  }
  void expect(char c) {
    if (peek() != c) malformed(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string quoted() {
    const char q = peek();
    if (q != '\'' && q != '"') malformed("expected a quoted string");
    const std::size_t start = ++pos_;
    while (pos_ < s_.size() && s_[pos_] != q) {
      if (s_[pos_] == '\\' || s_[pos_] == '\n') malformed("escapes are not supported in strings");
      ++pos_;
    }
    if (pos_ >= s_.size()) malformed("unterminated string");
    return s_.substr(start, pos_++ - start);
  }
  bool boolean() {
    if (s_.compare(pos_, 4, "True") == 0) {
      pos_ += 4;
      return true;
    }
    if (s_.compare(pos_, 5, "False") == 0) {
      pos_ += 5;
      return false;
    }
    malformed("fortran_order must be True or False");
  }
  std::vector<std::int64_t> tuple() {
    if (peek() != '(') fail("npy.bad_shape", path_, "shape must be a tuple of integers");
    ++pos_;
    std::vector<std::int64_t> dims;
    skipSpace();
    while (peek() != ')') {
      if (peek() < '0' || peek() > '9')
        fail("npy.bad_shape", path_, "shape must be a tuple of non-negative integers");
      std::uint64_t v = 0;
      while (peek() >= '0' && peek() <= '9') {
        const auto digit = static_cast<std::uint64_t>(peek() - '0');
        if (v > (static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) - digit) / 10)
          fail("npy.bad_shape", path_, "a shape dimension does not fit in 64 bits");
        v = v * 10 + digit;
        ++pos_;
      }
      if (peek() == 'L') ++pos_;  // Python 2 long literal
      dims.push_back(static_cast<std::int64_t>(v));
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        skipSpace();
      } else if (peek() != ')') {
        fail("npy.bad_shape", path_, "shape must be a tuple of non-negative integers");
      }
    }
    ++pos_;
    return dims;
  }

  const std::string& s_;
  const std::string& path_;
  std::size_t pos_ = 0;
};

std::uint64_t readLE(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

struct Opened {
  std::ifstream in;
  std::uint64_t size = 0;
  NpyHeader header;
};

Opened openAndParse(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail("npy.open_failed", path, "cannot open the file");
  if (!S_ISREG(st.st_mode)) fail("npy.not_a_file", path, "not a regular file");
  Opened o;
  o.size = static_cast<std::uint64_t>(st.st_size);
  o.in.open(path, std::ios::binary);
  if (!o.in) fail("npy.open_failed", path, "cannot open the file");

  std::array<unsigned char, 12> pre{};
  const std::uint64_t preRead = std::min<std::uint64_t>(o.size, pre.size());
  o.in.read(reinterpret_cast<char*>(pre.data()), static_cast<std::streamsize>(preRead));
  if (static_cast<std::uint64_t>(o.in.gcount()) != preRead)
    fail("npy.open_failed", path, "cannot read the file");
  static constexpr unsigned char kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (preRead < 10 || std::memcmp(pre.data(), kMagic, 6) != 0)
    fail("npy.bad_magic", path, "not a NumPy .npy file (missing the \\x93NUMPY magic)");
  NpyHeader h;
  h.major = pre[6];
  h.minor = pre[7];
  if (h.major < 1 || h.major > 3)
    fail("npy.unsupported_version", path,
         "unsupported .npy format version " + std::to_string(h.major) + "." +
             std::to_string(h.minor) + " (1.0, 2.0 and 3.0 are supported)");
  const int lenBytes = h.major == 1 ? 2 : 4;
  const std::uint64_t headerStart = 8 + static_cast<std::uint64_t>(lenBytes);
  if (o.size < headerStart) fail("npy.header_truncated", path, "the file ends in the preamble");
  const std::uint64_t headerLen = readLE(pre.data() + 8, lenBytes);
  if (headerLen > kMaxHeader)
    fail("npy.header_too_large", path,
         "header length " + std::to_string(headerLen) + " exceeds 1 MiB");
  if (headerLen > o.size - headerStart)
    fail("npy.header_truncated", path,
         "header length " + std::to_string(headerLen) + " runs past the end of the file (" +
             std::to_string(o.size) + " bytes)");
  std::string text(static_cast<std::size_t>(headerLen), '\0');
  o.in.seekg(static_cast<std::streamoff>(headerStart));
  o.in.read(text.data(), static_cast<std::streamsize>(headerLen));
  if (static_cast<std::uint64_t>(o.in.gcount()) != headerLen)
    fail("npy.open_failed", path, "cannot read the header");
  if (text.find('\0') != std::string::npos)
    fail("npy.header_malformed", path, "the header contains a NUL byte");

  NpyHeader parsed = HeaderParser(text, path).parse();
  parsed.major = h.major;
  parsed.minor = h.minor;
  parsed.dataOffset = headerStart + headerLen;
  h = std::move(parsed);

  const std::string& d = h.descr;
  if (d.size() != 3 || (d[0] != '<' && d[0] != '>' && d[0] != '=') || d[1] != 'f' ||
      (d[2] != '4' && d[2] != '8'))
    fail("npy.unsupported_dtype", path,
         "dtype '" + d + "' is not supported (float32 or float64: '<f4', '<f8', '>f4', '>f8')");
  h.itemSize = d[2] == '4' ? 4 : 8;
  h.bigEndian = d[0] == '>';
  if (h.fortranOrder)
    fail("npy.fortran_order", path,
         "Fortran-ordered arrays are not supported; save with np.ascontiguousarray(a)");

  std::uint64_t count = 1;
  for (std::int64_t dim : h.shape) {
    const auto u = static_cast<std::uint64_t>(dim);
    if (u != 0 && count > std::numeric_limits<std::uint64_t>::max() / u)
      fail("npy.size_overflow", path, "the element count overflows 64 bits");
    count *= u;
  }
  if (count > std::numeric_limits<std::uint64_t>::max() / static_cast<std::uint64_t>(h.itemSize) ||
      count > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    fail("npy.size_overflow", path, "the byte size overflows 64 bits");
  const std::uint64_t bytes = count * static_cast<std::uint64_t>(h.itemSize);
  const std::uint64_t available = o.size - h.dataOffset;
  if (bytes > available)
    fail("npy.data_truncated", path,
         "shape needs " + std::to_string(bytes) + " data bytes, the file holds " +
             std::to_string(available));
  if (bytes < available)
    fail("npy.trailing_data", path,
         std::to_string(available - bytes) + " bytes after the end of the array data");
  o.header = std::move(h);
  return o;
}

}  // namespace

NpyHeader readNpyHeader(const std::string& path) {
  return openAndParse(path).header;
}

FloatArray readNpy(const std::string& path) {
  Opened o = openAndParse(path);
  const NpyHeader& h = o.header;
  const std::size_t count = FloatArray::countOf(h.shape);
  std::vector<unsigned char> raw(count * static_cast<std::size_t>(h.itemSize));
  o.in.seekg(static_cast<std::streamoff>(h.dataOffset));
  o.in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
  if (static_cast<std::size_t>(o.in.gcount()) != raw.size())
    fail("npy.data_truncated", path, "cannot read the array data");
  const bool swap = h.bigEndian == (std::endian::native == std::endian::little);
  FloatArray out(h.shape);
  for (std::size_t i = 0; i < count; ++i) {
    unsigned char* p = raw.data() + i * static_cast<std::size_t>(h.itemSize);
    if (swap) std::reverse(p, p + h.itemSize);
    if (h.itemSize == 4) {
      float f;
      std::memcpy(&f, p, 4);
      out.data[i] = f;
    } else {
      double v;
      std::memcpy(&v, p, 8);
      out.data[i] = static_cast<float>(v);
    }
  }
  return out;
}

}  // namespace strata
