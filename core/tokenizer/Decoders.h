#pragma once
// Decoders of tokenizer.json ("decoder"): ByteLevel, Metaspace, Replace, ByteFallback, Fuse,
// Strip, WordPiece, BPEDecoder and Sequence. As in HF, each rewrites the list of token
// strings (decode_chain) and the result is their concatenation.
#include <memory>
#include <string>
#include <vector>

#include "core/tokenizer/LoadContext.h"

namespace strata::tok {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void decodeChain(std::vector<std::string>& tokens) const = 0;
  virtual bool byteLevel() const { return false; }
};

/// Builds the decoder described by `j` (null -> nullptr). Throws
/// tokenizer.unsupported_decoder listing the supported types.
std::unique_ptr<Decoder> makeDecoder(const Json& j, const LoadContext& ctx, int depth = 0);

}  // namespace strata::tok
