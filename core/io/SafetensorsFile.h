#pragma once
// Read-only, memory-mapped safetensors file (https://github.com/huggingface/safetensors).
//
// Layout: 8-byte little-endian u64 N, then N bytes of UTF-8 JSON, then the data buffer.
// The JSON is an object: "__metadata__" (optional, string -> string) and, per tensor,
// {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]} with offsets relative to the
// start of the data buffer.
//
// open() enforces every rule of the format before anything else is touched, each violation
// raising strata::Error with its own code (listed in SafetensorsFile.cpp) and a message that
// names the file and, where there is one, the tensor:
//   header length >= 2, <= 100 MB and within the file; header is valid UTF-8, valid JSON, an
//   object; each entry is an object with exactly dtype/shape/data_offsets; known dtype;
//   shape of non-negative integers; element count x dtype size computed with overflow checks
//   and equal to end - begin; data_offsets sorted by begin, first at 0, contiguous (no gap or
//   overlap); the last end equals the data buffer's size (the file ends exactly there); no
//   duplicate tensor names; __metadata__ maps strings to strings.
// No allocation is sized from the file before that size has been checked against the file.
//
// Threading: an open SafetensorsFile is immutable; concurrent reads are safe.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/io/DType.h"

namespace strata {

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0;  ///< byte offset within the data buffer
  std::uint64_t end = 0;

  std::uint64_t byteSize() const { return end - begin; }
  std::int64_t numel() const;
};

class SafetensorsFile {
 public:
  /// Maps and validates `path`. Throws strata::Error on any violation or I/O failure.
  static std::shared_ptr<const SafetensorsFile> open(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  /// Tensors in file order (sorted by data offset).
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool contains(const std::string& name) const;
  /// Throws strata::Error("safetensors.no_such_tensor") naming the file and tensor.
  const TensorInfo& info(const std::string& name) const;

  /// Zero-copy view of a tensor's raw little-endian bytes inside the mapping.
  std::span<const std::byte> bytes(const std::string& name) const;
  /// Pointer into the mapping, or nullptr when the data is not aligned for its dtype
  /// (callers then copy).
  const void* alignedData(const std::string& name) const;
  /// The tensor converted to float32 (any floating or integer dtype; BOOL gives 0/1).
  std::vector<float> toFloat(const std::string& name) const;
  /// Tells the kernel the tensor's pages will not be read again soon (madvise DONTNEED on
  /// the whole pages inside it): file-backed, so a later read simply faults them back in.
  /// Loaders call it after copying a tensor so that resident memory does not hold both the
  /// mapping and the copy.
  void releasePages(const std::string& name) const;
  /// Whole file size in bytes.
  std::uint64_t fileSize() const { return fileSize_; }

 private:
  SafetensorsFile() = default;
  std::string path_;
  const std::byte* map_ = nullptr;
  std::uint64_t fileSize_ = 0;
  std::uint64_t dataStart_ = 0;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, std::size_t> index_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace strata
