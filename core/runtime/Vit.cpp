// Placeholder until the Vit family lands: loading such a model reports that it is not
// supported yet.
#include "core/runtime/TransformerInternal.h"
#include "core/util/Error.h"

namespace strata::runtime {

std::unique_ptr<Transformer> makeVit(const ModelConfig& config, const WeightLayout&,
                                     const WeightReader& weights) {
  throw Error("model.unsupported", weights.folder() + ": running " + config.architectureName() +
                                       " models is not implemented yet");
}

}  // namespace strata::runtime
