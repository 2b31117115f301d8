#include "core/tokenizer/Regex.h"

#include <pcre2.h>

#include "core/tokenizer/Utf8.h"
#include "core/util/Error.h"

namespace strata::tok {

namespace {
// Generous for real tokenizer patterns (linear), small enough that exponential backtracking
// stops within a fraction of a second.
constexpr std::uint32_t kMatchLimit = 5'000'000;
constexpr std::uint32_t kDepthLimit = 100'000;

std::string pcreMessage(int code) {
  PCRE2_UCHAR buf[256];
  pcre2_get_error_message(code, buf, sizeof buf);
  return std::string(reinterpret_cast<const char*>(buf));
}
}  // namespace

struct Regex::Code {
  pcre2_code* code = nullptr;
  pcre2_match_context* mctx = nullptr;
  ~Code() {
    if (mctx) pcre2_match_context_free(mctx);
    if (code) pcre2_code_free(code);
  }
};

Regex::Regex(const std::string& pattern, const std::string& source)
    : pattern_(pattern), code_(std::make_unique<Code>()) {
  int err = 0;
  PCRE2_SIZE errOffset = 0;
  code_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                              PCRE2_UTF | PCRE2_UCP, &err, &errOffset, nullptr);
  if (code_->code == nullptr)
    throw Error("tokenizer.bad_regex", source + ": invalid regex \"" + pattern + "\" at offset " +
                                           std::to_string(errOffset) + ": " + pcreMessage(err));
  pcre2_jit_compile(code_->code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter
  code_->mctx = pcre2_match_context_create(nullptr);
  pcre2_set_match_limit(code_->mctx, kMatchLimit);
  pcre2_set_depth_limit(code_->mctx, kDepthLimit);
}

Regex::~Regex() = default;

void Regex::forEachMatch(std::string_view subject,
                         const std::function<void(std::size_t, std::size_t)>& fn) const {
  if (subject.empty()) return;
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(code_->code, nullptr);
  struct Guard {
    pcre2_match_data* m;
    ~Guard() { pcre2_match_data_free(m); }
  } guard{md};
  const auto* data = reinterpret_cast<PCRE2_SPTR>(subject.data());
  std::size_t pos = 0;
  while (pos <= subject.size()) {
    const int rc =
        pcre2_match(code_->code, data, subject.size(), pos, PCRE2_NO_UTF_CHECK, md, code_->mctx);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
          rc == PCRE2_ERROR_JIT_STACKLIMIT)
        throw Error("tokenizer.regex_limit",
                    "regex \"" + pattern_ + "\" exceeded its match limit: " + pcreMessage(rc));
      throw Error("tokenizer.regex_error", "regex \"" + pattern_ + "\": " + pcreMessage(rc));
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    const std::size_t b = ov[0];
    const std::size_t e = ov[1];
    fn(b, e);
    if (e > b) {
      pos = e;
    } else {
      if (b >= subject.size()) break;
      pos = b + utf8Len(static_cast<unsigned char>(subject[b]));
    }
  }
}

}  // namespace strata::tok
