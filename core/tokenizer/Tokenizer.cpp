// Tokenizer: loading of tokenizer.json and the encode/decode pipelines
// (added tokens -> normalizer -> pre-tokenizer -> model -> post-processor; decoder).
#include "core/tokenizer/Tokenizer.h"

#include <fstream>
#include <sstream>

#include "core/tokenizer/AddedTokens.h"
#include "core/tokenizer/Decoders.h"
#include "core/tokenizer/LoadContext.h"
#include "core/tokenizer/Model.h"
#include "core/tokenizer/Normalizers.h"
#include "core/tokenizer/PostProcessors.h"
#include "core/tokenizer/PreTokenizers.h"
#include "core/tokenizer/Utf8.h"

namespace strata {

using namespace tok;

struct Tokenizer::Impl {
  std::unique_ptr<Model> model;
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> preTokenizer;
  std::unique_ptr<PostProcessor> postProcessor;
  std::unique_ptr<Decoder> decoder;
  AddedVocabulary added;
  std::vector<std::string> idToToken;  ///< model vocabulary and added tokens
  std::vector<std::uint8_t> known;     ///< 1 where idToToken holds a token
  std::vector<std::uint8_t> special;   ///< 1 for special added tokens
  VocabMap addedToId;
  std::size_t vocabSize = 0;

  void readAddedTokens(const Json& list, const LoadContext& ctx);
  void encodeText(NormalizedString text, Encoding& enc) const;
  void pushToken(Encoding& enc, std::int32_t id, Span span, bool isSpecial) const {
    enc.ids.push_back(id);
    enc.tokens.push_back(idToToken[static_cast<std::size_t>(id)]);
    enc.offsets.emplace_back(span.first, span.second);
    enc.special.push_back(isSpecial ? 1 : 0);
  }
};

namespace {}  // namespace

void Tokenizer::Impl::readAddedTokens(const Json& list, const LoadContext& ctx) {
  Impl& impl = *this;
  if (list.is_null()) return;
  if (!list.is_array()) ctx.fail("tokenizer.bad_field", "\"added_tokens\" must be a list");
  for (const Json& item : list) {
    const char* where = "added_tokens item";
    AddedToken t;
    t.content = ctx.string(item, "content", where);
    const Json& id = ctx.member(item, "id", where);
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0 ||
        id.get<std::int64_t>() >= 16'000'000)
      ctx.fail("tokenizer.bad_field", "added token \"" + t.content + "\" has no valid integer id");
    t.id = static_cast<std::int32_t>(id.get<std::int64_t>());
    t.special = ctx.get<bool>(item, "special", false, where);
    t.singleWord = ctx.get<bool>(item, "single_word", false, where);
    t.lstrip = ctx.get<bool>(item, "lstrip", false, where);
    t.rstrip = ctx.get<bool>(item, "rstrip", false, where);
    t.normalized = ctx.get<bool>(item, "normalized", !t.special, where);
    const auto idx = static_cast<std::size_t>(t.id);
    if (idx >= impl.idToToken.size()) {
      impl.idToToken.resize(idx + 1);
      impl.known.resize(idx + 1);
      impl.special.resize(idx + 1);
    }
    // Added tokens often repeat a vocabulary entry; a different token on the same id is an error.
    if (impl.known[idx] && impl.idToToken[idx] != t.content)
      ctx.fail("tokenizer.duplicate_id", "added token \"" + t.content + "\" reuses id " +
                                             std::to_string(t.id) + " of \"" + impl.idToToken[idx] +
                                             "\"");
    if (!impl.known[idx]) ++impl.vocabSize;
    impl.known[idx] = 1;
    impl.idToToken[idx] = t.content;
    impl.special[idx] = t.special ? 1 : 0;
    impl.addedToId.insert_or_assign(t.content, t.id);
    impl.added.add(std::move(t));
  }
}

Tokenizer Tokenizer::fromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("tokenizer.io", path + ": cannot open tokenizer file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error("tokenizer.io", path + ": cannot read tokenizer file");
  return fromJson(ss.str(), path);
}

