#include "core/tokenizer/Decoders.h"

#include "core/tokenizer/PreTokenizers.h"
#include "core/tokenizer/Utf8.h"

namespace strata::tok {

namespace {

const char* const kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// Like Rust's String::from_utf8_lossy: each maximal invalid sequence becomes U+FFFD.
std::string lossyUtf8(const std::string& bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::string_view rest = bytes;
  while (!rest.empty()) {
    const std::size_t bad = findInvalidUtf8(rest);
    if (bad == std::string_view::npos) {
      out.append(rest);
      break;
    }
    out.append(rest.substr(0, bad));
    out.append(kReplacementChar);
    // Skip the lead byte and the continuation bytes that followed it.
    std::size_t skip = 1;
    while (bad + skip < rest.size() && skip < 4 &&
           (static_cast<unsigned char>(rest[bad + skip]) & 0xC0) == 0x80)
      ++skip;
    if (findInvalidUtf8(rest.substr(bad, skip)) != 0) skip = 1;
    rest.remove_prefix(bad + skip);
  }
  return out;
}

class ByteLevelDecoder final : public Decoder {
 public:
  void decodeChain(std::vector<std::string>& tokens) const override {
    std::string bytes, mapped;
    for (const auto& t : tokens) {
      // As HF: a token with any character outside the byte-level alphabet (an added token
      // such as "中文") is kept as its raw UTF-8 bytes.
      mapped.clear();
      bool all = true;
      for (std::size_t i = 0; i < t.size() && all;) {
        std::size_t len = 0;
        const int b = byteLevelByte(decodeUtf8(t, i, len));
        all = b >= 0;
        if (all) mapped.push_back(static_cast<char>(b));
        i += len;
      }
      bytes += all ? mapped : t;
    }
    tokens.assign(1, lossyUtf8(bytes));
  }
  bool byteLevel() const override { return true; }
};

class MetaspaceDecoder final : public Decoder {
 public:
  MetaspaceDecoder(std::string rep, PrependScheme scheme) : rep_(std::move(rep)), scheme_(scheme) {}
  void decodeChain(std::vector<std::string>& tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      // As HF: in the first token every replacement character is dropped (prepended space).
      const std::string with = i == 0 && scheme_ != PrependScheme::Never ? "" : " ";
      std::string out;
      const std::string& t = tokens[i];
      for (std::size_t pos = 0; pos < t.size();) {
        if (!rep_.empty() && t.compare(pos, rep_.size(), rep_) == 0) {
          out += with;
          pos += rep_.size();
        } else {
          out.push_back(t[pos++]);
        }
      }
      tokens[i] = std::move(out);
    }
  }

 private:
  std::string rep_;
  PrependScheme scheme_;
};

class ReplaceDecoder final : public Decoder {
 public:
  ReplaceDecoder(std::string pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void decodeChain(std::vector<std::string>& tokens) const override {
    if (pattern_.empty()) return;
    for (auto& t : tokens) {
      std::string out;
      std::size_t prev = 0;
      for (std::size_t pos = t.find(pattern_); pos != std::string::npos;
           pos = t.find(pattern_, prev)) {
        out.append(t, prev, pos - prev);
        out += content_;
        prev = pos + pattern_.size();
      }
      out.append(t, prev, std::string::npos);
      t = std::move(out);
    }
  }

 private:
  std::string pattern_, content_;
};

class ByteFallbackDecoder final : public Decoder {
 public:
  void decodeChain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string pending;
    auto flush = [&] {
      if (pending.empty()) return;
      if (findInvalidUtf8(pending) == std::string_view::npos) {
        out.push_back(pending);
      } else {
        for (std::size_t i = 0; i < pending.size(); ++i)
          out.emplace_back(kReplacementChar);
      }
      pending.clear();
    };
    for (auto& t : tokens) {
      if (t.size() == 6 && t.starts_with("<0x") && t.back() == '>' && isHex(t[3]) && isHex(t[4])) {
        pending.push_back(static_cast<char>(std::stoi(t.substr(3, 2), nullptr, 16)));
        continue;
      }
      flush();
      out.push_back(std::move(t));
    }
    flush();
    tokens = std::move(out);
  }

 private:
  static bool isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
};

class FuseDecoder final : public Decoder {
 public:
  void decodeChain(std::vector<std::string>& tokens) const override {
    std::string all;
    for (const auto& t : tokens)
      all += t;
    tokens.assign(1, std::move(all));
  }
};

class StripDecoder final : public Decoder {
 public:
  StripDecoder(std::string content, std::size_t start, std::size_t stop)
      : content_(std::move(content)), start_(start), stop_(stop) {}
  void decodeChain(std::vector<std::string>& tokens) const override {
    if (content_.empty()) return;
    const std::size_t n = content_.size();
    for (auto& t : tokens) {
      std::size_t b = 0, e = t.size();
      for (std::size_t k = 0; k < start_ && b + n <= e && t.compare(b, n, content_) == 0; ++k)
        b += n;
      for (std::size_t k = 0; k < stop_ && e >= b + n && t.compare(e - n, n, content_) == 0; ++k)
        e -= n;
      t = t.substr(b, e - b);
    }
  }

