#include "core/tokenizer/PreTokenizers.h"

#include <algorithm>
#include <functional>

#include "core/tokenizer/Regex.h"
#include "core/tokenizer/Unicode.h"

namespace strata::tok {

// GPT-2's pattern, used by ByteLevel(use_regex = true).
constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

std::vector<std::pair<std::size_t, std::size_t>> applyBehavior(std::vector<Segment> segs,
                                                               SplitBehavior behavior,
                                                               bool invert) {
  if (invert)
    for (auto& s : segs)
      s.match = !s.match;
  std::vector<std::pair<std::size_t, std::size_t>> out;
  out.reserve(segs.size());
  bool previousMatch = false;
  switch (behavior) {
    case SplitBehavior::Removed:
      for (const auto& s : segs)
        if (!s.match) out.emplace_back(s.begin, s.end);
      break;
    case SplitBehavior::Isolated:
      for (const auto& s : segs)
        out.emplace_back(s.begin, s.end);
      break;
    case SplitBehavior::MergedWithPrevious:
      for (const auto& s : segs) {
        if (s.match && !previousMatch && !out.empty())
          out.back().second = s.end;
        else
          out.emplace_back(s.begin, s.end);
        previousMatch = s.match;
      }
      break;
    case SplitBehavior::MergedWithNext:
      for (auto it = segs.rbegin(); it != segs.rend(); ++it) {
        if (it->match && !previousMatch && !out.empty())
          out.back().first = it->begin;
        else
          out.emplace_back(it->begin, it->end);
        previousMatch = it->match;
      }
      std::reverse(out.begin(), out.end());
      break;
    case SplitBehavior::Contiguous:
      for (const auto& s : segs) {
        if (s.match == previousMatch && !out.empty())
          out.back().second = s.end;
        else
          out.emplace_back(s.begin, s.end);
        previousMatch = s.match;
      }
      break;
  }
  return out;
}

void mapToByteLevel(NormalizedString& s) {
  const auto& table = byteLevelAlphabet();
  const std::string& t = s.str();
  const auto& al = s.alignments();
  std::string out;
  std::vector<Span> align;
  out.reserve(t.size() * 2);
  align.reserve(t.size() * 2);
  for (std::size_t i = 0; i < t.size();) {
    const std::size_t len = std::min(utf8Len(static_cast<unsigned char>(t[i])), t.size() - i);
    const Span span{al[i].first, al[i + len - 1].second};
    for (std::size_t k = 0; k < len; ++k) {
      const std::string& rep = table[static_cast<unsigned char>(t[i + k])];
      out += rep;
      align.insert(align.end(), rep.size(), span);
    }
    i += len;
  }
  s = NormalizedString(std::move(out), std::move(align));
}

namespace {

using Ranges = std::vector<std::pair<std::size_t, std::size_t>>;

void splitEach(std::vector<NormalizedString>& pieces,
               const std::function<Ranges(const NormalizedString&)>& split) {
  std::vector<NormalizedString> out;
  out.reserve(pieces.size() * 2);
  for (const auto& p : pieces) {
    for (const auto& [b, e] : split(p))
      if (e > b) out.push_back(b == 0 && e == p.size() ? p : p.slice(b, e));
  }
  pieces = std::move(out);
}

std::vector<Segment> regexSegments(const Regex& re, const std::string& s) {
  std::vector<Segment> segs;
  std::size_t prev = 0;
  re.forEachMatch(s, [&](std::size_t b, std::size_t e) {
    if (prev != b) segs.push_back({prev, b, false});
    segs.push_back({b, e, true});
    prev = e;
  });
  if (prev != s.size()) segs.push_back({prev, s.size(), false});
  return segs;
}

std::vector<Segment> literalSegments(const std::string& pattern, const std::string& s) {
  std::vector<Segment> segs;
  std::size_t prev = 0;
  if (!pattern.empty())
    for (std::size_t pos = s.find(pattern); pos != std::string::npos;
         pos = s.find(pattern, pos + pattern.size())) {
      if (prev != pos) segs.push_back({prev, pos, false});
      segs.push_back({pos, pos + pattern.size(), true});
      prev = pos + pattern.size();
    }
  if (prev != s.size()) segs.push_back({prev, s.size(), false});
  return segs;
}

// Every character for which pred() holds is its own match (HF's char-predicate patterns).
template <typename Pred>
std::vector<Segment> charSegments(const std::string& s, Pred pred) {
  std::vector<Segment> segs;
  std::size_t prev = 0;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t len = 0;
    const char32_t c = decodeUtf8(s, i, len);
    if (pred(c)) {
      if (prev != i) segs.push_back({prev, i, false});
      segs.push_back({i, i + len, true});
      prev = i + len;
    }
    i += len;
  }
  if (prev != s.size()) segs.push_back({prev, s.size(), false});
  return segs;
}

class ByteLevel final : public PreTokenizer {
 public:
  ByteLevel(bool addPrefixSpace, bool useRegex, const std::string& source)
      : addPrefixSpace_(addPrefixSpace),
        re_(useRegex ? std::make_unique<Regex>(kGpt2Pattern, source) : nullptr) {}
  void preTokenize(std::vector<NormalizedString>& pieces) const override {
    if (addPrefixSpace_)
      for (auto& p : pieces)
        if (!p.str().starts_with(' ')) p.prepend(" ");
    if (re_)
      splitEach(pieces, [&](const NormalizedString& p) {
        return applyBehavior(regexSegments(*re_, p.str()), SplitBehavior::Isolated, false);
      });
    for (auto& p : pieces)
      mapToByteLevel(p);
  }
  bool byteLevel() const override { return true; }

