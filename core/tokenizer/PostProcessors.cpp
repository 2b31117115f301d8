#include "core/tokenizer/PostProcessors.h"

#include <algorithm>

#include "core/tokenizer/Unicode.h"

namespace strata::tok {

namespace {

struct SpecialPiece {
  std::vector<std::int32_t> ids;
  std::vector<std::string> tokens;
};

void appendSpecial(Encoding& enc, const SpecialPiece& p) {
  for (std::size_t i = 0; i < p.ids.size(); ++i) {
    enc.ids.push_back(p.ids[i]);
    enc.tokens.push_back(p.tokens[i]);
    enc.offsets.emplace_back(0, 0);
    enc.special.push_back(1);
  }
}

// Wraps the sequence as prefix + A + suffix.
void wrap(Encoding& enc, const std::vector<const SpecialPiece*>& prefix,
          const std::vector<const SpecialPiece*>& suffix) {
  Encoding out;
  for (const auto* p : prefix)
    appendSpecial(out, *p);
  out.ids.insert(out.ids.end(), enc.ids.begin(), enc.ids.end());
  out.tokens.insert(out.tokens.end(), std::make_move_iterator(enc.tokens.begin()),
                    std::make_move_iterator(enc.tokens.end()));
  out.offsets.insert(out.offsets.end(), enc.offsets.begin(), enc.offsets.end());
  out.special.insert(out.special.end(), enc.special.begin(), enc.special.end());
  for (const auto* p : suffix)
    appendSpecial(out, *p);
  enc = std::move(out);
}

// HF's ByteLevel::process_offsets: offsets exclude leading/trailing spaces ('Ġ').
void trimByteLevelOffsets(Encoding& enc, bool addPrefixSpace) {
  for (std::size_t i = 0; i < enc.size(); ++i) {
    if (enc.special[i]) continue;
    const std::string& t = enc.tokens[i];
    std::size_t lead = 0, trail = 0;
    std::size_t pos = 0;
    auto isSpace = [&](char32_t c) { return c == 0x120 || isWhitespace(c); };
    while (pos < t.size()) {
      std::size_t len = 0;
      if (!isSpace(decodeUtf8(t, pos, len))) break;
      ++lead;
      pos += len;
    }
    std::size_t end = t.size();
    while (end > pos) {
      std::size_t start = end - 1;
      while (start > 0 && (static_cast<unsigned char>(t[start]) & 0xC0) == 0x80)
        --start;
      std::size_t len = 0;
      if (!isSpace(decodeUtf8(t, start, len))) break;
      ++trail;
      end = start;
    }
    auto& [b, e] = enc.offsets[i];
    if (lead > 0) {
      const bool first = i == 0 || b == 0;
      if (first && addPrefixSpace && lead == 1) lead = 0;
      b = std::min(b + lead, e);
    }
    if (trail > 0 && e >= trail) e = std::max(e - trail, b);
  }
}

class TemplateProcessing final : public PostProcessor {
 public:
  TemplateProcessing(std::vector<SpecialPiece> prefix, std::vector<SpecialPiece> suffix)
      : prefix_(std::move(prefix)), suffix_(std::move(suffix)) {}
  void process(Encoding& enc, bool addSpecialTokens) const override {
    if (!addSpecialTokens) return;
    std::vector<const SpecialPiece*> pre, suf;
    for (const auto& p : prefix_)
      pre.push_back(&p);
    for (const auto& p : suffix_)
      suf.push_back(&p);
    wrap(enc, pre, suf);
  }

 private:
  std::vector<SpecialPiece> prefix_, suffix_;
};

class ClsSepProcessing final : public PostProcessor {
 public:
  ClsSepProcessing(SpecialPiece cls, SpecialPiece sep, bool trimOffsets, bool addPrefixSpace)
      : cls_(std::move(cls)),
        sep_(std::move(sep)),
        trim_(trimOffsets),
        addPrefixSpace_(addPrefixSpace) {}
  void process(Encoding& enc, bool addSpecialTokens) const override {
    if (trim_) trimByteLevelOffsets(enc, addPrefixSpace_);
    if (addSpecialTokens) wrap(enc, {&cls_}, {&sep_});
  }

 private:
  SpecialPiece cls_, sep_;
  bool trim_, addPrefixSpace_;
};

class ByteLevelProcessing final : public PostProcessor {
 public:
  ByteLevelProcessing(bool trimOffsets, bool addPrefixSpace)
      : trim_(trimOffsets), addPrefixSpace_(addPrefixSpace) {}
  void process(Encoding& enc, bool) const override {
    if (trim_) trimByteLevelOffsets(enc, addPrefixSpace_);
  }

