#include "core/io/SafetensorsFile.h"

// Error codes raised by SafetensorsFile (all strata::Error; the message names the file and,
// where there is one, the tensor):
//   safetensors.open_failed           the file cannot be opened (missing, permissions)
//   safetensors.io_error              stat/read failed
//   safetensors.not_a_file            the path is a directory or other non-regular file
//   safetensors.empty_file            zero bytes
//   safetensors.pickle_file           a torch.save pickle or zip archive (message: how to convert)
//   safetensors.file_too_small        fewer than the 8 bytes of the header length
//   safetensors.header_too_small      header length < 2 (cannot hold "{}")
//   safetensors.header_too_large      header length > 100,000,000 bytes
//   safetensors.header_out_of_bounds  header length runs past the end of the file
//   safetensors.mmap_failed           the file cannot be memory-mapped
//   safetensors.header_not_utf8       the header is not well-formed UTF-8
//   safetensors.header_bad_start      the header does not begin with '{'
//   safetensors.header_invalid_json   the header is not valid JSON
//   safetensors.header_too_deep       nesting deeper than 64 levels
//   safetensors.duplicate_tensor      a tensor name (top-level key) appears twice
//   safetensors.duplicate_key         a key appears twice inside an entry or __metadata__
//   safetensors.bad_metadata          __metadata__ is not an object of string -> string
//   safetensors.bad_tensor_entry      a tensor entry is not an object
//   safetensors.missing_field         dtype, shape or data_offsets is missing
//   safetensors.unknown_field         an entry has a key besides dtype/shape/data_offsets
//   safetensors.bad_dtype             dtype is not a string
//   safetensors.unknown_dtype         dtype names no supported type (F8_*, U16.. included)
//   safetensors.bad_shape             shape is not an array of non-negative int64 integers
//   safetensors.bad_offsets           data_offsets is not [begin, end] integers with begin<=end
//   safetensors.size_overflow         element count or byte size overflows 64 bits
//   safetensors.size_mismatch         numel(shape) x dtype size != end - begin
//   safetensors.offsets_not_at_zero   the first tensor (by offset) does not start at 0
//   safetensors.offsets_gap           unused bytes between two tensors
//   safetensors.offsets_overlap       two tensors share bytes
//   safetensors.data_out_of_bounds    the last tensor ends past the end of the file
//   safetensors.trailing_data         bytes after the last tensor (the file must end there)
//   safetensors.no_such_tensor        info/bytes/toFloat on a name the file lacks

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <tuple>

#include "core/io/JsonGuard.h"
#include "core/util/Error.h"

namespace strata {

namespace {

constexpr std::uint64_t kMaxHeader = 100'000'000;
constexpr std::size_t kMaxDepth = 64;

[[noreturn]] void fail(const char* code, const std::string& path, const std::string& what) {
  throw Error(code, path + ": " + what);
}

[[noreturn]] void failTensor(const char* code, const std::string& path, const std::string& tensor,
                             const std::string& what) {
  throw Error(code, path + ": tensor '" + tensor + "': " + what);
}

std::string errnoText() {
  return std::strerror(errno);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

bool readPrefix(int fd, unsigned char* buf, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    done += static_cast<std::size_t>(r);
  }
  return true;
}

// torch.save writes a pickle (protocol 2..5 starts with PROTO 0x80 then the version) or, since
// PyTorch 1.6, a zip archive.
bool looksLikeTorchSave(const unsigned char* p, std::size_t n) {
  if (n >= 2 && p[0] == 0x80 && p[1] >= 2 && p[1] <= 5) return true;
  return n >= 4 && p[0] == 'P' && p[1] == 'K' && p[2] == 3 && p[3] == 4;
}

// A non-negative integer from a JSON number; floats, negatives and values above int64 fail.
bool nonNegativeInt(const nlohmann::json& v, std::uint64_t& out) {
  if (v.is_number_unsigned()) {
    out = v.get<std::uint64_t>();
    return true;
  }
  if (v.is_number_integer()) {
    const auto s = v.get<std::int64_t>();
    if (s < 0) return false;
    out = static_cast<std::uint64_t>(s);
    return true;
  }
  return false;
}

std::string describeKeyPath(const std::vector<std::string>& path) {
  std::string s;
  for (const auto& k : path)
    s += (s.empty() ? "'" : " > '") + k + "'";
  return s;
}

struct Parsed {
  std::vector<TensorInfo> tensors;
  std::map<std::string, std::string> metadata;
};

void parseMetadata(const std::string& path, const nlohmann::json& m, Parsed& out) {
  if (!m.is_object()) {
    fail("safetensors.bad_metadata", path,
         "'__metadata__' must be an object of string values, found " + std::string(m.type_name()));
  }
  for (const auto& [k, v] : m.items()) {
    if (!v.is_string()) {
      fail("safetensors.bad_metadata", path,
           "'__metadata__' value for key '" + k + "' must be a string, found " + v.type_name());
    }
    out.metadata.emplace(k, v.get<std::string>());
  }
}

TensorInfo parseEntry(const std::string& path, const std::string& name, const nlohmann::json& e) {
  if (!e.is_object()) {
    failTensor("safetensors.bad_tensor_entry", path, name,
               std::string("entry must be an object, found ") + e.type_name());
  }
  for (const auto& [k, v] : e.items()) {
    (void)v;
    if (k != "dtype" && k != "shape" && k != "data_offsets") {
      failTensor("safetensors.unknown_field", path, name, "unexpected field '" + k + "'");
    }
  }
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    if (!e.contains(field)) {
      failTensor("safetensors.missing_field", path, name,
                 std::string("missing field '") + field + "'");
    }
  }
  TensorInfo t;
  t.name = name;

