#pragma once
// Tokenizer loaded from a Hugging Face `tokenizer.json` (format version "1.0"), with no
// Python and no network. Supported pipelines:
//   - byte-level BPE (GPT-2; Llama 3 and Qwen2 style Split + ByteLevel pre-tokenizers),
//   - SentencePiece-style BPE with Metaspace / Prepend+Replace normalisers and byte fallback
//     (Llama 2, Mistral, TinyLlama),
//   - WordPiece with the BERT normaliser and pre-tokeniser,
// plus added/special tokens, post-processors (TemplateProcessing, BertProcessing,
// RobertaProcessing, ByteLevel) and decoders.
//
// Offsets are byte offsets [begin, end) into the UTF-8 input text that was passed to encode();
// a token made from part of a multi-byte character (byte fallback, byte-level pieces) covers
// the whole character. Special tokens inserted by the post-processor have empty spans (0, 0).
//
// Threading: a loaded Tokenizer is immutable; encode() and decode() may run concurrently.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

struct Encoding {
  std::vector<std::int32_t> ids;
  std::vector<std::string> tokens;  ///< vocabulary strings ("Ġworld", "▁the", "##ing")
  std::vector<std::pair<std::size_t, std::size_t>> offsets;  ///< byte spans in the input
  std::vector<std::uint8_t> special;  ///< 1 where the token is a special token

  std::size_t size() const { return ids.size(); }
};

class Tokenizer {
 public:
  /// Loads and validates a tokenizer.json. Throws strata::Error naming the file and problem.
  static Tokenizer fromFile(const std::string& path);
  /// Same, from JSON text; `sourceName` is used in error messages.
  static Tokenizer fromJson(std::string_view json, const std::string& sourceName);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  /// Encodes UTF-8 text (invalid UTF-8 raises strata::Error("tokenizer.invalid_utf8")).
  /// With addSpecialTokens the post-processor adds BOS / [CLS] ... [SEP] as the file says.
  Encoding encode(std::string_view text, bool addSpecialTokens = true) const;
  /// Decodes ids to text as the file's decoder does. Unknown ids raise strata::Error.
  std::string decode(std::span<const std::int32_t> ids, bool skipSpecialTokens = true) const;

  std::size_t vocabSize() const;  ///< including added tokens
  std::optional<std::int32_t> tokenToId(std::string_view token) const;
  std::optional<std::string> idToToken(std::int32_t id) const;
  /// "BPE (byte-level)", "BPE (SentencePiece, byte fallback)", "WordPiece", ...
  std::string description() const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata
