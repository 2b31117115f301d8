#pragma once
// A loaded transformer and its forward pass with per-layer capture. Public API: no LibTorch.
//
// Conventions follow Hugging Face transformers:
//   - hidden(i), i = 0..L, is `output_hidden_states[i]`: index 0 the embeddings, index l the
//     output of block l; the last entry is after the final norm where HF applies it (GPT-2
//     ln_f, Llama norm) and before it where HF does not (BERT has none; ViT's layernorm is
//     applied after the encoder, so hidden(L) is pre-norm, as in ViTModel).
//   - attention(l), l = 0..L-1, is `output_attentions[l]`: softmax probabilities [H, T, T]
//     (query rows, key columns), computed on demand from hidden(l), the stored input of
//     block l, so a long input never needs all layers' attention at once.
//   - logits: [T, V] for language models (GPT-2, Llama family; BERT/RoBERTa masked-LM head
//     when the checkpoint has it), [1, num_labels] for ViT image classification (CLS token).
//
// Threading: a Model is immutable after load(); run() and Trace's methods may be called from
// any one thread at a time per object (the GUI's engine thread owns them).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/model/ModelConfig.h"
#include "core/util/FloatArray.h"

namespace strata {

class Tokenizer;
class Trace;

enum class ComputeDevice : std::uint8_t { CPU, CUDA };
enum class Precision : std::uint8_t { F32, BF16 };

struct LoadOptions {
  ComputeDevice device = ComputeDevice::CPU;
  /// BF16 runs weights and matrix products in bfloat16 (faster on AMX CPUs, ~1e-2 relative
  /// error); never the default.
  Precision precision = Precision::F32;
};

struct ModelInput {
  std::vector<std::int64_t> ids;           ///< token ids (text models), fed as given
  std::vector<std::int64_t> tokenTypeIds;  ///< BERT/RoBERTa segment ids; empty = all 0
  FloatArray pixels;                       ///< ViT: preprocessed pixel_values [C, H, W]
};

struct CaptureOptions {
  bool hiddenF16 = false;  ///< keep hidden states in F16 (halves memory)
  bool logits = true;      ///< compute the final logits
  /// Layers whose attention probabilities are kept as the forward pass computes them
  /// (H x T x T floats each), for callers that know up front they want them (the trace
  /// command). Every other layer's attention is recomputed on demand by Trace::attention().
  std::vector<int> attentionLayers;
};

class Model : public std::enable_shared_from_this<Model> {
 public:
  /// Loads a Hugging Face folder (config.json, safetensors weights, tokenizer.json or
  /// preprocessor_config.json). Throws strata::Error naming the file and the problem.
  static std::shared_ptr<const Model> load(const std::string& folder, const LoadOptions& = {});
  ~Model();

  const std::string& folder() const;
  const ModelConfig& config() const;
  const LoadOptions& options() const;
  int numLayers() const;
  int numHeads() const;
  bool isCausal() const;
  bool isVision() const;
  /// The folder's tokenizer, or nullptr (ViT, or a folder without tokenizer.json).
  const Tokenizer* tokenizer() const;
  /// Decodes an image file (PNG/JPEG) and preprocesses it with the folder's
  /// preprocessor_config.json, exactly as Hugging Face's ViTImageProcessor: the pixel_values
  /// [C, H, W] for ModelInput::pixels. Throws strata::Error for a text model, a folder
  /// without preprocessor_config.json, or an unreadable image (naming the file).
  FloatArray imageInput(const std::string& imagePath) const;
  /// Estimated peak bytes of a run over `tokens` positions (weights excluded).
  std::uint64_t estimateRunBytes(std::int64_t tokens, const CaptureOptions& = {}) const;

  /// Runs the forward pass. Errors (strata::Error): empty input, input longer than the
  /// model's positions, ids outside the vocabulary, pixels of the wrong shape, ids for a ViT
  /// or pixels for a text model, and a run whose estimate exceeds available memory.
  std::shared_ptr<const Trace> run(const ModelInput& input, const CaptureOptions& = {}) const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Top-k readout of one position at one layer through the final norm and unembedding.
struct LensEntry {
  std::vector<std::int32_t> topIds;
  std::vector<float> topProbs;
  float entropy = 0;    ///< nats
  float klToFinal = 0;  ///< KL(p_final || p_layer), nats
};

/// The captured result of one run. Holds a reference to its Model for on-demand attention.
class Trace {
 public:
  ~Trace();
  std::int64_t seqLen() const;
  int numLayers() const;
  /// hidden_states[index], [T, D] float32 (converted from F16 if stored so).
  FloatArray hidden(int index) const;
  /// Final logits ([T, V] or [1, labels]); empty when CaptureOptions::logits was false.
  const FloatArray& logits() const;
  /// Attention probabilities of block `layer`, [H, T, T]: the copy kept during the run when
  /// CaptureOptions::attentionLayers named it, else recomputed from hidden(layer).
  FloatArray attention(int layer) const;
  /// Logit lens at hidden index `index` (1..L) for every position: [T] entries.
  std::vector<LensEntry> logitLens(int index, int topK) const;

  struct Impl;
  explicit Trace(std::unique_ptr<Impl> impl);
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata
