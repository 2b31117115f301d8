#include "core/io/SafetensorsWriter.h"

// Error codes raised by SafetensorsWriter:
//   safetensors_writer.empty_name        add() with an empty tensor name
//   safetensors_writer.reserved_name     add() with the name "__metadata__"
//   safetensors_writer.duplicate_tensor  add() with a name already added
//   safetensors_writer.invalid_utf8      a tensor name or metadata key/value is not UTF-8
//   safetensors_writer.bad_shape         a negative dimension
//   safetensors_writer.size_overflow     shape x dtype size overflows 64 bits
//   safetensors_writer.size_mismatch     the data does not hold numel x dtype size bytes
//   safetensors_writer.bad_dtype         addFloat() storing as anything but F32/F16/BF16
//   safetensors_writer.bad_path          write() to a path without a file name
//   safetensors_writer.open_failed       the temporary file cannot be created (missing folder)
//   safetensors_writer.write_failed      writing or syncing the temporary file failed
//   safetensors_writer.rename_failed     the temporary file cannot replace the target

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/io/JsonGuard.h"
#include "core/util/Error.h"

namespace strata {

namespace {

[[noreturn]] void failTensor(const char* code, const std::string& name, const std::string& what) {
  throw Error(code, "safetensors writer: tensor '" + name + "': " + what);
}

std::string jsonString(const std::string& s) {
  return nlohmann::json(s).dump();
}

std::uint64_t checkedBytes(const std::string& name, DType dtype,
                           const std::vector<std::int64_t>& shape) {
  std::uint64_t n = 1;
  for (const auto d : shape) {
    if (d < 0) failTensor("safetensors_writer.bad_shape", name, "negative dimension");
    if (__builtin_mul_overflow(n, static_cast<std::uint64_t>(d), &n)) {
      failTensor("safetensors_writer.size_overflow", name, "shape overflows 64-bit sizes");
    }
  }
  std::uint64_t bytes = 0;
  if (__builtin_mul_overflow(n, static_cast<std::uint64_t>(dtypeSize(dtype)), &bytes)) {
    failTensor("safetensors_writer.size_overflow", name, "shape overflows 64-bit sizes");
  }
  return bytes;
}

// The file mode a new file would get from open(..., 0666): respects the process umask,
// which cannot be read without changing it except through /proc.
mode_t newFileMode() {
  mode_t mask = 022;
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Umask:", 0) == 0) {
      mask = static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8));
      break;
    }
  }
  return 0666 & ~mask;
}

class TempFile {
 public:
  TempFile(std::string p, int fd) : path_(std::move(p)), fd_(fd) {}
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  int close() {
    const int r = ::close(fd_);
    fd_ = -1;
    return r;
  }
  void commit() { committed_ = true; }

 private:
  std::string path_;
  int fd_;
  bool committed_ = false;
};

