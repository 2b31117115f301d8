#pragma once
// Unicode character classes and transforms (via ICU) with the definitions Hugging Face
// tokenizers uses (Rust's char methods), so that normalisers and pre-tokenizers agree with it.
#include <string>
#include <string_view>

#include "core/tokenizer/NormalizedString.h"

namespace strata::tok {

bool isWhitespace(char32_t c);       ///< Unicode White_Space (Rust char::is_whitespace)
bool isOther(char32_t c);            ///< general category C* (Cc, Cf, Cs, Co, Cn)
bool isPunctuation(char32_t c);      ///< general category P*
bool isBertPunctuation(char32_t c);  ///< ASCII punctuation or P* (BertPreTokenizer)
bool isMarkNonspacing(char32_t c);   ///< Mn
bool isAlphanumeric(char32_t c);     ///< Alphabetic or N* (Rust char::is_alphanumeric)
bool isChineseChar(char32_t c);      ///< CJK ideograph blocks, as BERT defines them
bool isDigit(char32_t c);            ///< Nd
/// Full lower-case mapping of one character (may be several characters), appended to out.
void appendLower(char32_t c, std::string& out);

enum class NormalForm { NFC, NFD, NFKC, NFKD };
/// Unicode normalisation keeping alignments: the text is cut at normalisation boundaries and
/// each segment's output maps to the segment's original range.
void normalizeUnicode(NormalizedString& s, NormalForm form);

}  // namespace strata::tok
