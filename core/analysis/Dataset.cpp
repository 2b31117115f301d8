#include "core/analysis/Dataset.h"

#include <zlib.h>
#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/util/Error.h"

namespace strata {

namespace {

namespace fs = std::filesystem;

bool endsWith(const std::string& s, const std::string& suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.rbegin(), suffix.rend(), s.rbegin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
}

void refuseGz(const std::string& path) {
  if (endsWith(path, ".gz"))
    throw Error("corpus.compressed",
                path + ": only IDX files may be gzip-compressed; decompress with gunzip first");
}

std::ifstream openFile(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error("corpus.not_found", path + ": no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("corpus.read_failed", path + ": cannot be opened");
  return in;
}

bool full(const Corpus& c, const CorpusOptions& o) {
  return o.limit > 0 && c.size() >= o.limit;
}

void requireInputs(const Corpus& c) {
  if (c.size() == 0) throw Error("corpus.empty", c.source + ": no inputs");
}

std::uint32_t bigEndian32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

/// The whole file; gzip-compressed files (*.gz) are decompressed with zlib.
std::vector<unsigned char> readBytes(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error("corpus.not_found", path + ": no such file");
  std::vector<unsigned char> bytes;
  if (endsWith(path, ".gz")) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) throw Error("corpus.read_failed", path + ": cannot be opened");
    constexpr std::size_t kChunk = std::size_t{1} << 20;
    constexpr std::size_t kMaxBytes = std::size_t{4} << 30;
    for (;;) {
      const std::size_t at = bytes.size();
      bytes.resize(at + kChunk);
      const int got = gzread(f, bytes.data() + at, static_cast<unsigned>(kChunk));
      if (got < 0) {
        gzclose(f);
        throw Error("corpus.bad_idx", path + ": corrupt gzip data");
      }
      bytes.resize(at + static_cast<std::size_t>(got));
      if (got == 0) break;
      if (bytes.size() > kMaxBytes) {
        gzclose(f);
        throw Error("corpus.bad_idx", path + ": decompresses to more than 4 GiB");
      }
    }
    gzclose(f);
    return bytes;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("corpus.read_failed", path + ": cannot be opened");
  const auto size = fs::file_size(path, ec);
  if (ec) throw Error("corpus.read_failed", path + ": " + ec.message());
  bytes.resize(size);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size)
    throw Error("corpus.read_failed", path + ": read failed");
  return bytes;
}

/// Checks an IDX header of `dims` dimensions with the given magic; returns the dimensions.
std::vector<std::uint64_t> idxHeader(const std::vector<unsigned char>& bytes,
                                     const std::string& path, std::uint32_t magic, int dims) {
  const auto headerBytes = static_cast<std::size_t>(4 * (1 + dims));
  if (bytes.size() < headerBytes) throw Error("corpus.bad_idx", path + ": truncated IDX header");
  const std::uint32_t got = bigEndian32(bytes.data());
  if (got != magic) {
    std::ostringstream m;
    m << path << ": IDX magic 0x" << std::hex << got << ", expected 0x" << magic;
    throw Error("corpus.bad_idx", m.str());
  }
  std::vector<std::uint64_t> d;
  for (int i = 0; i < dims; ++i)
    d.push_back(bigEndian32(bytes.data() + 4 * (1 + i)));
  return d;
}

}  // namespace

Corpus readTextLines(const std::string& path, const CorpusOptions& options) {
  refuseGz(path);
  std::ifstream in = openFile(path);
  Corpus c;
  c.source = path;
  c.format = "text";
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    ++c.totalAvailable;
    if (!full(c, options)) c.texts.push_back(line);
  }
  requireInputs(c);
  return c;
}

Corpus readJsonl(const std::string& path, const CorpusOptions& options) {
  refuseGz(path);
  std::ifstream in = openFile(path);
  Corpus c;
  c.source = path;
  c.format = "jsonl";
  std::string line;
  std::size_t lineNo = 0;
  int withLabel = -1;  // unknown until the first object
  while (std::getline(in, line)) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(lineNo) + ": ";
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      throw Error("corpus.bad_line", where + "not valid JSON");
    }
    if (!j.is_object()) throw Error("corpus.bad_line", where + "expected a JSON object");
    const auto text = j.find("text");
    if (text == j.end() || !text->is_string())
      throw Error("corpus.bad_line", where + "missing string field \"text\"");
    const auto label = j.find("label");
    const bool has = label != j.end();
    if (has && !label->is_number_integer())
      throw Error("corpus.bad_line", where + "\"label\" must be an integer");
    if (withLabel >= 0 && int(has) != withLabel)
      throw Error("corpus.bad_line", where + "\"label\" must be given on every line or on none");
    withLabel = int(has);
    ++c.totalAvailable;
    if (full(c, options)) continue;
    c.texts.push_back(text->get<std::string>());
    if (has) c.labels.push_back(label->get<std::int64_t>());
  }
  requireInputs(c);
  return c;
}

