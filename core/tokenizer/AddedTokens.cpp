#include "core/tokenizer/AddedTokens.h"

#include <algorithm>

#include "core/tokenizer/Normalizers.h"
#include "core/tokenizer/Unicode.h"

namespace strata::tok {

namespace {

bool isWordChar(char32_t c) {
  return c == '_' || isAlphanumeric(c);
}

// Character ending at byte `end` of s (end > 0).
char32_t charBefore(std::string_view s, std::size_t end) {
  std::size_t start = end - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80)
    --start;
  std::size_t len = 0;
  return decodeUtf8(s, start, len);
}

}  // namespace

void AddedVocabulary::build(const Normalizer* normalizer) {
  for (auto& set : byFirst_)
    for (auto& list : set)
      list.clear();
  any_[0] = any_[1] = false;
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& t = tokens_[i];
    std::string pattern = t.content;
    if (t.normalized && normalizer) {
      NormalizedString ns(pattern, 0);
      normalizer->normalize(ns);
      pattern = ns.str();
    }
    if (pattern.empty()) continue;
    const int set = t.normalized ? 1 : 0;
    byFirst_[set][static_cast<unsigned char>(pattern[0])].emplace_back(pattern,
                                                                       static_cast<int>(i));
    any_[set] = true;
  }
  for (auto& set : byFirst_)
    for (auto& list : set)
      std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
        return a.first.size() > b.first.size();
      });
}

std::vector<AddedSplit> AddedVocabulary::split(std::string_view text, bool normalizedSet) const {
  std::vector<AddedSplit> out;
  const int set = normalizedSet ? 1 : 0;
  if (!any_[set]) {
    if (!text.empty()) out.push_back({0, text.size(), -1});
    return out;
  }
  std::size_t consumed = 0;  // end of the last emitted stretch
  std::size_t i = 0;
  while (i < text.size()) {
    const auto& candidates = byFirst_[set][static_cast<unsigned char>(text[i])];
    const std::pair<std::string, int>* hit = nullptr;
    for (const auto& c : candidates)
      if (text.compare(i, c.first.size(), c.first) == 0) {
        hit = &c;
        break;
      }
    if (hit == nullptr) {
      ++i;
      continue;
    }
    std::size_t start = i;
    std::size_t stop = i + hit->first.size();
    i = stop;
    const AddedToken& tok = tokens_[static_cast<std::size_t>(hit->second)];
    if (tok.singleWord) {
      std::size_t len = 0;
      const bool wordBefore = start > 0 && isWordChar(charBefore(text, start));
      const bool wordAfter = stop < text.size() && isWordChar(decodeUtf8(text, stop, len));
      if (wordBefore || wordAfter) continue;
    }
    if (start < consumed) continue;  // overlaps the right-stripped spaces of a previous token
    if (tok.lstrip) {
      std::size_t s = start;
      while (s > consumed && isWhitespace(charBefore(text, s))) {
        --s;
        while (s > consumed && (static_cast<unsigned char>(text[s]) & 0xC0) == 0x80)
          --s;
      }
      start = s;
    }
    if (tok.rstrip) {
      std::size_t len = 0;
      while (stop < text.size() && isWhitespace(decodeUtf8(text, stop, len)))
        stop += len;
      i = stop;
    }
    if (consumed < start) out.push_back({consumed, start, -1});
    out.push_back({start, stop, hit->second});
    consumed = stop;
  }
  if (consumed < text.size()) out.push_back({consumed, text.size(), -1});
  return out;
}

}  // namespace strata::tok
