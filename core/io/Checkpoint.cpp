#include "core/io/Checkpoint.h"

// Error codes raised by Checkpoint (shards also raise the safetensors.* codes of
// SafetensorsFile, whose messages name the shard):
//   checkpoint.not_a_folder               openFolder() on a missing path or a file
//   checkpoint.pickle_refused             only pickle weights (.bin/.pt/.pth/.ckpt) in the folder
//   checkpoint.no_weights                 no model.safetensors nor index in the folder
//   checkpoint.index_unreadable           the index .json cannot be read
//   checkpoint.index_too_large            the index is larger than 100 MB
//   checkpoint.index_invalid_json         the index is not UTF-8 JSON
//   checkpoint.index_too_deep             the index nests deeper than 64 levels
//   checkpoint.index_duplicate_key        a key twice in one object (a tensor mapped twice)
//   checkpoint.index_not_object           the index is not a JSON object
//   checkpoint.index_bad_metadata         "metadata" is present but not an object
//   checkpoint.index_no_weight_map        "weight_map" missing or not an object
//   checkpoint.index_empty                "weight_map" maps no tensor
//   checkpoint.index_bad_entry            a weight_map value is not a string
//   checkpoint.index_bad_shard_path       empty, absolute, "..", or backslash shard path
//   checkpoint.shard_missing              a shard named by the index does not exist
//   checkpoint.tensor_missing_from_shard  a mapped tensor is absent from its shard
//   checkpoint.tensor_in_two_shards       one tensor name in two shards
//   checkpoint.tensor_not_in_index        a shard holds a tensor the weight_map does not list
//   checkpoint.no_such_tensor             fileOf/info/toFloat on an unknown name

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "core/io/JsonGuard.h"
#include "core/util/Error.h"

namespace strata {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxIndexBytes = 100'000'000;
constexpr const char* kIndexName = "model.safetensors.index.json";
constexpr const char* kSingleName = "model.safetensors";

[[noreturn]] void fail(const char* code, const std::string& path, const std::string& what) {
  throw Error(code, path + ": " + what);
}

bool isFile(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

bool endsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool isPickleWeightName(const std::string& name) {
  if (name.rfind("pytorch_model", 0) == 0 &&
      (endsWith(name, ".bin") || endsWith(name, ".bin.index.json"))) {
    return true;
  }
  return endsWith(name, ".pt") || endsWith(name, ".pth") || endsWith(name, ".ckpt");
}

std::string readIndex(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) fail("checkpoint.index_unreadable", path, "cannot read: " + ec.message());
  if (size > kMaxIndexBytes) {
    fail("checkpoint.index_too_large", path,
         "index is " + std::to_string(size) + " bytes, over the limit of " +
             std::to_string(kMaxIndexBytes));
  }
  std::ifstream in(path, std::ios::binary);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in || !in.read(text.data(), static_cast<std::streamsize>(size))) {
    fail("checkpoint.index_unreadable", path, "cannot read the index");
  }
  return text;
}

// Lexical check only: symlinks are followed as the OS does, because the Hugging Face cache
// stores every file of a snapshot as a symlink into ../../blobs.
bool safeRelativePath(const std::string& s) {
  if (s.empty() || s.find('\\') != std::string::npos || s.find('\0') != std::string::npos) {
    return false;
  }
  const fs::path p(s);
  if (p.is_absolute() || p.has_root_name() || p.has_root_directory()) return false;
  return std::none_of(p.begin(), p.end(), [](const fs::path& part) { return part == ".."; });
}

}  // namespace

Checkpoint Checkpoint::openFolder(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    fail("checkpoint.not_a_folder", dir, fs::exists(dir, ec) ? "not a folder" : "no such folder");
  }
  const fs::path root(dir);
  if (isFile(root / kIndexName)) return openFile((root / kIndexName).string());
  if (isFile(root / kSingleName)) return openFile((root / kSingleName).string());

  std::vector<std::string> pickles, others;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (isPickleWeightName(name)) pickles.push_back(name);
    if (endsWith(name, ".safetensors")) others.push_back(name);
  }
  std::sort(pickles.begin(), pickles.end());
  std::sort(others.begin(), others.end());
  if (!pickles.empty() && others.empty()) {
    fail("checkpoint.pickle_refused", dir,
         "holds only PyTorch pickle weights (" + pickles.front() +
             "); pickle files can run arbitrary code, so Strata does not load them. Convert "
             "the folder to safetensors in Python: from transformers import AutoModel; "
             "AutoModel.from_pretrained(DIR).save_pretrained(DIR, safe_serialization=True), "
             "or: import torch; from safetensors.torch import save_file; "
             "save_file(torch.load('" +
             pickles.front() + "', map_location='cpu', weights_only=True), 'model.safetensors')");
  }
  std::string what = std::string("no ") + kSingleName + " or " + kIndexName + " in the folder";
  if (!others.empty()) what += " (found " + others.front() + "; open it as a file)";
  fail("checkpoint.no_weights", dir, what);
}

