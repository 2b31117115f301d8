#pragma once
// The trace file (`strata-cli trace`): a safetensors file that a Python user reads with the
// `safetensors` package as it is.
//
// Tensors (l = hidden-state index 0..L, a = attention layer 0..L-1, as selected):
//   tokens        [T]        I64   token ids fed to the model (text models)
//   pixel_values  [C, H, W]  F32   preprocessed image (ViT, instead of tokens)
//   hidden.{l}    [T, D]     F32   hidden_states[l] (HF output_hidden_states convention)
//   attn.{a}      [H, T, T]  F32   attention probabilities of block a (HF output_attentions)
//   logits        [T, V]     F32   final logits ([1, labels] for ViT classification)
// __metadata__:
//   strata.trace  JSON: {"format": 1, "strata_version", "model": {folder, model_type,
//                 architecture, layers, heads, hidden_size}, "input": {kind, text?, image?},
//                 "tokens": [strings], "offsets": [[byte begin, end]], "char_offsets":
//                 [[code point begin, end]], "special": [bool], "capture": {hidden: [l...],
//                 attn: [a...], logits, hidden_dtype, precision, device, and for bf16
//                 precision_error: the documented bound against float32}}
#include <cstdint>
#include <string>
#include <vector>

#include "core/runtime/Model.h"
#include "core/tokenizer/Tokenizer.h"

namespace strata {

/// Parses a layer selection: "all", "none", or a comma list of indices and ranges
/// ("0,3,5-8"; negative indices count from the end: -1 = last). `count` is the number of
/// valid indices. Throws strata::Error("trace.bad_layers") naming the spec.
std::vector<int> parseLayerSpec(const std::string& spec, int count);

struct TraceRequest {
  std::string inputKind;  ///< "text", "ids" or "image"
  std::string text;       ///< the text (kind "text")
  std::string imagePath;  ///< the image file (kind "image")
  ModelInput input;       ///< what was fed to the model
  Encoding encoding;      ///< tokens, spans and special flags (text; ids get token strings)
  std::vector<int> hiddenLayers;
  std::vector<int> attentionLayers;
  bool logits = true;
  CaptureOptions capture;
};

/// Writes the trace of `trace` (a run of `model` on request.input) to `path` atomically.
void writeTraceFile(const std::string& path, const Model& model, const Trace& trace,
                    const TraceRequest& request);

/// Code-point spans [begin, end) from byte spans into UTF-8 `text`.
std::vector<std::pair<std::size_t, std::size_t>> charOffsets(
    const std::string& text, const std::vector<std::pair<std::size_t, std::size_t>>& byteOffsets);

}  // namespace strata
