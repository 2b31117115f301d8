// WordPiece model (BERT): greedy longest-match-first over each word, continuation pieces
// carry the "##" prefix; a word that cannot be covered, or is longer than
// max_input_chars_per_word characters, becomes the unknown token.
#include "core/tokenizer/Model.h"
#include "core/tokenizer/Utf8.h"

namespace strata::tok {

namespace {

class WordPieceModel final : public Model {
 public:
  WordPieceModel(const Json& j, const LoadContext& ctx) {
    const char* where = "model";
    readVocab(ctx.member(j, "vocab", where), ctx, vocab_, idToToken_);
    prefix_ = ctx.get<std::string>(j, "continuing_subword_prefix", "##", where);
    maxChars_ = ctx.get<std::size_t>(j, "max_input_chars_per_word", 100, where);
    const std::string unk = ctx.get<std::string>(j, "unk_token", "[UNK]", where);
    const auto it = vocab_.find(unk);
    if (it == vocab_.end())
      ctx.fail("tokenizer.bad_unk", "model.unk_token \"" + unk + "\" is not in the vocabulary");
    unk_ = it->second;
  }

  void tokenize(std::string_view word, std::vector<PieceToken>& out) const override {
    if (word.empty()) return;
    const auto whole = static_cast<std::uint32_t>(word.size());
    if (countChars(word) > maxChars_) {
      out.push_back({unk_, 0, whole});
      return;
    }
    const std::size_t mark = out.size();
    std::string candidate;
    std::size_t start = 0;
    while (start < word.size()) {
      std::size_t end = word.size();
      bool found = false;
      while (start < end) {
        candidate.assign(start > 0 ? prefix_ : std::string());
        candidate.append(word.substr(start, end - start));
        const auto it = vocab_.find(candidate);
        if (it != vocab_.end()) {
          out.push_back(
              {it->second, static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(end)});
          found = true;
          break;
        }
        // Step back one whole character.
        --end;
        while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80)
          --end;
      }
      if (!found) {
        out.resize(mark);
        out.push_back({unk_, 0, whole});
        return;
      }
      start = end;
    }
  }

  std::string description() const override { return "WordPiece"; }

 private:
  std::string prefix_;
  std::size_t maxChars_ = 100;
  std::int32_t unk_ = 0;
};

}  // namespace

std::unique_ptr<Model> makeWordPieceModel(const Json& j, const LoadContext& ctx) {
  return std::make_unique<WordPieceModel>(j, ctx);
}

}  // namespace strata::tok
