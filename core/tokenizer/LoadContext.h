#pragma once
// Shared helpers for reading tokenizer.json: every error names the file (`source`) and the
// JSON path of the offending component, and nested Sequence components are bounded.
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "core/util/Error.h"

namespace strata::tok {

using Json = nlohmann::json;

/// Deepest allowed nesting of Sequence normalizers / pre-tokenizers / decoders / processors.
inline constexpr int kMaxSequenceDepth = 32;

struct LoadContext {
  std::string source;  ///< file name for messages

  [[noreturn]] void fail(const std::string& code, const std::string& what) const {
    throw Error(code, source + ": " + what);
  }
  /// Throws tokenizer.too_deep when a Sequence nests deeper than kMaxSequenceDepth.
  void checkDepth(int depth, std::string_view where) const {
    if (depth > kMaxSequenceDepth)
      fail("tokenizer.too_deep", std::string(where) + " nests Sequence deeper than " +
                                     std::to_string(kMaxSequenceDepth) + " levels");
  }
  const Json& member(const Json& obj, const char* key, std::string_view where) const {
    if (!obj.is_object() || !obj.contains(key))
      fail("tokenizer.bad_field", std::string(where) + " lacks \"" + key + "\"");
    return obj.at(key);
  }
  std::string string(const Json& obj, const char* key, std::string_view where) const {
    const Json& v = member(obj, key, where);
    if (!v.is_string())
      fail("tokenizer.bad_field", std::string(where) + ".\"" + key + "\" must be a string");
    return v.get<std::string>();
  }
  /// Optional member with a default; null counts as absent.
  template <typename T>
  T get(const Json& obj, const char* key, T fallback, std::string_view where) const {
    if (!obj.is_object() || !obj.contains(key) || obj.at(key).is_null()) return fallback;
    try {
      return obj.at(key).get<T>();
    } catch (const nlohmann::json::exception&) {
      fail("tokenizer.bad_field", std::string(where) + ".\"" + key + "\" has the wrong type");
    }
  }
  std::string typeOf(const Json& obj, std::string_view where) const {
    return string(obj, "type", where);
  }
};

}  // namespace strata::tok
