#include <sstream>

#include "core/runtime/TransformerInternal.h"
#include "core/util/Error.h"

namespace strata::runtime {

namespace {
std::string shapeText(at::IntArrayRef shape) {
  std::ostringstream s;
  s << "[";
  for (std::size_t i = 0; i < shape.size(); ++i)
    s << (i ? ", " : "") << shape[i];
  s << "]";
  return s.str();
}
}  // namespace

WeightReader::WeightReader(const Checkpoint& checkpoint, std::string folder, WeightOptions options)
    : checkpoint_(checkpoint), folder_(std::move(folder)), options_(options) {}

bool WeightReader::has(const std::string& name) const {
  return checkpoint_.contains(name);
}

at::Tensor WeightReader::get(const std::string& name, at::IntArrayRef expectedShape) const {
  if (!checkpoint_.contains(name))
    throw Error("model.missing_tensor", folder_ + ": the weights have no tensor '" + name + "'");
  const TensorInfo& info = checkpoint_.info(name);
  if (at::IntArrayRef(info.shape) != expectedShape)
    throw Error("model.shape_mismatch", folder_ + ": tensor '" + name + "' has shape " +
                                            shapeText(info.shape) + ", the config implies " +
                                            shapeText(expectedShape));
  // Convert straight from the mapping into the tensor (no intermediate vector), then let the
  // kernel drop the file pages just read, so loading peaks near the weights' own size.
  const SafetensorsFile& file = checkpoint_.fileOf(name);
  const auto bytes = file.bytes(name);
  at::Tensor t = at::empty(info.shape, at::kFloat);
  convertToFloat(info.dtype, bytes.data(), static_cast<std::size_t>(t.numel()),
                 t.data_ptr<float>());
  file.releasePages(name);
  return t.to(options_.device, options_.dtype).contiguous();
}

std::optional<at::Tensor> WeightReader::getOptional(const std::string& name,
                                                    at::IntArrayRef expectedShape) const {
  if (!has(name)) return std::nullopt;
  return get(name, expectedShape);
}

}  // namespace strata::runtime
