#pragma once
// The weights of a model folder: one `model.safetensors`, or shards listed by
// `model.safetensors.index.json` ({"metadata": {...}, "weight_map": {tensor: shard file}}).
// Each shard is validated as a SafetensorsFile; the index must name only files inside the
// folder (no absolute paths, no ".."), every tensor it maps must exist in its shard, and no
// tensor may appear in two shards.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/io/SafetensorsFile.h"

namespace strata {

class Checkpoint {
 public:
  /// Opens `dir/model.safetensors.index.json` if present, else `dir/model.safetensors`.
  /// A folder holding only pickle weights (pytorch_model.bin, *.pt, *.pth, *.ckpt) raises
  /// strata::Error("checkpoint.pickle_refused") explaining how to convert to safetensors.
  static Checkpoint openFolder(const std::string& dir);
  /// Opens a single .safetensors file or an index .json file.
  static Checkpoint openFile(const std::string& path);

  /// All tensors, sorted by name.
  std::vector<TensorInfo> tensors() const;
  bool contains(const std::string& name) const;
  /// The shard holding `name`; throws strata::Error("checkpoint.no_such_tensor").
  const SafetensorsFile& fileOf(const std::string& name) const;
  const TensorInfo& info(const std::string& name) const;
  std::vector<float> toFloat(const std::string& name) const;
  const std::vector<std::shared_ptr<const SafetensorsFile>>& shards() const { return shards_; }
  /// Total bytes of tensor data over all shards.
  std::uint64_t totalBytes() const;
  /// The file that was opened: the single .safetensors file or the index .json.
  const std::string& path() const { return path_; }

 private:
  std::vector<std::shared_ptr<const SafetensorsFile>> shards_;
  std::map<std::string, std::size_t> where_;  // tensor -> shard index
  std::string path_;
};

}  // namespace strata
