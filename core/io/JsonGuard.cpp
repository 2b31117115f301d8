#include "core/io/JsonGuard.h"

#include "core/util/Utf8.h"

#include <nlohmann/json.hpp>
#include <unordered_set>

namespace strata::io_detail {

namespace {

class ScanHandler : public nlohmann::json_sax<nlohmann::json> {
 public:
  ScanHandler(JsonScan& out, std::size_t maxDepth) : out_(out), maxDepth_(maxDepth) {}

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }

  bool start_object(std::size_t) override {
    if (!enter()) return false;
    levels_.push_back(Level{true, {}, {}});
    return true;
  }
  bool key(string_t& k) override {
    Level& level = levels_.back();
    if (!level.keys.insert(k).second) {
      out_.status = JsonScan::Status::DuplicateKey;
      out_.key = k;
      for (std::size_t i = 0; i + 1 < levels_.size(); ++i) {
        if (levels_[i].isObject) out_.path.push_back(levels_[i].lastKey);
      }
      return false;
    }
    level.lastKey = k;
    return true;
  }
  bool end_object() override {
    levels_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    if (!enter()) return false;
    levels_.push_back(Level{false, {}, {}});
    return true;
  }
  bool end_array() override {
    levels_.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    out_.status = JsonScan::Status::Invalid;
    out_.detail = ex.what();
    return false;
  }

 private:
  struct Level {
    bool isObject;
    std::unordered_set<std::string> keys;
    std::string lastKey;
  };

  bool enter() {
    if (levels_.size() >= maxDepth_) {
      out_.status = JsonScan::Status::TooDeep;
      return false;
    }
    return true;
  }

  JsonScan& out_;
  std::size_t maxDepth_;
  std::vector<Level> levels_;
};

}  // namespace

JsonScan scanJson(std::string_view text, std::size_t maxDepth) {
  JsonScan out;
  // nlohmann's lexer takes a NUL byte for the end of input and would silently ignore
  // whatever follows it; raw NUL is never valid JSON, so refuse it up front.
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    out.status = JsonScan::Status::Invalid;
    out.detail = "NUL byte at offset " + std::to_string(nul);
    return out;
  }
  ScanHandler handler(out, maxDepth);
  const bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), &handler,
                                            nlohmann::json::input_format_t::json, true);
  if (!ok && out.status == JsonScan::Status::Ok) {
    out.status = JsonScan::Status::Invalid;
    out.detail = "invalid JSON";
  }
  return out;
}

bool isValidUtf8(std::string_view s, std::size_t* badOffset) noexcept {
  const std::size_t bad = findInvalidUtf8(s);
  if (bad != std::string_view::npos && badOffset) *badOffset = bad;
  return bad == std::string_view::npos;
}

}  // namespace strata::io_detail
