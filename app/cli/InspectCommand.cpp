#include "app/cli/InspectCommand.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>

#include "app/cli/TextFormat.h"
#include "core/model/ModelInfo.h"

namespace strata::cli {

void InspectCommand::addOptions(QCommandLineParser& parser) const {
  parser.addOptions({
      {"model", "A Hugging Face model folder (config.json + safetensors weights).", "DIR"},
      {"json", "Print JSON instead of text."},
  });
}

namespace {

std::string shapeText(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

void printJson(const ModelInfo& info, std::ostream& out) {
  nlohmann::ordered_json j;
  j["folder"] = info.folder;
  j["model_type"] = info.config.modelType;
  j["architecture"] = info.config.architectureName();
  auto config = nlohmann::ordered_json::object();
  for (const auto& [k, v] : info.config.summary())
    config[k] = v;
  j["config"] = config;
  j["parameters"] = info.parameterCount;
  j["elements_by_dtype"] = info.elementsByDType;
  j["weight_bytes"] = info.weightBytes;
  j["tokenizer"] = info.tokenizerPath;
  j["preprocessor"] = info.preprocessorPath;
  auto tensors = nlohmann::ordered_json::array();
  for (const auto& t : info.tensors)
    tensors.push_back({{"name", t.name},
                       {"dtype", std::string(dtypeName(t.dtype))},
                       {"shape", t.shape},
                       {"bytes", t.byteSize()}});
  j["tensors"] = tensors;
  j["warnings"] = info.warnings;
  out << j.dump(2) << "\n";
}

void printText(const ModelInfo& info, std::ostream& out) {
  auto row = [&out](const std::string& key, const std::string& value) {
    out << "  " << key << std::string(key.size() < 26 ? 26 - key.size() : 1, ' ') << value << "\n";
  };
  out << info.folder << "\n";
  out << info.config.architectureName() << " (model_type \"" << info.config.modelType << "\")\n";
  for (const auto& [k, v] : info.config.summary())
    row(k, v);
  std::string dtypes;
  for (const auto& [d, n] : info.elementsByDType)
    dtypes += (dtypes.empty() ? "" : ", ") + d + " " + groupedNumber(n);
  row("Parameters", groupedNumber(info.parameterCount));
  row("Elements by dtype", dtypes);
  row("Weights", byteSize(info.weightBytes));
  row("Tokenizer", info.tokenizerPath.empty() ? "(none)" : info.tokenizerPath);
  if (!info.preprocessorPath.empty()) row("Preprocessor", info.preprocessorPath);
  for (const auto& w : info.warnings)
    out << "  warning: " << w << "\n";

  std::size_t width = 4;
  for (const auto& t : info.tensors)
    width = std::max(width, t.name.size());
  out << "\n" << info.tensors.size() << " tensors:\n";
  for (const auto& t : info.tensors) {
    out << "  " << t.name << std::string(width + 2 - t.name.size(), ' ')
        << std::string(dtypeName(t.dtype)) << std::string(6 - dtypeName(t.dtype).size(), ' ')
        << shapeText(t.shape) << "\n";
  }
}

}  // namespace

int InspectCommand::run(const QCommandLineParser& parser, std::ostream& out) const {
  const ModelInfo info = inspectModel(requireValue(parser, "model").toStdString());
  if (parser.isSet("json"))
    printJson(info, out);
  else
    printText(info, out);
  return kOk;
}

}  // namespace strata::cli