Tokenizer Tokenizer::fromJson(std::string_view json, const std::string& sourceName) {
  const LoadContext ctx{sourceName};
  Json root;
  try {
    root = Json::parse(json.begin(), json.end());
  } catch (const nlohmann::json::parse_error& e) {
    ctx.fail("tokenizer.not_json", std::string("not valid JSON: ") + e.what());
  }
  if (!root.is_object()) ctx.fail("tokenizer.not_json", "top level is not a JSON object");
  if (!root.contains("version"))
    ctx.fail("tokenizer.bad_version", "no \"version\" field (expected \"1.0\")");
  if (!root.at("version").is_string() || root.at("version").get<std::string>() != "1.0")
    ctx.fail("tokenizer.bad_version",
             "unsupported version " + root.at("version").dump() + " (expected \"1.0\")");
  if (!root.contains("model")) ctx.fail("tokenizer.bad_field", "no \"model\" field");

  auto impl = std::make_unique<Impl>();
  auto part = [&](const char* key) -> const Json& {
    static const Json kNull;
    return root.contains(key) ? root.at(key) : kNull;
  };
  impl->normalizer = makeNormalizer(part("normalizer"), ctx);
  impl->preTokenizer = makePreTokenizer(part("pre_tokenizer"), ctx);
  impl->model = makeModel(root.at("model"), ctx);
  impl->postProcessor = makePostProcessor(part("post_processor"), ctx);
  impl->decoder = makeDecoder(part("decoder"), ctx);

  impl->idToToken = impl->model->idToToken();
  impl->known.assign(impl->idToToken.size(), 0);
  impl->special.assign(impl->idToToken.size(), 0);
  for (const auto& [token, id] : impl->model->vocab())
    impl->known[static_cast<std::size_t>(id)] = 1;
  impl->vocabSize = impl->model->vocab().size();
  impl->readAddedTokens(part("added_tokens"), ctx);
  impl->added.build(impl->normalizer.get());
  return Tokenizer(std::move(impl));
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

void Tokenizer::Impl::encodeText(NormalizedString text, Encoding& enc) const {
  std::vector<NormalizedString> pieces;
  pieces.push_back(std::move(text));
  if (preTokenizer) preTokenizer->preTokenize(pieces);
  std::vector<PieceToken> toks;
  for (const auto& piece : pieces) {
    toks.clear();
    model->tokenize(piece.str(), toks);
    for (const auto& t : toks)
      pushToken(enc, t.id, piece.originalRange(t.begin, t.end), false);
  }
}

Encoding Tokenizer::encode(std::string_view text, bool addSpecialTokens) const {
  const std::size_t bad = findInvalidUtf8(text);
  if (bad != std::string_view::npos)
    throw Error("tokenizer.invalid_utf8",
                "input text is not valid UTF-8 (byte " + std::to_string(bad) + ")");
  const Impl& d = *impl_;
  Encoding enc;
  const auto& addedTokens = d.added.tokens();
  for (const AddedSplit& outer : d.added.split(text, false)) {
    if (outer.token >= 0) {
      const AddedToken& t = addedTokens[static_cast<std::size_t>(outer.token)];
      d.pushToken(
          enc, t.id,
          Span{static_cast<std::uint32_t>(outer.begin), static_cast<std::uint32_t>(outer.end)},
          t.special);
      continue;
    }
    NormalizedString ns(text.substr(outer.begin, outer.end - outer.begin), outer.begin);
    if (d.normalizer) d.normalizer->normalize(ns);
    for (const AddedSplit& inner : d.added.split(ns.str(), true)) {
      if (inner.token >= 0) {
        const AddedToken& t = addedTokens[static_cast<std::size_t>(inner.token)];
        d.pushToken(enc, t.id, ns.originalRange(inner.begin, inner.end), t.special);
      } else if (inner.begin == 0 && inner.end == ns.size()) {
        d.encodeText(std::move(ns), enc);
      } else {
        d.encodeText(ns.slice(inner.begin, inner.end), enc);
      }
    }
  }
  if (d.postProcessor) d.postProcessor->process(enc, addSpecialTokens);
  return enc;
}

std::string Tokenizer::decode(std::span<const std::int32_t> ids, bool skipSpecialTokens) const {
  const Impl& d = *impl_;
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (const std::int32_t id : ids) {
    const auto idx = static_cast<std::size_t>(id);
    if (id < 0 || idx >= d.known.size() || !d.known[idx])
      throw Error("tokenizer.unknown_id",
                  "cannot decode id " + std::to_string(id) + ": not in the vocabulary");
    if (skipSpecialTokens && d.special[idx]) continue;
    tokens.push_back(d.idToToken[idx]);
  }
  if (!d.decoder) {
    std::string out;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (i) out += ' ';
      out += tokens[i];
    }
    return out;
  }
  d.decoder->decodeChain(tokens);
  std::string out;
  for (const auto& t : tokens)
    out += t;
  return out;
}

std::size_t Tokenizer::vocabSize() const {
  return impl_->vocabSize;
}

std::optional<std::int32_t> Tokenizer::tokenToId(std::string_view token) const {
  if (const auto it = impl_->addedToId.find(token); it != impl_->addedToId.end()) return it->second;
  if (const auto it = impl_->model->vocab().find(token); it != impl_->model->vocab().end())
    return it->second;
  return std::nullopt;
}

std::optional<std::string> Tokenizer::idToToken(std::int32_t id) const {
  const auto idx = static_cast<std::size_t>(id);
  if (id < 0 || idx >= impl_->known.size() || !impl_->known[idx]) return std::nullopt;
  return impl_->idToToken[idx];
}

std::string Tokenizer::description() const {
  std::string d = impl_->model->description();
  const bool byteLevel = (impl_->preTokenizer && impl_->preTokenizer->byteLevel()) ||
                         (impl_->decoder && impl_->decoder->byteLevel());
  if (d == "BPE" && byteLevel) d = "BPE (byte-level)";
  return d;
}

}  // namespace strata