 private:
  bool trim_, addPrefixSpace_;
};

class SequenceProcessing final : public PostProcessor {
 public:
  explicit SequenceProcessing(std::vector<std::unique_ptr<PostProcessor>> items)
      : items_(std::move(items)) {}
  void process(Encoding& enc, bool addSpecialTokens) const override {
    for (const auto& p : items_)
      p->process(enc, addSpecialTokens);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> items_;
};

SpecialPiece readPair(const Json& j, const LoadContext& ctx, const char* key, const char* where) {
  const Json& v = ctx.member(j, key, where);
  if (!v.is_array() || v.size() != 2 || !v[0].is_string() || !v[1].is_number_integer())
    ctx.fail("tokenizer.bad_field",
             std::string(where) + ".\"" + key + "\" must be [\"token\", id]");
  return {{v[1].get<std::int32_t>()}, {v[0].get<std::string>()}};
}

std::unique_ptr<PostProcessor> makeTemplate(const Json& j, const LoadContext& ctx) {
  const char* where = "post_processor";
  const Json& single = ctx.member(j, "single", where);
  const Json& specials = j.contains("special_tokens") ? j.at("special_tokens") : Json::object();
  if (!single.is_array()) ctx.fail("tokenizer.bad_field", "post_processor.single must be a list");
  std::vector<SpecialPiece> prefix, suffix;
  bool seenSequence = false;
  for (const Json& item : single) {
    if (item.is_object() && item.contains("Sequence")) {
      seenSequence = true;
      continue;
    }
    const Json& st = ctx.member(item, "SpecialToken", "post_processor.single item");
    const std::string id = ctx.string(st, "id", "post_processor.single SpecialToken");
    if (!specials.contains(id))
      ctx.fail("tokenizer.bad_field",
               "post_processor: special token \"" + id + "\" is not in special_tokens");
    const Json& def = specials.at(id);
    SpecialPiece p;
    try {
      p.ids = def.at("ids").get<std::vector<std::int32_t>>();
      p.tokens = def.at("tokens").get<std::vector<std::string>>();
    } catch (const nlohmann::json::exception&) {
      ctx.fail("tokenizer.bad_field",
               "post_processor.special_tokens[\"" + id + "\"] needs ids and tokens lists");
    }
    if (p.ids.size() != p.tokens.size())
      ctx.fail("tokenizer.bad_field",
               "post_processor.special_tokens[\"" + id + "\"]: ids and tokens differ in length");
    (seenSequence ? suffix : prefix).push_back(std::move(p));
  }
  return std::make_unique<TemplateProcessing>(std::move(prefix), std::move(suffix));
}

constexpr const char* kSupported =
    "TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence";

}  // namespace

std::unique_ptr<PostProcessor> makePostProcessor(const Json& j, const LoadContext& ctx, int depth) {
  if (j.is_null()) return nullptr;
  const char* where = "post_processor";
  ctx.checkDepth(depth, where);
  const std::string type = ctx.typeOf(j, where);
  if (type == "TemplateProcessing") return makeTemplate(j, ctx);
  if (type == "BertProcessing")
    return std::make_unique<ClsSepProcessing>(readPair(j, ctx, "cls", where),
                                              readPair(j, ctx, "sep", where), false, false);
  if (type == "RobertaProcessing")
    return std::make_unique<ClsSepProcessing>(readPair(j, ctx, "cls", where),
                                              readPair(j, ctx, "sep", where),
                                              ctx.get<bool>(j, "trim_offsets", true, where),
                                              ctx.get<bool>(j, "add_prefix_space", true, where));
  if (type == "ByteLevel")
    return std::make_unique<ByteLevelProcessing>(ctx.get<bool>(j, "trim_offsets", true, where),
                                                 ctx.get<bool>(j, "add_prefix_space", true, where));
  if (type == "Sequence") {
    const Json& list = ctx.member(j, "processors", where);
    if (!list.is_array()) ctx.fail("tokenizer.bad_field", "post_processor Sequence needs a list");
    std::vector<std::unique_ptr<PostProcessor>> items;
    for (const Json& item : list)
      if (auto p = makePostProcessor(item, ctx, depth + 1)) items.push_back(std::move(p));
    return std::make_unique<SequenceProcessing>(std::move(items));
  }
  ctx.fail("tokenizer.unsupported_post_processor",
           "unsupported post_processor type \"" + type + "\" (supported: " + kSupported + ")");
}

}  // namespace strata::tok
