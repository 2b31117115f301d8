#pragma once
// Added and special tokens ("added_tokens" in tokenizer.json). The input is first split on
// tokens with normalized = false (matched in the original text), then each remaining part is
// normalised and split on tokens with normalized = true (matched in the normalised text).
// Matching is leftmost-longest; single_word, lstrip and rstrip behave as in Hugging Face.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata::tok {

class Normalizer;

struct AddedToken {
  std::string content;
  std::int32_t id = 0;
  bool special = false;
  bool singleWord = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
};

/// A stretch of text: an added token (token >= 0, index into tokens()) or plain text (-1).
struct AddedSplit {
  std::size_t begin, end;
  int token;
};

class AddedVocabulary {
 public:
  void add(AddedToken t) { tokens_.push_back(std::move(t)); }
  /// Indexes the tokens; normalized ones are matched by their normalised content.
  void build(const Normalizer* normalizer);
  const std::vector<AddedToken>& tokens() const { return tokens_; }
  /// Splits `text` on the tokens whose normalized flag equals `normalizedSet`.
  std::vector<AddedSplit> split(std::string_view text, bool normalizedSet) const;

 private:
  std::vector<AddedToken> tokens_;
  /// Per set (0: raw, 1: normalised): first byte -> (pattern, token index), longest first.
  std::vector<std::pair<std::string, int>> byFirst_[2][256];
  bool any_[2] = {false, false};
};

}  // namespace strata::tok