Corpus readIdx(const std::string& imagesPath, const CorpusOptions& options) {
  const std::vector<unsigned char> bytes = readBytes(imagesPath);
  const auto dims = idxHeader(bytes, imagesPath, 0x00000803u, 3);
  const std::uint64_t n = dims[0], rows = dims[1], cols = dims[2];
  if (rows == 0 || cols == 0 || rows > 65535 || cols > 65535)
    throw Error("corpus.bad_idx", imagesPath + ": bad image size " + std::to_string(rows) + "x" +
                                      std::to_string(cols));
  const std::uint64_t expected = 16 + n * rows * cols;
  if (bytes.size() != expected)
    throw Error("corpus.bad_idx", imagesPath + ": " + std::to_string(bytes.size()) +
                                      " bytes of data, the header announces " +
                                      std::to_string(expected));
  Corpus c;
  c.source = imagesPath;
  c.format = "idx";
  c.totalAvailable = n;
  const std::uint64_t keep = options.limit > 0 ? std::min<std::uint64_t>(n, options.limit) : n;
  const std::size_t pixels = rows * cols;
  for (std::uint64_t i = 0; i < keep; ++i) {
    const unsigned char* grey = bytes.data() + 16 + i * pixels;
    Image img(static_cast<std::int32_t>(cols), static_cast<std::int32_t>(rows));
    for (std::size_t p = 0; p < pixels; ++p)
      img.rgb[3 * p] = img.rgb[3 * p + 1] = img.rgb[3 * p + 2] = grey[p];
    c.images.push_back(std::move(img));
  }

  std::string labelsPath = options.labelsPath;
  if (labelsPath.empty()) {
    const std::string name = fs::path(imagesPath).filename().string();
    const std::size_t at = name.find("images-idx3");
    if (at != std::string::npos) {
      std::string sibling = name;
      sibling.replace(at, 11, "labels-idx1");
      const fs::path candidate = fs::path(imagesPath).parent_path() / sibling;
      std::error_code ec;
      if (fs::is_regular_file(candidate, ec)) labelsPath = candidate.string();
    }
  }
  if (!labelsPath.empty()) {
    const std::vector<unsigned char> lbytes = readBytes(labelsPath);
    const auto ldims = idxHeader(lbytes, labelsPath, 0x00000801u, 1);
    if (ldims[0] != n)
      throw Error("corpus.bad_idx", labelsPath + ": " + std::to_string(ldims[0]) + " labels for " +
                                        std::to_string(n) + " images in " + imagesPath);
    if (lbytes.size() != 8 + ldims[0])
      throw Error("corpus.bad_idx", labelsPath + ": size does not match its header");
    c.labels.assign(lbytes.begin() + 8, lbytes.begin() + 8 + static_cast<std::ptrdiff_t>(keep));
  }
  requireInputs(c);
  return c;
}

Corpus readImageFolder(const std::string& folder, const CorpusOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw Error("corpus.not_found", folder + ": no such folder");
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(folder, ec)) {
    if (!e.is_regular_file()) continue;
    const std::string p = e.path().string();
    if (endsWith(p, ".png") || endsWith(p, ".jpg") || endsWith(p, ".jpeg")) files.push_back(p);
  }
  if (ec) throw Error("corpus.read_failed", folder + ": " + ec.message());
  std::sort(files.begin(), files.end());
  Corpus c;
  c.source = folder;
  c.format = "images";
  c.totalAvailable = files.size();
  if (options.limit > 0 && files.size() > options.limit) files.resize(options.limit);
  c.imagePaths = std::move(files);
  requireInputs(c);
  return c;
}

Corpus readCorpus(const std::string& path, const CorpusOptions& options) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return readImageFolder(path, options);
  if (!fs::exists(path, ec)) throw Error("corpus.not_found", path + ": no such file or folder");
  const bool idx3Name = fs::path(path).filename().string().find("idx3") != std::string::npos;
  if (endsWith(path, ".gz") && idx3Name) return readIdx(path, options);
  refuseGz(path);
  if (endsWith(path, ".jsonl")) return readJsonl(path, options);
  bool idx = idx3Name;
  {
    std::ifstream in(path, std::ios::binary);
    std::array<unsigned char, 4> m{};
    in.read(reinterpret_cast<char*>(m.data()), 4);
    if (in.gcount() == 4 && bigEndian32(m.data()) == 0x00000803u) idx = true;
  }
  return idx ? readIdx(path, options) : readTextLines(path, options);
}

}  // namespace strata
