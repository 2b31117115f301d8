#include "core/model/ModelInfo.h"

#include <filesystem>

#include "core/io/Checkpoint.h"
#include "core/model/ModelWeights.h"
#include "core/util/Error.h"

namespace strata {
namespace {

// Output embeddings that the model ties to the input embedding when tie_word_embeddings is
// set: a stored copy is not a parameter of its own (transformers counts the shared one once).
bool isTiedCopy(const ModelConfig& c, const WeightLayout& l, const std::string& name) {
  return c.tieWordEmbeddings && !l.outputEmbedding.empty() && name == l.outputEmbedding;
}

}  // namespace

ModelInfo inspectModel(const std::string& folder) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw Error("model.no_such_folder", folder + ": not a folder");
  const fs::path dir(folder);
  const fs::path configPath = dir / "config.json";
  if (!fs::is_regular_file(configPath, ec)) {
    throw Error("config.not_found",
                folder +
                    ": no config.json in this folder (a Hugging Face model folder holds "
                    "config.json next to model.safetensors)");
  }

  ModelInfo info;
  info.folder = folder;
  info.config = loadModelConfig(configPath.string());
  const Checkpoint checkpoint = Checkpoint::openFolder(folder);  // refuses pickle-only folders
  info.tensors = checkpoint.tensors();
  info.warnings = validateWeights(info.config, info.tensors, folder);
  const WeightLayout layout = detectWeightLayout(info.config, info.tensors, folder);

  for (const auto& t : info.tensors) {
    const std::int64_t n = t.numel();
    info.elementsByDType[std::string(dtypeName(t.dtype))] += n;
    if (isFloating(t.dtype) && !isBufferTensor(info.config, t.name) &&
        !isTiedCopy(info.config, layout, t.name)) {
      info.parameterCount += n;
    }
  }
  info.weightBytes = checkpoint.totalBytes();
  if (fs::is_regular_file(dir / "tokenizer.json", ec))
    info.tokenizerPath = (dir / "tokenizer.json").string();
  if (fs::is_regular_file(dir / "preprocessor_config.json", ec)) {
    info.preprocessorPath = (dir / "preprocessor_config.json").string();
  }
  if (info.config.architecture == Architecture::ViT) {
    if (info.preprocessorPath.empty())
      info.warnings.push_back("no preprocessor_config.json: image preprocessing unknown");
  } else if (info.tokenizerPath.empty()) {
    info.warnings.push_back("no tokenizer.json: text input needs a tokenizer");
  }
  return info;
}

}  // namespace strata
