#pragma once
// Internal to core/io: checks run on untrusted JSON text before a DOM is built.
// nlohmann::json keeps the last of duplicate keys silently and its DOM is built without a
// depth limit, so a SAX pass first rejects duplicates (a tensor listed twice must not be
// resolved by whichever entry happens to come last) and bounds the nesting depth.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace strata::io_detail {

struct JsonScan {
  enum class Status { Ok, Invalid, TooDeep, DuplicateKey };
  Status status = Status::Ok;
  std::string detail;             ///< parser message for Invalid
  std::string key;                ///< the duplicated key
  std::vector<std::string> path;  ///< keys of the objects enclosing the duplicate
};

/// Strict JSON (one value, whitespace around it) with at most `maxDepth` nested
/// objects/arrays and no object holding the same key twice.
JsonScan scanJson(std::string_view text, std::size_t maxDepth);

/// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points above
/// U+10FFFF). On failure `*badOffset` receives the offset of the first bad byte.
bool isValidUtf8(std::string_view s, std::size_t* badOffset = nullptr) noexcept;

}  // namespace strata::io_detail