 private:
  bool addPrefixSpace_;
  std::unique_ptr<Regex> re_;
};

class Split final : public PreTokenizer {
 public:
  Split(std::string literal, std::unique_ptr<Regex> re, SplitBehavior behavior, bool invert)
      : literal_(std::move(literal)), re_(std::move(re)), behavior_(behavior), invert_(invert) {}
  void preTokenize(std::vector<NormalizedString>& pieces) const override {
    splitEach(pieces, [&](const NormalizedString& p) {
      return applyBehavior(re_ ? regexSegments(*re_, p.str()) : literalSegments(literal_, p.str()),
                           behavior_, invert_);
    });
  }

 private:
  std::string literal_;
  std::unique_ptr<Regex> re_;
  SplitBehavior behavior_;
  bool invert_;
};

class Metaspace final : public PreTokenizer {
 public:
  Metaspace(std::string replacement, PrependScheme scheme, bool split)
      : rep_(std::move(replacement)), scheme_(scheme), split_(split) {}
  void preTokenize(std::vector<NormalizedString>& pieces) const override {
    for (auto& p : pieces) {
      p.replace(" ", rep_);
      const bool prepend =
          scheme_ == PrependScheme::Always ||
          (scheme_ == PrependScheme::First && !p.empty() && p.alignments()[0].first == 0);
      if (prepend && !p.str().starts_with(rep_)) p.prepend(rep_);
    }
    if (split_)
      splitEach(pieces, [&](const NormalizedString& p) {
        return applyBehavior(literalSegments(rep_, p.str()), SplitBehavior::MergedWithNext, false);
      });
  }

 private:
  std::string rep_;
  PrependScheme scheme_;
  bool split_;
};

class CharSplit final : public PreTokenizer {
 public:
  enum class Kind { Bert, WhitespaceSplit, Punctuation, Digits, IndividualDigits };
  CharSplit(Kind kind, SplitBehavior behavior) : kind_(kind), behavior_(behavior) {}
  void preTokenize(std::vector<NormalizedString>& pieces) const override {
    switch (kind_) {
      case Kind::Bert:
        splitByChar(pieces, isWhitespace, SplitBehavior::Removed);
        splitByChar(pieces, isBertPunctuation, SplitBehavior::Isolated);
        break;
      case Kind::WhitespaceSplit:
        splitByChar(pieces, isWhitespace, SplitBehavior::Removed);
        break;
      case Kind::Punctuation:
        splitByChar(pieces, isPunctuation, behavior_);
        break;
      case Kind::Digits:
        splitByChar(pieces, isDigit, SplitBehavior::Contiguous);
        break;
      case Kind::IndividualDigits:
        splitByChar(pieces, isDigit, SplitBehavior::Isolated);
        break;
    }
  }

 private:
  static void splitByChar(std::vector<NormalizedString>& pieces, bool (*pred)(char32_t),
                          SplitBehavior behavior) {
    splitEach(pieces, [&](const NormalizedString& p) {
      return applyBehavior(charSegments(p.str(), pred), behavior, false);
    });
  }
  Kind kind_;
  SplitBehavior behavior_;
};

class SequencePreTokenizer final : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> items)
      : items_(std::move(items)) {}
  void preTokenize(std::vector<NormalizedString>& pieces) const override {
    for (const auto& p : items_)
      p->preTokenize(pieces);
  }
  bool byteLevel() const override {
    for (const auto& p : items_)
      if (p->byteLevel()) return true;
    return false;
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> items_;
};

