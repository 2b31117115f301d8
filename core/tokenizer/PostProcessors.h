#pragma once
// Post-processors of tokenizer.json ("post_processor"): TemplateProcessing, BertProcessing,
// RobertaProcessing, ByteLevel and Sequence. They add special tokens around a single sequence
// when asked, and may trim the offsets of byte-level tokens (trim_offsets).
#include <memory>

#include "core/tokenizer/LoadContext.h"
#include "core/tokenizer/Tokenizer.h"

namespace strata::tok {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  virtual void process(Encoding& enc, bool addSpecialTokens) const = 0;
};

/// Builds the post-processor described by `j` (null -> nullptr). Throws
/// tokenizer.unsupported_post_processor listing the supported types.
std::unique_ptr<PostProcessor> makePostProcessor(const Json& j, const LoadContext& ctx,
                                                 int depth = 0);

}  // namespace strata::tok