  const auto& dt = e["dtype"];
  if (!dt.is_string()) {
    failTensor("safetensors.bad_dtype", path, name,
               std::string("dtype must be a string, found ") + dt.type_name());
  }
  const auto parsedType = parseDType(dt.get<std::string>());
  if (!parsedType) {
    failTensor("safetensors.unknown_dtype", path, name,
               "unsupported dtype '" + dt.get<std::string>() +
                   "' (supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
  }
  t.dtype = *parsedType;

  const auto& sh = e["shape"];
  if (!sh.is_array()) {
    failTensor("safetensors.bad_shape", path, name,
               std::string("shape must be an array, found ") + sh.type_name());
  }
  std::uint64_t numel = 1;
  bool overflow = false;
  for (const auto& d : sh) {
    std::uint64_t dim = 0;
    if (!nonNegativeInt(d, dim) ||
        dim > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      failTensor("safetensors.bad_shape", path, name,
                 "shape must hold non-negative integers, found " + d.dump());
    }
    t.shape.push_back(static_cast<std::int64_t>(dim));
    overflow = overflow || __builtin_mul_overflow(numel, dim, &numel);
  }

  const auto& off = e["data_offsets"];
  std::uint64_t begin = 0, end = 0;
  if (!off.is_array() || off.size() != 2 || !nonNegativeInt(off[0], begin) ||
      !nonNegativeInt(off[1], end)) {
    failTensor("safetensors.bad_offsets", path, name,
               "data_offsets must be [begin, end] non-negative integers, found " + off.dump());
  }
  if (begin > end) {
    failTensor(
        "safetensors.bad_offsets", path, name,
        "data_offsets begin " + std::to_string(begin) + " is after end " + std::to_string(end));
  }
  t.begin = begin;
  t.end = end;

  std::uint64_t bytes = 0;
  if (overflow || numel > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
      __builtin_mul_overflow(numel, static_cast<std::uint64_t>(dtypeSize(t.dtype)), &bytes)) {
    failTensor("safetensors.size_overflow", path, name,
               "shape " + sh.dump() + " x " + std::string(dtypeName(t.dtype)) +
                   " overflows 64-bit size arithmetic");
  }
  if (bytes != end - begin) {
    failTensor("safetensors.size_mismatch", path, name,
               "shape " + sh.dump() + " x " + std::string(dtypeName(t.dtype)) + " needs " +
                   std::to_string(bytes) + " bytes but data_offsets span " +
                   std::to_string(end - begin));
  }
  return t;
}

Parsed parseHeader(const std::string& path, std::string_view text, std::uint64_t bufferSize) {
  std::size_t bad = 0;
  if (!io_detail::isValidUtf8(text, &bad)) {
    fail("safetensors.header_not_utf8", path,
         "header is not valid UTF-8 (byte " + std::to_string(8 + bad) + ")");
  }
  if (text.front() != '{') {
    fail("safetensors.header_bad_start", path,
         "header must start with '{' (a JSON object); this is not a safetensors file");
  }
  const auto scan = io_detail::scanJson(text, kMaxDepth);
  switch (scan.status) {
    case io_detail::JsonScan::Status::Ok:
      break;
    case io_detail::JsonScan::Status::Invalid:
      fail("safetensors.header_invalid_json", path, "header is not valid JSON: " + scan.detail);
    case io_detail::JsonScan::Status::TooDeep:
      fail("safetensors.header_too_deep", path,
           "header JSON nests deeper than " + std::to_string(kMaxDepth) + " levels");
    case io_detail::JsonScan::Status::DuplicateKey:
      if (scan.path.empty() && scan.key != "__metadata__") {
        failTensor("safetensors.duplicate_tensor", path, scan.key, "listed twice in the header");
      }
      fail("safetensors.duplicate_key", path,
           "key '" + scan.key + "' appears twice in " + describeKeyPath(scan.path));
  }
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) {  // unreachable after the scan and the '{' check; kept as a guard
    fail("safetensors.header_invalid_json", path, "header is not a JSON object");
  }

