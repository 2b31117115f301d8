#pragma once
// A piece of text being normalised, with its alignment to the original input: like Hugging
// Face's NormalizedString, every byte of the normalised text maps to the byte range [first,
// second) of the original UTF-8 text it came from (absolute offsets in the encode() input).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/tokenizer/Utf8.h"

namespace strata::tok {

using Span = std::pair<std::uint32_t, std::uint32_t>;

class NormalizedString {
 public:
  NormalizedString() = default;
  /// `text` is original[offset, offset + text.size()); each byte maps to its whole character.
  NormalizedString(std::string_view text, std::size_t offset);
  NormalizedString(std::string text, std::vector<Span> align)
      : text_(std::move(text)), align_(std::move(align)) {}

  const std::string& str() const { return text_; }
  const std::vector<Span>& alignments() const { return align_; }
  bool empty() const { return text_.empty(); }
  std::size_t size() const { return text_.size(); }

  /// Original byte range of normalised bytes [begin, end).
  Span originalRange(std::size_t begin, std::size_t end) const;
  /// Sub-string of normalised bytes [begin, end), keeping alignments.
  NormalizedString slice(std::size_t begin, std::size_t end) const;

  /// Rewrites every character: fn(char32_t c, std::string& out) appends its replacement
  /// (zero or more characters), all aligned to the character's original range.
  template <typename Fn>
  void mapChars(Fn&& fn);
  /// Inserts `s` in front, aligned to the first character (HF's prepend). No-op when empty.
  void prepend(std::string_view s);
  /// Replaces each non-overlapping occurrence of `pattern` by `content`.
  void replace(std::string_view pattern, std::string_view content);
  /// Replaces byte ranges (sorted, non-overlapping) by `content`.
  void replaceRanges(const std::vector<std::pair<std::size_t, std::size_t>>& ranges,
                     std::string_view content);

 private:
  std::string text_;
  std::vector<Span> align_;
};

template <typename Fn>
void NormalizedString::mapChars(Fn&& fn) {
  std::string out;
  std::vector<Span> align;
  out.reserve(text_.size());
  align.reserve(text_.size());
  std::string piece;
  for (std::size_t i = 0; i < text_.size();) {
    std::size_t len = 0;
    const char32_t c = decodeUtf8(text_, i, len);
    piece.clear();
    fn(c, piece);
    const Span span{align_[i].first, align_[i + len - 1].second};
    out += piece;
    align.insert(align.end(), piece.size(), span);
    i += len;
  }
  text_ = std::move(out);
  align_ = std::move(align);
}

}  // namespace strata::tok
