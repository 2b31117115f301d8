#include "core/tokenizer/Unicode.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/ustring.h>

#include <stdexcept>

#include "core/util/Error.h"

namespace strata::tok {

bool isWhitespace(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D);
  return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE) != 0;
}

bool isOther(char32_t c) {
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_SURROGATE:
    case U_PRIVATE_USE_CHAR:
    case U_UNASSIGNED:
      return true;
    default:
      return false;
  }
}

bool isPunctuation(char32_t c) {
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_CONNECTOR_PUNCTUATION:
    case U_DASH_PUNCTUATION:
    case U_START_PUNCTUATION:
    case U_END_PUNCTUATION:
    case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION:
    case U_OTHER_PUNCTUATION:
      return true;
    default:
      return false;
  }
}

bool isBertPunctuation(char32_t c) {
  if (c < 0x80)
    return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
           (c >= 123 && c <= 126);
  return isPunctuation(c);
}

bool isMarkNonspacing(char32_t c) {
  return u_charType(static_cast<UChar32>(c)) == U_NON_SPACING_MARK;
}

bool isAlphanumeric(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  if (u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_ALPHABETIC)) return true;
  const auto t = u_charType(static_cast<UChar32>(c));
  return t == U_DECIMAL_DIGIT_NUMBER || t == U_LETTER_NUMBER || t == U_OTHER_NUMBER;
}

bool isChineseChar(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

bool isDigit(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  return u_charType(static_cast<UChar32>(c)) == U_DECIMAL_DIGIT_NUMBER;
}

void appendLower(char32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
    return;
  }
  // Full (not simple) case mapping, as Rust's char::to_lowercase: 'İ' -> "i̇".
  UChar src[2];
  int32_t srcLen = 0;
  U16_APPEND_UNSAFE(src, srcLen, static_cast<UChar32>(c));
  UChar dst[8];
  UErrorCode status = U_ZERO_ERROR;
  const int32_t n = u_strToLower(dst, 8, src, srcLen, "", &status);
  if (U_FAILURE(status) || n > 8) {
    appendUtf8(out, c);
    return;
  }
  for (int32_t i = 0; i < n;) {
    UChar32 cp = 0;
    U16_NEXT_UNSAFE(dst, i, cp);
    appendUtf8(out, static_cast<char32_t>(cp));
  }
}

namespace {

const icu::Normalizer2& instance(NormalForm form) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = nullptr;
  switch (form) {
    case NormalForm::NFC:
      n = icu::Normalizer2::getNFCInstance(status);
      break;
    case NormalForm::NFD:
      n = icu::Normalizer2::getNFDInstance(status);
      break;
    case NormalForm::NFKC:
      n = icu::Normalizer2::getNFKCInstance(status);
      break;
    case NormalForm::NFKD:
      n = icu::Normalizer2::getNFKDInstance(status);
      break;
  }
  if (U_FAILURE(status) || n == nullptr)
    throw Error("tokenizer.icu", std::string("ICU normaliser unavailable: ") + u_errorName(status));
  return *n;
}

}  // namespace

void normalizeUnicode(NormalizedString& s, NormalForm form) {
  const icu::Normalizer2& norm = instance(form);
  const std::string& text = s.str();
  // Fast path: ASCII is invariant under every form.
  bool ascii = true;
  for (const char ch : text)
    if (static_cast<unsigned char>(ch) >= 0x80) {
      ascii = false;
      break;
    }
  if (ascii) return;
  UErrorCode status = U_ZERO_ERROR;
  const icu::UnicodeString whole = icu::UnicodeString::fromUTF8(text);
  if (norm.isNormalized(whole, status) && U_SUCCESS(status)) return;

  std::string out;
  std::vector<Span> align;
  out.reserve(text.size() + text.size() / 4);
  align.reserve(out.capacity());
  const auto& al = s.alignments();
  auto flush = [&](std::size_t begin, std::size_t end) {
    if (begin == end) return;
    UErrorCode st = U_ZERO_ERROR;
    const icu::UnicodeString seg = icu::UnicodeString::fromUTF8(
        icu::StringPiece(text.data() + begin, static_cast<int32_t>(end - begin)));
    const icu::UnicodeString res = norm.normalize(seg, st);
    if (U_FAILURE(st)) throw Error("tokenizer.icu", std::string("ICU: ") + u_errorName(st));
    const std::size_t before = out.size();
    res.toUTF8String(out);
    align.insert(align.end(), out.size() - before, Span{al[begin].first, al[end - 1].second});
  };
  std::size_t segStart = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t len = 0;
    const char32_t c = decodeUtf8(text, i, len);
    if (i > segStart && norm.hasBoundaryBefore(static_cast<UChar32>(c))) {
      flush(segStart, i);
      segStart = i;
    }
    i += len;
  }
  flush(segStart, text.size());
  s = NormalizedString(std::move(out), std::move(align));
}

}  // namespace strata::tok
