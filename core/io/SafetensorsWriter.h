#pragma once
// Writes a safetensors file atomically: data goes to a temporary file in the target's
// directory, is flushed, and renamed over the target, so a failed or interrupted save never
// leaves a partial file. Tensors are written in insertion order, header keys in a fixed
// order (__metadata__ first, then tensors in order), and the header is padded with spaces
// so the data buffer starts at an 8-byte aligned offset (as the reference implementation does).
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/io/DType.h"

namespace strata {

class SafetensorsWriter {
 public:
  /// Adds a tensor; `data` holds numel(shape) x dtypeSize(dtype) little-endian bytes and is
  /// copied. Throws strata::Error on a duplicate name, an empty name, or a size mismatch.
  void add(const std::string& name, DType dtype, std::vector<std::int64_t> shape,
           std::span<const std::byte> data);
  /// Convenience: float32 data, stored as `storeAs` (F32, F16 or BF16).
  void addFloat(const std::string& name, std::vector<std::int64_t> shape,
                std::span<const float> data, DType storeAs = DType::F32);
  void setMetadata(const std::string& key, const std::string& value);

  /// Writes everything to `path` atomically. Throws strata::Error naming the path on failure.
  void write(const std::string& path) const;
  /// The complete file contents (what write() would store).
  std::vector<std::byte> serialize() const;

 private:
  struct Entry {
    std::string name;
    DType dtype;
    std::vector<std::int64_t> shape;
    std::vector<std::byte> data;
  };
  /// The 8-byte length followed by the space-padded JSON header.
  std::string headerBytes() const;

  std::vector<Entry> entries_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace strata
