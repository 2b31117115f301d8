#pragma once
// What `strata-cli inspect` and the GUI's model inspector show about a model folder, without
// running it: the parsed config, the tensors and their dtypes, the parameter count.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/io/SafetensorsFile.h"
#include "core/model/ModelConfig.h"

namespace strata {

struct ModelInfo {
  std::string folder;
  ModelConfig config;
  std::vector<TensorInfo> tensors;  ///< sorted by name
  std::int64_t parameterCount = 0;  ///< elements of all floating tensors (buffers excluded)
  std::map<std::string, std::int64_t> elementsByDType;  ///< "F32" -> elements
  std::uint64_t weightBytes = 0;
  std::string tokenizerPath;     ///< folder/tokenizer.json when present, else empty
  std::string preprocessorPath;  ///< folder/preprocessor_config.json when present
  std::vector<std::string> warnings;
};

/// Opens `folder` (config.json + safetensors weights), validates the config against the
/// weights, and summarises it. Throws strata::Error naming the file and the problem.
ModelInfo inspectModel(const std::string& folder);

}  // namespace strata
