#include "app/cli/TokenizeCommand.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "app/cli/TextFormat.h"
#include "core/tokenizer/Tokenizer.h"
#include "core/util/Error.h"

namespace strata::cli {

namespace fs = std::filesystem;

void TokenizeCommand::addOptions(QCommandLineParser& parser) const {
  parser.addOptions({
      {"tokenizer", "A tokenizer.json file.", "FILE"},
      {"model", "A model folder holding tokenizer.json (instead of --tokenizer).", "DIR"},
      {"text", "The text to tokenize (UTF-8).", "STR"},
      {"file", "Tokenize the contents of a UTF-8 text file (instead of --text).", "FILE"},
      {"no-special", "Do not add the special tokens of the post-processor (BOS, [CLS]...)."},
      {"json", "Print JSON: ids, tokens, offsets (byte spans) and special flags."},
  });
}

namespace {

std::string tokenizerPath(const QCommandLineParser& parser) {
  const bool hasTok = parser.isSet("tokenizer"), hasModel = parser.isSet("model");
  if (hasTok == hasModel) throw UsageError{"give exactly one of --tokenizer FILE or --model DIR"};
  if (hasTok) return parser.value("tokenizer").toStdString();
  const fs::path dir = parser.value("model").toStdString();
  if (!fs::is_directory(dir))
    throw Error("cli.model_not_found", dir.string() + ": no such model folder");
  const fs::path file = dir / "tokenizer.json";
  if (!fs::exists(file))
    throw Error("cli.no_tokenizer", dir.string() + ": the model folder has no tokenizer.json");
  return file.string();
}

std::string inputText(const QCommandLineParser& parser) {
  const bool hasText = parser.isSet("text"), hasFile = parser.isSet("file");
  if (hasText == hasFile) throw UsageError{"give exactly one of --text STR or --file FILE"};
  if (hasText) return parser.value("text").toStdString();
  const std::string path = parser.value("file").toStdString();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cli.cannot_read", path + ": cannot open the text file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int TokenizeCommand::run(const QCommandLineParser& parser, std::ostream& out) const {
  const std::string path = tokenizerPath(parser);
  const std::string text = inputText(parser);
  const Tokenizer tokenizer = Tokenizer::fromFile(path);
  const Encoding enc = tokenizer.encode(text, !parser.isSet("no-special"));

  if (parser.isSet("json")) {
    nlohmann::ordered_json j;
    j["tokenizer"] = path;
    j["ids"] = enc.ids;
    j["tokens"] = enc.tokens;
    auto offsets = nlohmann::json::array();
    for (const auto& [b, e] : enc.offsets)
      offsets.push_back({b, e});
    j["offsets"] = offsets;
    auto special = nlohmann::json::array();
    for (auto s : enc.special)
      special.push_back(s != 0);
    j["special"] = special;
    out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return kOk;
  }

  out << enc.size() << " tokens, " << tokenizer.description() << ", " << path << "\n";
  std::vector<std::string> shown(enc.size());
  std::size_t width = 5;
  for (std::size_t i = 0; i < enc.size(); ++i) {
    shown[i] = quoteText(enc.tokens[i]);
    width = std::max(width, displayWidth(shown[i]));
  }
  char line[64];
  std::snprintf(line, sizeof line, "%6s %8s  %-12s ", "#", "id", "span");
  out << line << "token" << std::string(width - 3, ' ') << "text\n";
  for (std::size_t i = 0; i < enc.size(); ++i) {
    const auto [b, e] = enc.offsets[i];
    const std::string span = "[" + std::to_string(b) + "," + std::to_string(e) + ")";
    std::snprintf(line, sizeof line, "%6zu %8d  %-12s ", i, enc.ids[i], span.c_str());
    out << line << shown[i] << std::string(width + 2 - displayWidth(shown[i]), ' ')
        << (enc.special[i] ? std::string("(special)") : quoteText(text.substr(b, e - b))) << "\n";
  }
  return kOk;
}

}  // namespace strata::cli
