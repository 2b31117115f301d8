#include "core/util/Error.h"

#include <utility>

namespace strata {

Error::Error(std::string code, const std::string& message)
    : std::runtime_error(message), code_(std::move(code)) {}

}  // namespace strata
