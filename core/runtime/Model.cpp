#include "core/runtime/Model.h"

#include <ATen/Parallel.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/image/ImageDecoder.h"
#include "core/io/Checkpoint.h"
#include "core/model/ModelWeights.h"
#include "core/runtime/ModelImplInternal.h"
#include "core/util/Error.h"

namespace strata {

namespace fs = std::filesystem;

namespace {

std::string gib(std::uint64_t bytes) {
  std::ostringstream s;
  s.precision(2);
  s << std::fixed << static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0) << " GiB";
  return s.str();
}

/// MemAvailable from /proc/meminfo, or 0 when it cannot be read.
std::uint64_t availableMemory() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit)
    if (key == "MemAvailable:") return kb * 1024;
  return 0;
}

std::unique_ptr<runtime::Transformer> makeNet(const ModelConfig& config, const WeightLayout& layout,
                                              const runtime::WeightReader& weights) {
  switch (config.architecture) {
    case Architecture::GPT2:
      return runtime::makeGpt2(config, layout, weights);
    case Architecture::Llama:
    case Architecture::Mistral:
    case Architecture::Qwen2:
      return runtime::makeLlama(config, layout, weights);
    case Architecture::Bert:
    case Architecture::Roberta:
      return runtime::makeBert(config, layout, weights);
    case Architecture::ViT:
      return runtime::makeVit(config, layout, weights);
  }
  throw Error("model.unsupported", weights.folder() + ": unsupported architecture");
}

/// Positions a text model accepts (RoBERTa reserves padding_idx + 1 of them).
std::int64_t usablePositions(const ModelConfig& c) {
  return c.maxPositions - (c.architecture == Architecture::Roberta ? c.positionOffset : 0);
}

}  // namespace

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

std::shared_ptr<const Model> Model::load(const std::string& folder, const LoadOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->folder = folder;
  impl->options = options;
  if (options.device == ComputeDevice::CUDA) {
    if (!at::hasCUDA())
      throw Error("model.no_cuda", folder +
                                       ": --device cuda was asked for, but this LibTorch "
                                       "build has no CUDA support or no GPU is visible");
    impl->device = at::kCUDA;
  }
  impl->dtype = options.precision == Precision::BF16 ? at::kBFloat16 : at::kFloat;

  if (!fs::is_directory(folder))
    throw Error("model.no_such_folder", folder + ": no such model folder");
  impl->config = loadModelConfig((fs::path(folder) / "config.json").string());
  const Checkpoint checkpoint = Checkpoint::openFolder(folder);
  const std::vector<TensorInfo> tensors = checkpoint.tensors();
  validateWeights(impl->config, tensors, folder);
  const WeightLayout layout = detectWeightLayout(impl->config, tensors, folder);
  const runtime::WeightReader reader(checkpoint, folder, {impl->dtype, impl->device});
  impl->net = makeNet(impl->config, layout, reader);

  const fs::path tok = fs::path(folder) / "tokenizer.json";
  if (fs::exists(tok)) impl->tokenizer = std::make_unique<Tokenizer>(Tokenizer::fromFile(tok));
  if (impl->config.architecture == Architecture::ViT &&
      fs::exists(fs::path(folder) / "preprocessor_config.json"))
    impl->imageProcessor =
        std::make_unique<VitImageProcessor>(VitImageProcessor::fromFolder(folder));
  return std::shared_ptr<const Model>(new Model(std::move(impl)));
}

const std::string& Model::folder() const {
  return impl_->folder;
}
const ModelConfig& Model::config() const {
  return impl_->config;
}
const LoadOptions& Model::options() const {
  return impl_->options;
}
int Model::numLayers() const {
  return static_cast<int>(impl_->config.numLayers);
}
int Model::numHeads() const {
  return static_cast<int>(impl_->config.numHeads);
}
bool Model::isCausal() const {
  return impl_->config.isDecoder();
}
bool Model::isVision() const {
  return impl_->config.architecture == Architecture::ViT;
}
const Tokenizer* Model::tokenizer() const {
  return impl_->tokenizer.get();
}

FloatArray Model::imageInput(const std::string& imagePath) const {
  if (!isVision())
    throw Error("run.wrong_input", impl_->folder + ": " + impl_->config.architectureName() +
                                       " models take text, not images");
  if (!impl_->imageProcessor)
    throw Error("image.processor_not_found",
                impl_->folder + ": no preprocessor_config.json, so images cannot be prepared");
  return impl_->imageProcessor->preprocess(ImageDecoder::decodeFile(imagePath));
}

