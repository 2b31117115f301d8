#include "app/cli/TraceCommand.h"

#include <chrono>
#include <filesystem>
#include <ostream>

#include "app/cli/TextFormat.h"
#include "core/runtime/Model.h"
#include "core/runtime/TraceFile.h"
#include "core/tokenizer/Tokenizer.h"
#include "core/util/Error.h"

namespace strata::cli {

void TraceCommand::addOptions(QCommandLineParser& parser) const {
  parser.addOptions({
      {"model", "A Hugging Face model folder.", "DIR"},
      {"text", "Text to tokenize and run (special tokens added as the tokenizer says).", "STR"},
      {"ids", "Comma-separated token ids, fed as given (no special tokens added).", "LIST"},
      {"image", "An image file (PNG or JPEG) for a ViT.", "FILE"},
      {"layers",
       "Hidden states to write: all, none, or indices/ranges such as 0,4-6,-1 "
       "(0 = embeddings, L = last). Default: all.",
       "SPEC", "all"},
      {"attn", "Attention layers to write: all, none, or indices/ranges. Default: all.", "SPEC",
       "all"},
      {"no-logits", "Do not compute or write the final logits."},
      {"no-special", "With --text: do not add the tokenizer's special tokens."},
      {"device", "cpu (default) or cuda.", "DEV", "cpu"},
      {"precision", "f32 (default) or bf16 (faster on AMX CPUs, ~1e-2 relative error).", "P",
       "f32"},
      {"out", "The trace file to write (.safetensors).", "FILE"},
  });
}

namespace {

std::vector<std::int64_t> parseIds(const QString& list) {
  std::vector<std::int64_t> ids;
  for (const QString& part : list.split(',', Qt::SkipEmptyParts)) {
    bool ok = false;
    const qlonglong v = part.trimmed().toLongLong(&ok);
    if (!ok) throw UsageError{"--ids: '" + part + "' is not an integer"};
    ids.push_back(v);
  }
  if (ids.empty()) throw UsageError{"--ids: no token ids given"};
  return ids;
}

}  // namespace

int TraceCommand::run(const QCommandLineParser& parser, std::ostream& out) const {
  const std::string folder = requireValue(parser, "model").toStdString();
  const std::string outPath = requireValue(parser, "out").toStdString();
  const int sources =
      int(parser.isSet("text")) + int(parser.isSet("ids")) + int(parser.isSet("image"));
  if (sources != 1) throw UsageError{"give exactly one of --text, --ids or --image"};

  LoadOptions load;
  const QString device = parser.value("device");
  if (device == "cuda")
    load.device = ComputeDevice::CUDA;
  else if (device != "cpu")
    throw UsageError{"--device must be cpu or cuda"};
  const QString precision = parser.value("precision");
  if (precision == "bf16")
    load.precision = Precision::BF16;
  else if (precision != "f32")
    throw UsageError{"--precision must be f32 or bf16"};

  const auto t0 = std::chrono::steady_clock::now();
  const auto model = Model::load(folder, load);
  TraceRequest request;
  request.logits = !parser.isSet("no-logits");
  request.capture.logits = request.logits;
  if (parser.isSet("text")) {
    if (model->isVision())
      throw Error("cli.wrong_input", folder + ": a vision model takes --image, not --text");
    if (!model->tokenizer())
      throw Error("cli.no_tokenizer", folder + ": the model folder has no tokenizer.json");
    request.inputKind = "text";
    request.text = parser.value("text").toStdString();
    request.encoding = model->tokenizer()->encode(request.text, !parser.isSet("no-special"));
    request.input.ids.assign(request.encoding.ids.begin(), request.encoding.ids.end());
  } else if (parser.isSet("ids")) {
    request.inputKind = "ids";
    request.input.ids = parseIds(parser.value("ids"));
    for (auto id : request.input.ids) {
      request.encoding.ids.push_back(static_cast<std::int32_t>(id));
      const Tokenizer* tok = model->tokenizer();
      const auto s = tok ? tok->idToToken(static_cast<std::int32_t>(id)) : std::nullopt;
      request.encoding.tokens.push_back(s ? *s : std::to_string(id));
      request.encoding.offsets.emplace_back(0, 0);
      request.encoding.special.push_back(0);
    }
  } else {
    request.inputKind = "image";
    request.imagePath = parser.value("image").toStdString();
    request.input.pixels = model->imageInput(request.imagePath);
  }

  const int L = model->numLayers();
  request.hiddenLayers = parseLayerSpec(parser.value("layers").toStdString(), L + 1);
  request.attentionLayers = parseLayerSpec(parser.value("attn").toStdString(), L);
  request.capture.attentionLayers = request.attentionLayers;  // kept during the forward pass
  const auto trace = model->run(request.input, request.capture);
  writeTraceFile(outPath, *model, *trace, request);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  out << "wrote " << outPath << ": " << trace->seqLen() << " positions, "
      << request.hiddenLayers.size() << " hidden states, " << request.attentionLayers.size()
      << " attention layers" << (trace->logits().empty() ? "" : ", logits") << ", "
      << byteSize(std::filesystem::file_size(outPath)) << ", " << seconds << " s\n";
  return kOk;
}

}  // namespace strata::cli