bool writeAll(int fd, const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace

void SafetensorsWriter::add(const std::string& name, DType dtype, std::vector<std::int64_t> shape,
                            std::span<const std::byte> data) {
  if (name.empty()) failTensor("safetensors_writer.empty_name", name, "empty tensor name");
  if (name == "__metadata__") {
    failTensor("safetensors_writer.reserved_name", name, "name reserved for file metadata");
  }
  if (!io_detail::isValidUtf8(name)) {
    failTensor("safetensors_writer.invalid_utf8", name, "name is not valid UTF-8");
  }
  for (const auto& e : entries_) {
    if (e.name == name) failTensor("safetensors_writer.duplicate_tensor", name, "added twice");
  }
  const std::uint64_t bytes = checkedBytes(name, dtype, shape);
  if (bytes != data.size()) {
    failTensor("safetensors_writer.size_mismatch", name,
               "shape x " + std::string(dtypeName(dtype)) + " needs " + std::to_string(bytes) +
                   " bytes, got " + std::to_string(data.size()));
  }
  entries_.push_back(Entry{name, dtype, std::move(shape), {data.begin(), data.end()}});
}

void SafetensorsWriter::addFloat(const std::string& name, std::vector<std::int64_t> shape,
                                 std::span<const float> data, DType storeAs) {
  if (storeAs != DType::F32 && storeAs != DType::F16 && storeAs != DType::BF16) {
    failTensor(
        "safetensors_writer.bad_dtype", name,
        "float data can be stored as F32, F16 or BF16, not " + std::string(dtypeName(storeAs)));
  }
  const std::uint64_t bytes = checkedBytes(name, DType::F32, shape);
  if (bytes / sizeof(float) != data.size()) {
    failTensor("safetensors_writer.size_mismatch", name,
               "shape holds " + std::to_string(bytes / sizeof(float)) + " elements, got " +
                   std::to_string(data.size()));
  }
  if (storeAs == DType::F32) {
    add(name, storeAs, std::move(shape), std::as_bytes(data));
    return;
  }
  std::vector<std::uint16_t> converted(data.size());
  for (std::size_t i = 0; i < data.size(); ++i) {
    converted[i] = storeAs == DType::F16 ? floatToHalf(data[i]) : floatToBf16(data[i]);
  }
  add(name, storeAs, std::move(shape), std::as_bytes(std::span<const std::uint16_t>(converted)));
}

void SafetensorsWriter::setMetadata(const std::string& key, const std::string& value) {
  if (!io_detail::isValidUtf8(key) || !io_detail::isValidUtf8(value)) {
    throw Error("safetensors_writer.invalid_utf8",
                "safetensors writer: metadata '" + key + "' is not valid UTF-8");
  }
  metadata_[key] = value;
}

std::vector<std::byte> SafetensorsWriter::serialize() const {
  std::string header = headerBytes();
  std::size_t total = header.size();
  for (const auto& e : entries_)
    total += e.data.size();
  std::vector<std::byte> out;
  out.reserve(total);
  const auto* h = reinterpret_cast<const std::byte*>(header.data());
  out.insert(out.end(), h, h + header.size());
  for (const auto& e : entries_)
    out.insert(out.end(), e.data.begin(), e.data.end());
  return out;
}

std::string SafetensorsWriter::headerBytes() const {
  std::string json = "{";
  if (!metadata_.empty()) {
    json += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [k, v] : metadata_) {
      if (!first) json += ',';
      first = false;
      json += jsonString(k) + ':' + jsonString(v);
    }
    json += '}';
  }
  std::uint64_t offset = 0;
  for (const auto& e : entries_) {
    if (json.size() > 1) json += ',';
    json +=
        jsonString(e.name) + ":{\"dtype\":\"" + std::string(dtypeName(e.dtype)) + "\",\"shape\":[";
    for (std::size_t i = 0; i < e.shape.size(); ++i) {
      if (i) json += ',';
      json += std::to_string(e.shape[i]);
    }
    json += "],\"data_offsets\":[" + std::to_string(offset) + ',' +
            std::to_string(offset + e.data.size()) + "]}";
    offset += e.data.size();
  }
  json += '}';
  // Pad with spaces (JSON whitespace) so the data buffer starts 8-byte aligned.
  json.append((8 - json.size() % 8) % 8, ' ');

  std::string out(8, '\0');
  std::uint64_t n = json.size();
  for (int i = 0; i < 8; ++i, n >>= 8)
    out[static_cast<std::size_t>(i)] = static_cast<char>(n & 0xFF);
  return out + json;
}

void SafetensorsWriter::write(const std::string& path) const {
  namespace fs = std::filesystem;
  const fs::path target(path);
  if (!target.has_filename()) {
    throw Error("safetensors_writer.bad_path", path + ": not a file path");
  }
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string tmpl = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  const int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) {
    throw Error("safetensors_writer.open_failed", path + ": cannot create a temporary file in '" +
                                                      dir.string() + "': " + std::strerror(errno));
  }
  TempFile tmp(tmpl, fd);  // removed on any failure below; the target stays untouched

  struct stat st {};
  const mode_t mode = ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : newFileMode();
  ::fchmod(tmp.fd(), mode);

  const std::string header = headerBytes();
  bool ok = writeAll(tmp.fd(), header.data(), header.size());
  for (const auto& e : entries_) {
    if (!ok) break;
    ok = writeAll(tmp.fd(), e.data.data(), e.data.size());
  }
  if (!ok || ::fsync(tmp.fd()) != 0) {
    throw Error("safetensors_writer.write_failed",
                path + ": cannot write '" + tmp.path() + "': " + std::strerror(errno));
  }
  if (tmp.close() != 0) {
    throw Error("safetensors_writer.write_failed",
                path + ": cannot close '" + tmp.path() + "': " + std::strerror(errno));
  }
  if (::rename(tmp.path().c_str(), path.c_str()) != 0) {
    throw Error("safetensors_writer.rename_failed",
                path + ": cannot replace with the written file: " + std::strerror(errno));
  }
  tmp.commit();
  // Make the rename itself durable; failure here does not undo a complete, renamed file.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace strata