std::uint64_t Model::estimateRunBytes(std::int64_t tokens, const CaptureOptions& options) const {
  const ModelConfig& c = impl_->config;
  const auto T = static_cast<std::uint64_t>(tokens);
  const auto D = static_cast<std::uint64_t>(c.hiddenSize);
  const auto H = static_cast<std::uint64_t>(c.numHeads);
  const auto I = static_cast<std::uint64_t>(c.intermediateSize);
  const auto L = static_cast<std::uint64_t>(c.numLayers);
  const auto V = static_cast<std::uint64_t>(isVision() ? c.labels.size() : c.vocabSize);
  const std::uint64_t stored = (L + 1) * T * D * (options.hiddenF16 ? 2 : 4) +
                               options.attentionLayers.size() * H * T * T * 4;
  const std::uint64_t logits = options.logits ? (isVision() ? V : T * V) * 4 * 2 : 0;
  // One block's working set: q, k, v, context and residual copies, scores and probabilities,
  // the MLP's hidden activations (gate and up for SwiGLU).
  const std::uint64_t block = 8 * T * D * 4 + 2 * H * T * T * 4 + 3 * T * I * 4;
  return stored + logits + block;
}

std::shared_ptr<const Trace> Model::run(const ModelInput& input,
                                        const CaptureOptions& options) const {
  const ModelConfig& c = impl_->config;
  const std::string& where = impl_->folder;
  std::int64_t T = 0;
  if (isVision()) {
    if (!input.ids.empty())
      throw Error("run.wrong_input", where + ": a ViT takes an image, not token ids");
    const std::vector<std::int64_t> want = {c.numChannels, c.imageSize, c.imageSize};
    if (input.pixels.shape != want || input.pixels.numel() != FloatArray::countOf(want))
      throw Error("run.wrong_input",
                  where + ": pixel_values must be [" + std::to_string(c.numChannels) + ", " +
                      std::to_string(c.imageSize) + ", " + std::to_string(c.imageSize) + "]");
    T = c.numPatches() + 1;
  } else {
    if (!input.pixels.empty())
      throw Error("run.wrong_input", where + ": a text model takes token ids, not an image");
    T = static_cast<std::int64_t>(input.ids.size());
    if (T == 0) throw Error("run.empty_input", where + ": the input has no tokens");
    const std::int64_t maxT = usablePositions(c);
    if (T > maxT)
      throw Error("run.too_long", where + ": the input has " + std::to_string(T) +
                                      " tokens, the model accepts at most " + std::to_string(maxT));
    for (std::size_t i = 0; i < input.ids.size(); ++i)
      if (input.ids[i] < 0 || input.ids[i] >= c.vocabSize)
        throw Error("run.bad_token", where + ": token id " + std::to_string(input.ids[i]) +
                                         " at position " + std::to_string(i) +
                                         " is outside the vocabulary (size " +
                                         std::to_string(c.vocabSize) + ")");
    if (!input.tokenTypeIds.empty()) {
      if (static_cast<std::int64_t>(input.tokenTypeIds.size()) != T)
        throw Error("run.wrong_input", where + ": token type ids and ids differ in length");
      for (auto t : input.tokenTypeIds)
        if (t < 0 || t >= std::max<std::int64_t>(c.typeVocabSize, 1))
          throw Error("run.wrong_input",
                      where + ": token type id " + std::to_string(t) + " is out of range");
    }
  }
  const std::uint64_t need = estimateRunBytes(T, options);
  const std::uint64_t avail = availableMemory();
  if (avail != 0 && need > avail)
    throw Error("run.out_of_memory", where + ": a run over " + std::to_string(T) +
                                         " positions needs an estimated " + gib(need) + ", only " +
                                         gib(avail) + " of memory is available");

  c10::InferenceMode guard;
  const runtime::Transformer& net = *impl_->net;
  auto trace = std::make_unique<Trace::Impl>();
  trace->model = shared_from_this();
  trace->seqLen = T;
  const at::ScalarType keep = options.hiddenF16 ? at::kHalf : at::kFloat;
  auto store = [&](const at::Tensor& x) {
    trace->hidden.push_back(x.to(at::kCPU, keep).contiguous());
  };
  at::Tensor x = net.embed(input);
  store(x);
  const int L = numLayers();
  std::vector<bool> keepAttention(static_cast<std::size_t>(L), false);
  for (int l : options.attentionLayers) {
    if (l < 0 || l >= L)
      throw Error("run.bad_layer", where + ": attention layer " + std::to_string(l) +
                                       " is out of range 0.." + std::to_string(L - 1));
    keepAttention[static_cast<std::size_t>(l)] = true;
  }
  for (int l = 0; l < L; ++l) {
    at::Tensor probs;
    x = net.block(l, x, keepAttention[static_cast<std::size_t>(l)] ? &probs : nullptr);
    if (probs.defined()) trace->attention[l] = probs.to(at::kCPU, at::kFloat).contiguous();
    if (l + 1 < L) store(x);
  }
  const at::Tensor last = net.finalHidden(x);
  store(last);
  if (options.logits && net.hasLogits()) trace->logits = runtime::toFloatArray(net.logits(last));
  return std::make_shared<const Trace>(std::move(trace));
}

}  // namespace strata
