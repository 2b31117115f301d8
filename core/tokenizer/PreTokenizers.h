#pragma once
// Pre-tokenizers of tokenizer.json ("pre_tokenizer"): ByteLevel, Split, Metaspace,
// BertPreTokenizer, Whitespace, WhitespaceSplit, Punctuation, Digits and Sequence. Each turns
// a list of pieces into a finer list (the model then encodes each piece on its own).
#include <memory>
#include <string>
#include <vector>

#include "core/tokenizer/LoadContext.h"
#include "core/tokenizer/NormalizedString.h"

namespace strata::tok {

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  /// Replaces `pieces` by their split; empty pieces are dropped.
  virtual void preTokenize(std::vector<NormalizedString>& pieces) const = 0;
  /// True when it maps text to the byte-level alphabet (for description()).
  virtual bool byteLevel() const { return false; }
};

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

/// One stretch of a piece: a delimiter match or the text between matches.
struct Segment {
  std::size_t begin, end;
  bool match;
};
/// Applies HF's SplitDelimiterBehavior to segments that cover a piece; returns byte ranges.
std::vector<std::pair<std::size_t, std::size_t>> applyBehavior(std::vector<Segment> segs,
                                                               SplitBehavior behavior, bool invert);
/// Maps every byte to the byte-level alphabet ("Ġ" for ' '), keeping alignments.
void mapToByteLevel(NormalizedString& s);

/// Metaspace parameters, shared with the Metaspace decoder.
enum class PrependScheme { Always, First, Never };
PrependScheme readPrependScheme(const Json& j, const LoadContext& ctx, const char* where);

/// Builds the pre-tokenizer described by `j` (null -> nullptr). Throws
/// tokenizer.unsupported_pre_tokenizer listing the supported types.
std::unique_ptr<PreTokenizer> makePreTokenizer(const Json& j, const LoadContext& ctx,
                                               int depth = 0);

}  // namespace strata::tok
