#include "core/tokenizer/NormalizedString.h"

#include <algorithm>

#include "core/tokenizer/Utf8.h"

namespace strata::tok {

NormalizedString::NormalizedString(std::string_view text, std::size_t offset) : text_(text) {
  align_.resize(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = std::min(utf8Len(static_cast<unsigned char>(text[i])), text.size() - i);
    const Span span{static_cast<std::uint32_t>(offset + i),
                    static_cast<std::uint32_t>(offset + i + len)};
    for (std::size_t k = 0; k < len; ++k)
      align_[i + k] = span;
    i += len;
  }
}

Span NormalizedString::originalRange(std::size_t begin, std::size_t end) const {
  if (align_.empty()) return {0, 0};
  if (begin >= end) {
    const std::uint32_t at = begin < align_.size() ? align_[begin].first : align_.back().second;
    return {at, at};
  }
  return {align_[begin].first, align_[end - 1].second};
}

NormalizedString NormalizedString::slice(std::size_t begin, std::size_t end) const {
  return NormalizedString(text_.substr(begin, end - begin),
                          std::vector<Span>(align_.begin() + static_cast<std::ptrdiff_t>(begin),
                                            align_.begin() + static_cast<std::ptrdiff_t>(end)));
}

void NormalizedString::prepend(std::string_view s) {
  if (text_.empty() || s.empty()) return;
  const std::size_t first = utf8Len(static_cast<unsigned char>(text_[0]));
  const Span span{align_[0].first, align_[std::min(first, align_.size()) - 1].second};
  text_.insert(0, s);
  align_.insert(align_.begin(), s.size(), span);
}

void NormalizedString::replace(std::string_view pattern, std::string_view content) {
  if (pattern.empty()) return;
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  for (std::size_t pos = text_.find(pattern); pos != std::string::npos;
       pos = text_.find(pattern, pos + pattern.size()))
    ranges.emplace_back(pos, pos + pattern.size());
  replaceRanges(ranges, content);
}

void NormalizedString::replaceRanges(const std::vector<std::pair<std::size_t, std::size_t>>& ranges,
                                     std::string_view content) {
  if (ranges.empty()) return;
  std::string out;
  std::vector<Span> align;
  out.reserve(text_.size());
  align.reserve(text_.size());
  std::size_t prev = 0;
  for (const auto& [b, e] : ranges) {
    out.append(text_, prev, b - prev);
    align.insert(align.end(), align_.begin() + static_cast<std::ptrdiff_t>(prev),
                 align_.begin() + static_cast<std::ptrdiff_t>(b));
    if (b < e) {
      // All replacement bytes cover the whole matched range.
      out.append(content);
      align.insert(align.end(), content.size(), Span{align_[b].first, align_[e - 1].second});
    }
    prev = e;
  }
  out.append(text_, prev, std::string::npos);
  align.insert(align.end(), align_.begin() + static_cast<std::ptrdiff_t>(prev), align_.end());
  text_ = std::move(out);
  align_ = std::move(align);
}

}  // namespace strata::tok
