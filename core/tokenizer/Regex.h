#pragma once
// PCRE2 regex (UTF + Unicode properties, JIT when available) for pre-tokenizer and
// normaliser patterns. Matching is bounded by a match limit: a catastrophic pattern raises
// strata::Error("tokenizer.regex_limit") instead of hanging. Thread-safe after construction.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace strata::tok {

class Regex {
 public:
  /// Throws tokenizer.bad_regex (naming `source` and the pattern) when it does not compile.
  Regex(const std::string& pattern, const std::string& source);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  /// Calls fn(begin, end) for each non-overlapping match, left to right. An empty match
  /// advances by one character. `subject` must be valid UTF-8.
  void forEachMatch(std::string_view subject,
                    const std::function<void(std::size_t, std::size_t)>& fn) const;
  const std::string& pattern() const { return pattern_; }

 private:
  struct Code;
  std::string pattern_;
  std::unique_ptr<Code> code_;
};

}  // namespace strata::tok