SplitBehavior readBehavior(const Json& j, const LoadContext& ctx, const char* where,
                           const char* fallback) {
  const std::string b = ctx.get<std::string>(j, "behavior", fallback, where);
  if (b == "Removed") return SplitBehavior::Removed;
  if (b == "Isolated") return SplitBehavior::Isolated;
  if (b == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (b == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (b == "Contiguous") return SplitBehavior::Contiguous;
  ctx.fail("tokenizer.bad_field",
           std::string(where) + ": unknown split behavior \"" + b +
               "\" (supported: Removed, Isolated, MergedWithPrevious, MergedWithNext, "
               "Contiguous)");
}

constexpr const char* kSupported =
    "ByteLevel, Split, Metaspace, BertPreTokenizer, Whitespace, WhitespaceSplit, Punctuation, "
    "Digits, Sequence";

}  // namespace

PrependScheme readPrependScheme(const Json& j, const LoadContext& ctx, const char* where) {
  if (j.contains("prepend_scheme") && !j.at("prepend_scheme").is_null()) {
    const std::string s = ctx.string(j, "prepend_scheme", where);
    if (s == "always") return PrependScheme::Always;
    if (s == "first") return PrependScheme::First;
    if (s == "never") return PrependScheme::Never;
    ctx.fail("tokenizer.bad_field", std::string(where) + ": unknown prepend_scheme \"" + s +
                                        "\" (supported: always, first, never)");
  }
  return ctx.get<bool>(j, "add_prefix_space", true, where) ? PrependScheme::Always
                                                           : PrependScheme::Never;
}

std::unique_ptr<PreTokenizer> makePreTokenizer(const Json& j, const LoadContext& ctx, int depth) {
  if (j.is_null()) return nullptr;
  const char* where = "pre_tokenizer";
  ctx.checkDepth(depth, where);
  const std::string type = ctx.typeOf(j, where);
  if (type == "ByteLevel")
    return std::make_unique<ByteLevel>(ctx.get<bool>(j, "add_prefix_space", true, where),
                                       ctx.get<bool>(j, "use_regex", true, where), ctx.source);
  if (type == "Split") {
    const Json& pattern = ctx.member(j, "pattern", where);
    const SplitBehavior behavior = readBehavior(j, ctx, where, "Isolated");
    const bool invert = ctx.get<bool>(j, "invert", false, where);
    if (pattern.is_object() && pattern.contains("Regex"))
      return std::make_unique<Split>(
          "", std::make_unique<Regex>(ctx.string(pattern, "Regex", where), ctx.source), behavior,
          invert);
    return std::make_unique<Split>(ctx.string(pattern, "String", where), nullptr, behavior, invert);
  }
  if (type == "Metaspace") {
    std::string rep = ctx.get<std::string>(j, "replacement", "\xE2\x96\x81", where);
    return std::make_unique<Metaspace>(std::move(rep), readPrependScheme(j, ctx, where),
                                       ctx.get<bool>(j, "split", true, where));
  }
  if (type == "BertPreTokenizer")
    return std::make_unique<CharSplit>(CharSplit::Kind::Bert, SplitBehavior::Removed);
  if (type == "WhitespaceSplit")
    return std::make_unique<CharSplit>(CharSplit::Kind::WhitespaceSplit, SplitBehavior::Removed);
  if (type == "Punctuation")
    return std::make_unique<CharSplit>(CharSplit::Kind::Punctuation,
                                       readBehavior(j, ctx, where, "Isolated"));
  if (type == "Digits")
    return std::make_unique<CharSplit>(ctx.get<bool>(j, "individual_digits", false, where)
                                           ? CharSplit::Kind::IndividualDigits
                                           : CharSplit::Kind::Digits,
                                       SplitBehavior::Isolated);
  if (type == "Whitespace")
    return std::make_unique<Split>("", std::make_unique<Regex>(R"(\w+|[^\w\s]+)", ctx.source),
                                   SplitBehavior::Removed, true);
  if (type == "Sequence") {
    const Json& list = ctx.member(j, "pretokenizers", where);
    if (!list.is_array()) ctx.fail("tokenizer.bad_field", "pre_tokenizer Sequence needs a list");
    std::vector<std::unique_ptr<PreTokenizer>> items;
    for (const Json& item : list)
      if (auto p = makePreTokenizer(item, ctx, depth + 1)) items.push_back(std::move(p));
    return std::make_unique<SequencePreTokenizer>(std::move(items));
  }
  ctx.fail("tokenizer.unsupported_pre_tokenizer",
           "unsupported pre_tokenizer type \"" + type + "\" (supported: " + kSupported + ")");
}

}  // namespace strata::tok
