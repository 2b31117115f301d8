#pragma once
// Normalisers of tokenizer.json ("normalizer"): BertNormalizer, NFC/NFD/NFKC/NFKD, Lowercase,
// StripAccents, Strip, Prepend, Replace and Sequence. Each rewrites a NormalizedString in
// place, keeping its alignment to the original text.
#include <memory>

#include "core/tokenizer/LoadContext.h"
#include "core/tokenizer/NormalizedString.h"

namespace strata::tok {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(NormalizedString& s) const = 0;
};

/// Builds the normaliser described by `j` (null -> nullptr). Throws
/// tokenizer.unsupported_normalizer listing the supported types.
std::unique_ptr<Normalizer> makeNormalizer(const Json& j, const LoadContext& ctx, int depth = 0);

}  // namespace strata::tok