  Parsed out;
  for (const auto& [key, value] : j.items()) {
    if (key == "__metadata__") {
      parseMetadata(path, value, out);
    } else {
      out.tensors.push_back(parseEntry(path, key, value));
    }
  }

  std::sort(out.tensors.begin(), out.tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
  });
  std::uint64_t expected = 0;
  const TensorInfo* prev = nullptr;
  for (const auto& t : out.tensors) {
    if (t.begin != expected) {
      if (!prev) {
        failTensor(
            "safetensors.offsets_not_at_zero", path, t.name,
            "the first tensor in the data buffer starts at " + std::to_string(t.begin) + ", not 0");
      }
      if (t.begin > expected) {
        failTensor("safetensors.offsets_gap", path, t.name,
                   "starts at " + std::to_string(t.begin) + " but '" + prev->name + "' ends at " +
                       std::to_string(expected) + " (gap in the data buffer)");
      }
      failTensor("safetensors.offsets_overlap", path, t.name,
                 "starts at " + std::to_string(t.begin) + ", inside '" + prev->name +
                     "' which ends at " + std::to_string(expected));
    }
    expected = t.end;
    prev = &t;
  }
  if (expected > bufferSize) {
    failTensor("safetensors.data_out_of_bounds", path, prev->name,
               "ends at data offset " + std::to_string(expected) + " but the data buffer holds " +
                   std::to_string(bufferSize) + " bytes (truncated file?)");
  }
  if (expected < bufferSize) {
    fail("safetensors.trailing_data", path,
         std::to_string(bufferSize - expected) +
             " bytes after the last tensor; the file must end where the tensor data ends");
  }
  return out;
}

}  // namespace

std::int64_t TensorInfo::numel() const {
  std::int64_t n = 1;
  for (auto d : shape)
    n *= d;
  return n;
}

