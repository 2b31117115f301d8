#include "core/tokenizer/Model.h"

namespace strata::tok {

namespace {
constexpr std::int64_t kMaxId = 16'000'000;  // far above any real vocabulary
}

void readVocab(const Json& vocab, const LoadContext& ctx, VocabMap& toId,
               std::vector<std::string>& toToken) {
  if (!vocab.is_object()) ctx.fail("tokenizer.bad_field", "model.vocab must be an object");
  toId.reserve(vocab.size());
  std::vector<std::uint8_t> used;
  for (const auto& [token, value] : vocab.items()) {
    if (!value.is_number_integer() || value.get<std::int64_t>() < 0 ||
        value.get<std::int64_t>() >= kMaxId)
      ctx.fail("tokenizer.bad_field",
               "model.vocab: id of \"" + token + "\" is not an integer in [0, 16000000)");
    const auto id = static_cast<std::int32_t>(value.get<std::int64_t>());
    const auto idx = static_cast<std::size_t>(id);
    if (idx >= toToken.size()) {
      toToken.resize(idx + 1);
      used.resize(idx + 1);
    }
    if (used[idx])
      ctx.fail("tokenizer.duplicate_id", "model.vocab: id " + std::to_string(id) +
                                             " is used by both \"" + toToken[idx] + "\" and \"" +
                                             token + "\"");
    used[idx] = 1;
    toToken[idx] = token;
    toId.emplace(token, id);
  }
}

std::unique_ptr<Model> makeModel(const Json& j, const LoadContext& ctx) {
  if (!j.is_object()) ctx.fail("tokenizer.bad_field", "\"model\" must be an object");
  std::string type;
  if (j.contains("type")) {
    type = ctx.string(j, "type", "model");
  } else if (j.contains("merges")) {
    type = "BPE";  // old files omit the type; HF infers it from the fields
  } else if (j.contains("max_input_chars_per_word")) {
    type = "WordPiece";
  }
  if (type == "BPE") return makeBpeModel(j, ctx);
  if (type == "WordPiece") return makeWordPieceModel(j, ctx);
  ctx.fail("tokenizer.unsupported_model",
           "unsupported model type \"" + type + "\" (supported: BPE, WordPiece)");
}

}  // namespace strata::tok