 private:
  std::string content_;
  std::size_t start_, stop_;
};

class WordPieceDecoder final : public Decoder {
 public:
  WordPieceDecoder(std::string prefix, bool cleanup)
      : prefix_(std::move(prefix)), cleanup_(cleanup) {}
  void decodeChain(std::vector<std::string>& tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      std::string& t = tokens[i];
      if (i != 0) {
        if (!prefix_.empty() && t.starts_with(prefix_))
          t.erase(0, prefix_.size());
        else
          t.insert(0, " ");
      }
      if (cleanup_) t = cleanup(t);
    }
  }

  // HF's decoders::wordpiece::cleanup (English tokenisation artefacts).
  static std::string cleanup(std::string s) {
    static const std::pair<const char*, const char*> kRules[] = {
        {" .", "."},   {" ?", "?"},     {" !", "!"},     {" ,", ","},
        {" ' ", "'"},  {" n't", "n't"}, {" 'm", "'m"},   {" do not", " don't"},
        {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
    };
    for (const auto& [from, to] : kRules) {
      const std::string_view f(from);
      std::string out;
      std::size_t prev = 0;
      for (std::size_t pos = s.find(f); pos != std::string::npos; pos = s.find(f, prev)) {
        out.append(s, prev, pos - prev);
        out += to;
        prev = pos + f.size();
      }
      out.append(s, prev, std::string::npos);
      s = std::move(out);
    }
    return s;
  }

 private:
  std::string prefix_;
  bool cleanup_;
};

class BpeDecoder final : public Decoder {
 public:
  explicit BpeDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  void decodeChain(std::vector<std::string>& tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      std::string& t = tokens[i];
      const std::string with = i + 1 == tokens.size() ? "" : " ";
      std::string out;
      std::size_t prev = 0;
      for (std::size_t pos = t.find(suffix_); !suffix_.empty() && pos != std::string::npos;
           pos = t.find(suffix_, prev)) {
        out.append(t, prev, pos - prev);
        out += with;
        prev = pos + suffix_.size();
      }
      out.append(t, prev, std::string::npos);
      t = std::move(out);
    }
  }

 private:
  std::string suffix_;
};

class SequenceDecoder final : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> items)
      : items_(std::move(items)) {}
  void decodeChain(std::vector<std::string>& tokens) const override {
    for (const auto& d : items_)
      d->decodeChain(tokens);
  }
  bool byteLevel() const override {
    for (const auto& d : items_)
      if (d->byteLevel()) return true;
    return false;
  }

 private:
  std::vector<std::unique_ptr<Decoder>> items_;
};

constexpr const char* kSupported =
    "ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, WordPiece, BPEDecoder, Sequence";

}  // namespace

std::unique_ptr<Decoder> makeDecoder(const Json& j, const LoadContext& ctx, int depth) {
  if (j.is_null()) return nullptr;
  const char* where = "decoder";
  ctx.checkDepth(depth, where);
  const std::string type = ctx.typeOf(j, where);
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Metaspace")
    return std::make_unique<MetaspaceDecoder>(
        ctx.get<std::string>(j, "replacement", "\xE2\x96\x81", where),
        readPrependScheme(j, ctx, where));
  if (type == "Replace") {
    const Json& pattern = ctx.member(j, "pattern", where);
    if (!pattern.is_object() || !pattern.contains("String"))
      ctx.fail("tokenizer.unsupported_decoder", "decoder Replace supports only String patterns");
    return std::make_unique<ReplaceDecoder>(ctx.string(pattern, "String", where),
                                            ctx.string(j, "content", where));
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip")
    return std::make_unique<StripDecoder>(ctx.string(j, "content", where),
                                          ctx.get<std::size_t>(j, "start", 0, where),
                                          ctx.get<std::size_t>(j, "stop", 0, where));
  if (type == "WordPiece")
    return std::make_unique<WordPieceDecoder>(ctx.get<std::string>(j, "prefix", "##", where),
                                              ctx.get<bool>(j, "cleanup", true, where));
  if (type == "BPEDecoder")
    return std::make_unique<BpeDecoder>(ctx.get<std::string>(j, "suffix", "</w>", where));
  if (type == "Sequence") {
    const Json& list = ctx.member(j, "decoders", where);
    if (!list.is_array()) ctx.fail("tokenizer.bad_field", "decoder Sequence needs a list");
    std::vector<std::unique_ptr<Decoder>> items;
    for (const Json& item : list)
      if (auto d = makeDecoder(item, ctx, depth + 1)) items.push_back(std::move(d));
    return std::make_unique<SequenceDecoder>(std::move(items));
  }
  ctx.fail("tokenizer.unsupported_decoder",
           "unsupported decoder type \"" + type + "\" (supported: " + kSupported + ")");
}

}  // namespace strata::tok
