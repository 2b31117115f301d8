#pragma once
// Errors raised by core. Every error carries a stable machine-readable code (tests assert it,
// front-ends may map it) and one human-readable message that names the file and the problem.
#include <stdexcept>
#include <string>

namespace strata {

class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message);
  /// Stable identifier such as "safetensors.header_too_large"; never localised.
  const std::string& code() const noexcept { return code_; }

 private:
  std::string code_;
};

}  // namespace strata
