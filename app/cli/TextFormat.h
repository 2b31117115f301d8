#pragma once
// Small helpers for the CLI's human-readable output.
#include <cstdint>
#include <string>
#include <string_view>

namespace strata::cli {

/// Quotes UTF-8 text for a terminal: escapes \n, \t, \r, ", \\ and other control bytes;
/// invalid UTF-8 bytes are shown as \xNN.
std::string quoteText(std::string_view text);
/// Number of code points in UTF-8 text (terminal columns for non-wide scripts).
std::size_t displayWidth(std::string_view text);
/// 1234567 -> "1,234,567".
std::string groupedNumber(std::int64_t n);
/// Binary-unit byte size ("4.2 MiB").
std::string byteSize(std::uint64_t bytes);

}  // namespace strata::cli