Checkpoint Checkpoint::openFile(const std::string& path) {
  Checkpoint c;
  c.path_ = path;
  if (!endsWith(path, ".json")) {
    c.shards_.push_back(SafetensorsFile::open(path));
    for (const auto& t : c.shards_.front()->tensors())
      c.where_.emplace(t.name, 0);
    return c;
  }

  const std::string text = readIndex(path);
  if (!io_detail::isValidUtf8(text)) {
    fail("checkpoint.index_invalid_json", path, "index is not valid UTF-8");
  }
  const auto scan = io_detail::scanJson(text, 64);
  switch (scan.status) {
    case io_detail::JsonScan::Status::Ok:
      break;
    case io_detail::JsonScan::Status::Invalid:
      fail("checkpoint.index_invalid_json", path, "index is not valid JSON: " + scan.detail);
    case io_detail::JsonScan::Status::TooDeep:
      fail("checkpoint.index_too_deep", path, "index JSON nests deeper than 64 levels");
    case io_detail::JsonScan::Status::DuplicateKey:
      fail("checkpoint.index_duplicate_key", path,
           "key '" + scan.key + "' appears twice" +
               (scan.path.empty() ? std::string() : " in '" + scan.path.back() + "'"));
  }
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) fail("checkpoint.index_not_object", path, "index must be a JSON object");
  if (j.contains("metadata") && !j["metadata"].is_object()) {
    fail("checkpoint.index_bad_metadata", path, "\"metadata\" must be an object");
  }
  if (!j.contains("weight_map") || !j["weight_map"].is_object()) {
    fail("checkpoint.index_no_weight_map", path, "\"weight_map\" object is missing");
  }
  const auto& map = j["weight_map"];
  if (map.empty()) fail("checkpoint.index_empty", path, "\"weight_map\" lists no tensors");

  const fs::path root = fs::path(path).parent_path();
  std::map<std::string, std::string> tensorToShard;  // tensor -> normalised relative shard
  std::map<std::string, std::size_t> shardIndex;     // normalised relative shard -> shard
  for (const auto& [tensor, shard] : map.items()) {
    if (!shard.is_string()) {
      fail("checkpoint.index_bad_entry", path,
           "tensor '" + tensor + "': shard must be a file name string, found " + shard.dump());
    }
    const std::string s = shard.get<std::string>();
    if (!safeRelativePath(s)) {
      fail("checkpoint.index_bad_shard_path", path,
           "tensor '" + tensor + "': shard path '" + s +
               "' must be relative to the index's folder, without '..'");
    }
    const std::string norm = fs::path(s).lexically_normal().string();
    tensorToShard.emplace(tensor, norm);
    shardIndex.emplace(norm, 0);
  }
  for (auto& [rel, idx] : shardIndex) {
    const fs::path full = root / rel;
    std::error_code ec;
    if (!fs::exists(full, ec)) {
      fail("checkpoint.shard_missing", path, "shard '" + rel + "' does not exist");
    }
    idx = c.shards_.size();
    c.shards_.push_back(SafetensorsFile::open(full.string()));
  }

  for (std::size_t i = 0; i < c.shards_.size(); ++i) {
    for (const auto& t : c.shards_[i]->tensors()) {
      const auto [it, inserted] = c.where_.emplace(t.name, i);
      if (!inserted) {
        fail("checkpoint.tensor_in_two_shards", path,
             "tensor '" + t.name + "' is in both '" + c.shards_[it->second]->path() + "' and '" +
                 c.shards_[i]->path() + "'");
      }
      if (!tensorToShard.count(t.name)) {
        fail("checkpoint.tensor_not_in_index", path,
             "tensor '" + t.name + "' in shard '" + c.shards_[i]->path() +
                 "' is not listed in weight_map");
      }
    }
  }
  for (const auto& [tensor, rel] : tensorToShard) {
    const std::size_t i = shardIndex.at(rel);
    if (!c.shards_[i]->contains(tensor)) {
      fail("checkpoint.tensor_missing_from_shard", path,
           "tensor '" + tensor + "' is mapped to shard '" + rel + "', which does not hold it");
    }
  }
  return c;
}

std::vector<TensorInfo> Checkpoint::tensors() const {
  std::vector<TensorInfo> out;
  out.reserve(where_.size());
  for (const auto& [name, i] : where_)
    out.push_back(shards_[i]->info(name));
  return out;  // where_ is a std::map, so already sorted by name
}

bool Checkpoint::contains(const std::string& name) const {
  return where_.count(name) != 0;
}

const SafetensorsFile& Checkpoint::fileOf(const std::string& name) const {
  const auto it = where_.find(name);
  if (it == where_.end()) {
    throw Error("checkpoint.no_such_tensor", path_ + ": tensor '" + name + "': no such tensor");
  }
  return *shards_[it->second];
}

const TensorInfo& Checkpoint::info(const std::string& name) const {
  return fileOf(name).info(name);
}

std::vector<float> Checkpoint::toFloat(const std::string& name) const {
  return fileOf(name).toFloat(name);
}

std::uint64_t Checkpoint::totalBytes() const {
  std::uint64_t total = 0;
  for (const auto& s : shards_) {
    for (const auto& t : s->tensors())
      total += t.byteSize();
  }
  return total;
}

}  // namespace strata
