#include "core/tokenizer/Normalizers.h"

#include <vector>

#include "core/tokenizer/Regex.h"
#include "core/tokenizer/Unicode.h"

namespace strata::tok {

namespace {

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(NormalForm form) : form_(form) {}
  void normalize(NormalizedString& s) const override { normalizeUnicode(s, form_); }

 private:
  NormalForm form_;
};

class Lowercase final : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override {
    s.mapChars([](char32_t c, std::string& out) { appendLower(c, out); });
  }
};

void stripAccents(NormalizedString& s) {
  normalizeUnicode(s, NormalForm::NFD);
  s.mapChars([](char32_t c, std::string& out) {
    if (!isMarkNonspacing(c)) appendUtf8(out, c);
  });
}

class StripAccents final : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override { stripAccents(s); }
};

// HF's BertNormalizer: clean_text, handle_chinese_chars, strip_accents (defaults to
// lowercase), lowercase, in that order.
class BertNormalizer final : public Normalizer {
 public:
  BertNormalizer(bool clean, bool chinese, bool strip, bool lower)
      : clean_(clean), chinese_(chinese), strip_(strip), lower_(lower) {}
  void normalize(NormalizedString& s) const override {
    if (clean_) {
      s.mapChars([](char32_t c, std::string& out) {
        // Controls other than \t \n \r go first (so VT, FF and NEL vanish), then
        // whitespace becomes ' ', as HF's do_clean_text.
        const bool tabOrNewline = c == '\t' || c == '\n' || c == '\r';
        if (c == 0 || c == 0xFFFD || (!tabOrNewline && isOther(c))) return;
        if (tabOrNewline || isWhitespace(c)) {
          out.push_back(' ');
          return;
        }
        appendUtf8(out, c);
      });
    }
    if (chinese_) {
      s.mapChars([](char32_t c, std::string& out) {
        if (isChineseChar(c)) {
          out.push_back(' ');
          appendUtf8(out, c);
          out.push_back(' ');
        } else {
          appendUtf8(out, c);
        }
      });
    }
    if (strip_) stripAccents(s);
    if (lower_) s.mapChars([](char32_t c, std::string& out) { appendLower(c, out); });
  }

 private:
  bool clean_, chinese_, strip_, lower_;
};

class Strip final : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void normalize(NormalizedString& s) const override {
    const std::string& t = s.str();
    std::size_t b = 0, e = t.size();
    std::size_t len = 0;
    if (left_)
      while (b < e && isWhitespace(decodeUtf8(t, b, len)))
        b += len;
    if (right_)
      while (e > b) {
        std::size_t start = e - 1;
        while (start > b && (static_cast<unsigned char>(t[start]) & 0xC0) == 0x80)
          --start;
        if (!isWhitespace(decodeUtf8(t, start, len))) break;
        e = start;
      }
    if (b != 0 || e != t.size()) s = s.slice(b, e);
  }

 private:
  bool left_, right_;
};

class Prepend final : public Normalizer {
 public:
  explicit Prepend(std::string p) : prepend_(std::move(p)) {}
  void normalize(NormalizedString& s) const override { s.prepend(prepend_); }

 private:
  std::string prepend_;
};

class Replace final : public Normalizer {
 public:
  Replace(std::string literal, std::unique_ptr<Regex> re, std::string content)
      : literal_(std::move(literal)), re_(std::move(re)), content_(std::move(content)) {}
  void normalize(NormalizedString& s) const override {
    if (!re_) {
      s.replace(literal_, content_);
      return;
    }
    std::vector<std::pair<std::size_t, std::size_t>> ranges;
    re_->forEachMatch(s.str(), [&](std::size_t b, std::size_t e) {
      if (e > b) ranges.emplace_back(b, e);
    });
    s.replaceRanges(ranges, content_);
  }

 private:
  std::string literal_;
  std::unique_ptr<Regex> re_;
  std::string content_;
};

class SequenceNormalizer final : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> items)
      : items_(std::move(items)) {}
  void normalize(NormalizedString& s) const override {
    for (const auto& n : items_)
      n->normalize(s);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> items_;
};

constexpr const char* kSupported =
    "BertNormalizer, NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Strip, Prepend, Replace, "
    "Sequence";

}  // namespace

std::unique_ptr<Normalizer> makeNormalizer(const Json& j, const LoadContext& ctx, int depth) {
  if (j.is_null()) return nullptr;
  const char* where = "normalizer";
  ctx.checkDepth(depth, where);
  const std::string type = ctx.typeOf(j, where);
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(NormalForm::NFC);
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(NormalForm::NFD);
  if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(NormalForm::NFKC);
  if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(NormalForm::NFKD);
  if (type == "Lowercase") return std::make_unique<Lowercase>();
  if (type == "StripAccents") return std::make_unique<StripAccents>();
  if (type == "BertNormalizer") {
    const bool lower = ctx.get<bool>(j, "lowercase", true, where);
    return std::make_unique<BertNormalizer>(ctx.get<bool>(j, "clean_text", true, where),
                                            ctx.get<bool>(j, "handle_chinese_chars", true, where),
                                            ctx.get<bool>(j, "strip_accents", lower, where), lower);
  }
  if (type == "Strip")
    return std::make_unique<Strip>(ctx.get<bool>(j, "strip_left", true, where),
                                   ctx.get<bool>(j, "strip_right", true, where));
  if (type == "Prepend") return std::make_unique<Prepend>(ctx.string(j, "prepend", where));
  if (type == "Replace") {
    const Json& pattern = ctx.member(j, "pattern", where);
    const std::string content = ctx.string(j, "content", where);
    if (pattern.is_object() && pattern.contains("Regex"))
      return std::make_unique<Replace>(
          "", std::make_unique<Regex>(ctx.string(pattern, "Regex", where), ctx.source), content);
    return std::make_unique<Replace>(ctx.string(pattern, "String", where), nullptr, content);
  }
  if (type == "Sequence") {
    const Json& list = ctx.member(j, "normalizers", where);
    if (!list.is_array()) ctx.fail("tokenizer.bad_field", "normalizer Sequence needs a list");
    std::vector<std::unique_ptr<Normalizer>> items;
    for (const Json& item : list)
      if (auto n = makeNormalizer(item, ctx, depth + 1)) items.push_back(std::move(n));
    return std::make_unique<SequenceNormalizer>(std::move(items));
  }
  ctx.fail("tokenizer.unsupported_normalizer",
           "unsupported normalizer type \"" + type + "\" (supported: " + kSupported + ")");
}

}  // namespace strata::tok
