#pragma once
// The tokenization model ("model" in tokenizer.json) and its vocabulary. A model turns one
// pre-tokenized piece into tokens whose byte ranges are relative to that piece.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/tokenizer/LoadContext.h"

namespace strata::tok {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};
using VocabMap = std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>>;

struct PieceToken {
  std::int32_t id;
  std::uint32_t begin, end;  ///< bytes of the piece
};

class Model {
 public:
  virtual ~Model() = default;
  /// Appends the tokens of `piece` to `out`.
  virtual void tokenize(std::string_view piece, std::vector<PieceToken>& out) const = 0;
  virtual std::string description() const = 0;
  const VocabMap& vocab() const { return vocab_; }
  /// Vocabulary strings by id ("" for ids the model lacks).
  const std::vector<std::string>& idToToken() const { return idToToken_; }

 protected:
  VocabMap vocab_;
  std::vector<std::string> idToToken_;
};

/// Reads model.vocab (an object token -> id). Throws tokenizer.duplicate_id when two tokens
/// share an id, tokenizer.bad_field for ids that are not small non-negative integers.
void readVocab(const Json& vocab, const LoadContext& ctx, VocabMap& toId,
               std::vector<std::string>& toToken);

/// Builds the model (BPE or WordPiece). Throws tokenizer.unsupported_model otherwise.
std::unique_ptr<Model> makeModel(const Json& j, const LoadContext& ctx);
std::unique_ptr<Model> makeBpeModel(const Json& j, const LoadContext& ctx);
std::unique_ptr<Model> makeWordPieceModel(const Json& j, const LoadContext& ctx);

}  // namespace strata::tok
