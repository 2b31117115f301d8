#pragma once
// UTF-8 helpers and the GPT-2 byte-level alphabet (each byte 0..255 is shown as one printable
// code point, e.g. ' ' -> 'Ġ'). Internal to core/tokenizer.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/util/Utf8.h"

namespace strata::tok {

using strata::findInvalidUtf8;

/// Length in bytes of the UTF-8 sequence that starts with `lead` (1 for stray bytes).
inline std::size_t utf8Len(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

/// Decodes the code point at s[i] (valid UTF-8 assumed); `len` receives its byte length.
char32_t decodeUtf8(std::string_view s, std::size_t i, std::size_t& len);
void appendUtf8(std::string& out, char32_t c);
std::size_t countChars(std::string_view s);

/// byte -> UTF-8 of its byte-level code point.
const std::array<std::string, 256>& byteLevelAlphabet();
/// Inverse of byteLevelAlphabet(): the byte for a code point, or -1 when it is not one.
int byteLevelByte(char32_t c);

}  // namespace strata::tok
