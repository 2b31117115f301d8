#include "core/runtime/TraceFile.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "core/io/SafetensorsWriter.h"
#include "core/util/Error.h"

namespace strata {

namespace {

[[noreturn]] void badSpec(const std::string& spec, const std::string& why) {
  throw Error("trace.bad_layers", "layer selection '" + spec + "': " + why);
}

int parseIndex(const std::string& spec, const std::string& token, int count) {
  if (token.empty()) badSpec(spec, "empty index");
  std::size_t used = 0;
  int v = 0;
  try {
    v = std::stoi(token, &used);
  } catch (const std::exception&) {
    badSpec(spec, "'" + token + "' is not an integer");
  }
  if (used != token.size()) badSpec(spec, "'" + token + "' is not an integer");
  if (v < 0) v += count;
  if (v < 0 || v >= count)
    badSpec(spec, "index " + token + " is outside 0.." + std::to_string(count - 1));
  return v;
}

std::span<const std::byte> asBytes(const void* p, std::size_t n) {
  return {static_cast<const std::byte*>(p), n};
}

}  // namespace

std::vector<int> parseLayerSpec(const std::string& spec, int count) {
  std::vector<int> out;
  if (spec == "none") return out;
  if (spec == "all") {
    for (int i = 0; i < count; ++i)
      out.push_back(i);
    return out;
  }
  std::set<int> picked;
  std::size_t start = 0;
  while (start <= spec.size()) {
    const std::size_t comma = std::min(spec.find(',', start), spec.size());
    const std::string part = spec.substr(start, comma - start);
    // A range "a-b": the dash that is not a leading minus sign.
    const std::size_t dash = part.find('-', 1);
    if (dash != std::string::npos && !part.empty()) {
      const int a = parseIndex(spec, part.substr(0, dash), count);
      const int b = parseIndex(spec, part.substr(dash + 1), count);
      if (b < a) badSpec(spec, "range '" + part + "' runs backwards");
      for (int i = a; i <= b; ++i)
        picked.insert(i);
    } else {
      picked.insert(parseIndex(spec, part, count));
    }
    start = comma + 1;
  }
  return {picked.begin(), picked.end()};
}

std::vector<std::pair<std::size_t, std::size_t>> charOffsets(
    const std::string& text, const std::vector<std::pair<std::size_t, std::size_t>>& byteOffsets) {
  // cp[i] = number of code points that start before byte i (lead bytes in text[0, i)).
  std::vector<std::size_t> cp(text.size() + 1, 0);
  for (std::size_t i = 0; i < text.size(); ++i)
    cp[i + 1] = cp[i] + ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 ? 1 : 0);
  std::vector<std::pair<std::size_t, std::size_t>> out;
  out.reserve(byteOffsets.size());
  for (const auto& [b, e] : byteOffsets)
    out.emplace_back(cp[std::min(b, text.size())], cp[std::min(e, text.size())]);
  return out;
}

void writeTraceFile(const std::string& path, const Model& model, const Trace& trace,
                    const TraceRequest& request) {
  SafetensorsWriter writer;
  const ModelConfig& c = model.config();
  if (model.isVision()) {
    const FloatArray& px = request.input.pixels;
    writer.addFloat("pixel_values", px.shape, px.data);
  } else {
    const auto& ids = request.input.ids;
    writer.add("tokens", DType::I64, {static_cast<std::int64_t>(ids.size())},
               asBytes(ids.data(), ids.size() * sizeof(std::int64_t)));
  }
  for (int l : request.hiddenLayers) {
    const FloatArray h = trace.hidden(l);
    writer.addFloat("hidden." + std::to_string(l), h.shape, h.data);
  }
  for (int a : request.attentionLayers) {
    const FloatArray p = trace.attention(a);
    writer.addFloat("attn." + std::to_string(a), p.shape, p.data);
  }
  if (request.logits && !trace.logits().empty())
    writer.addFloat("logits", trace.logits().shape, trace.logits().data);

  nlohmann::ordered_json meta;
  meta["format"] = 1;
  meta["strata_version"] = STRATA_VERSION;
  meta["model"] = {{"folder", model.folder()},
                   {"model_type", c.modelType},
                   {"architecture", c.architectureName()},
                   {"layers", c.numLayers},
                   {"heads", c.numHeads},
                   {"hidden_size", c.hiddenSize}};
  nlohmann::ordered_json input = {{"kind", request.inputKind}};
  if (request.inputKind == "text") input["text"] = request.text;
  if (request.inputKind == "image") input["image"] = request.imagePath;
  meta["input"] = input;
  const Encoding& enc = request.encoding;
  meta["tokens"] = enc.tokens;
  auto offsets = nlohmann::json::array();
  auto chars = nlohmann::json::array();
  const auto cps = charOffsets(request.text, enc.offsets);
  for (std::size_t i = 0; i < enc.offsets.size(); ++i) {
    offsets.push_back({enc.offsets[i].first, enc.offsets[i].second});
    chars.push_back({cps[i].first, cps[i].second});
  }
  meta["offsets"] = offsets;
  meta["char_offsets"] = chars;
  auto special = nlohmann::json::array();
  for (auto s : enc.special)
    special.push_back(s != 0);
  meta["special"] = special;
  meta["capture"] = {{"hidden", request.hiddenLayers},
                     {"attn", request.attentionLayers},
                     {"logits", request.logits && !trace.logits().empty()},
                     {"hidden_dtype", request.capture.hiddenF16 ? "F16" : "F32"},
                     {"precision", model.options().precision == Precision::BF16 ? "BF16" : "F32"},
                     {"device", model.options().device == ComputeDevice::CUDA ? "cuda" : "cpu"}};
  if (model.options().precision == Precision::BF16)
    // The bound the family tests assert for bf16 runs (tests/core/runtime/test_llama.cpp,
    // test_bert.cpp: error relative to the largest reference value; measured up to 1.9e-2).
    meta["capture"]["precision_error"] = {{"reference", "float32"},
                                          {"max_relative_to_scale", 5e-2},
                                          {"source", "Strata's bf16 parity tests"}};
  writer.setMetadata("strata.trace",
                     meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  writer.write(path);
}

}  // namespace strata