std::shared_ptr<const SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  std::shared_ptr<SafetensorsFile> f(new SafetensorsFile());
  f->path_ = path;

  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail("safetensors.open_failed", path, "cannot open: " + errnoText());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    fail("safetensors.io_error", path, "cannot stat: " + errnoText());
  if (!S_ISREG(st.st_mode)) fail("safetensors.not_a_file", path, "not a regular file");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size == 0) fail("safetensors.empty_file", path, "the file is empty (0 bytes)");

  unsigned char prefix[8] = {};
  const std::size_t prefixLen = size < 8 ? static_cast<std::size_t>(size) : 8;
  if (!readPrefix(fd.get(), prefix, prefixLen)) {
    fail("safetensors.io_error", path, "cannot read: " + errnoText());
  }
  if (looksLikeTorchSave(prefix, prefixLen)) {
    fail("safetensors.pickle_file", path,
         "this is a PyTorch pickle checkpoint (torch.save output), not safetensors. Pickle "
         "files can run arbitrary code, so Strata does not load them. Convert it in Python: "
         "import torch; from safetensors.torch import save_file; "
         "save_file(torch.load(PATH, map_location='cpu', weights_only=True), "
         "'model.safetensors')  (call .contiguous() on tensors that share memory)");
  }
  if (size < 8) {
    fail("safetensors.file_too_small", path,
         "only " + std::to_string(size) +
             " bytes; a safetensors file starts with an 8-byte "
             "header length");
  }
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | prefix[i];
  if (n < 2) {
    fail("safetensors.header_too_small", path,
         "header length " + std::to_string(n) + " cannot hold a JSON object");
  }
  if (n > kMaxHeader) {
    fail("safetensors.header_too_large", path,
         "header length " + std::to_string(n) + " exceeds the limit of " +
             std::to_string(kMaxHeader) + " bytes");
  }
  if (n > size - 8) {
    fail("safetensors.header_out_of_bounds", path,
         "header length " + std::to_string(n) + " runs past the end of the " +
             std::to_string(size) + "-byte file");
  }
  if constexpr (sizeof(std::size_t) < sizeof(std::uint64_t)) {
    if (size > std::numeric_limits<std::size_t>::max()) {
      fail("safetensors.mmap_failed", path, "file too large to map on this platform");
    }
  }
  void* m = ::mmap(nullptr, static_cast<std::size_t>(size), PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (m == MAP_FAILED) fail("safetensors.mmap_failed", path, "cannot map: " + errnoText());
  f->map_ = static_cast<const std::byte*>(m);
  f->fileSize_ = size;
  f->dataStart_ = 8 + n;

  const std::string_view header(reinterpret_cast<const char*>(f->map_) + 8,
                                static_cast<std::size_t>(n));
  Parsed parsed = parseHeader(path, header, size - 8 - n);
  f->tensors_ = std::move(parsed.tensors);
  f->metadata_ = std::move(parsed.metadata);
  for (std::size_t i = 0; i < f->tensors_.size(); ++i)
    f->index_.emplace(f->tensors_[i].name, i);
  return f;
}

SafetensorsFile::~SafetensorsFile() {
  if (map_) ::munmap(const_cast<std::byte*>(map_), static_cast<std::size_t>(fileSize_));
}

bool SafetensorsFile::contains(const std::string& name) const {
  return index_.count(name) != 0;
}

const TensorInfo& SafetensorsFile::info(const std::string& name) const {
  const auto it = index_.find(name);
  if (it == index_.end()) failTensor("safetensors.no_such_tensor", path_, name, "no such tensor");
  return tensors_[it->second];
}

std::span<const std::byte> SafetensorsFile::bytes(const std::string& name) const {
  const TensorInfo& t = info(name);
  return {map_ + dataStart_ + t.begin, static_cast<std::size_t>(t.byteSize())};
}

const void* SafetensorsFile::alignedData(const std::string& name) const {
  const TensorInfo& t = info(name);
  const std::byte* p = map_ + dataStart_ + t.begin;
  return reinterpret_cast<std::uintptr_t>(p) % dtypeSize(t.dtype) == 0 ? p : nullptr;
}

std::vector<float> SafetensorsFile::toFloat(const std::string& name) const {
  const TensorInfo& t = info(name);
  // The count is bounded by the validated file size, so this allocation is safe.
  const std::size_t count = static_cast<std::size_t>(t.byteSize() / dtypeSize(t.dtype));
  std::vector<float> out(count);
  convertToFloat(t.dtype, map_ + dataStart_ + t.begin, count, out.data());
  return out;
}

void SafetensorsFile::releasePages(const std::string& name) const {
  const TensorInfo& t = info(name);
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  const std::uint64_t begin = (dataStart_ + t.begin + page - 1) / page * page;
  const std::uint64_t end = (dataStart_ + t.end) / page * page;
  if (end > begin)
    ::madvise(const_cast<std::byte*>(map_) + begin, static_cast<std::size_t>(end - begin),
              MADV_DONTNEED);
}

}  // namespace strata
