#pragma once
// UTF-8 validation shared by every reader of text from files (safetensors headers, index
// files, tokenizer input).
#include <cstddef>
#include <string_view>

namespace strata {

/// Offset of the first invalid byte, or npos when `s` is valid UTF-8 (no surrogates, no
/// overlongs, nothing past U+10FFFF).
std::size_t findInvalidUtf8(std::string_view s);

}  // namespace strata
