#pragma once
// How each supported family names its tensors in a Hugging Face checkpoint, and the checks of
// a ModelConfig against those tensors' shapes.
//
// Recognised naming (a prefix-less variant is accepted for each, as saved by the base model):
//   GPT2LMHeadModel     transformer.wte.weight, transformer.h.{i}.attn.c_attn.weight (Conv1D,
//                       [in, out]); the Hub's original gpt2 files have no "transformer." and
//                       store the buffers h.{i}.attn.bias / h.{i}.attn.masked_bias
//   LlamaForCausalLM    model.embed_tokens.weight, model.layers.{i}.self_attn.q_proj.weight,
//                       lm_head.weight (Mistral and Qwen2 use the same names)
//   BertModel/ForMaskedLM  bert.embeddings.word_embeddings.weight, bert.encoder.layer.{i}...,
//                       older LayerNorm.gamma/beta, cls.predictions.*
//   RobertaModel        roberta.embeddings.word_embeddings.weight, ..., lm_head.* (MLM)
//   ViTModel/ForImageClassification  vit.embeddings.patch_embeddings.projection.weight,
//                       vit.encoder.layer.{i}..., classifier.weight
//
// validateWeights() raises strata::Error naming the folder, the config key and the tensor:
//   model.missing_tensor   a tensor every checkpoint of the family has is absent
//   model.vocab_mismatch   vocab_size disagrees with the token embedding or the lm_head
//   model.hidden_mismatch  the hidden size disagrees with the embedding
//   model.layer_mismatch   the number of layers disagrees with the block indices present
//   model.shape_mismatch   any other checked tensor has the wrong shape (heads, MLP width...)
#include <string>
#include <vector>

#include "core/io/SafetensorsFile.h"
#include "core/model/ModelConfig.h"

namespace strata {

struct WeightLayout {
  std::string prefix;           ///< "transformer.", "model.", "bert.", "roberta.", "vit." or ""
  std::string embedding;        ///< token embedding; for ViT the patch projection
  std::string blockPrefix;      ///< block i's tensors start with blockPrefix + i + "."
  std::string outputEmbedding;  ///< lm_head / MLM decoder weight when stored, else empty
};

/// Finds which naming the tensors use; model.missing_tensor when no embedding matches.
WeightLayout detectWeightLayout(const ModelConfig& config, const std::vector<TensorInfo>& tensors,
                                const std::string& source);

/// Stored buffers that are not parameters (GPT-2's causal mask attn.bias and attn.masked_bias,
/// rotary inv_freq, BERT position_ids / token_type_ids).
bool isBufferTensor(const ModelConfig& config, const std::string& name);

/// Checks the config against the tensors; returns warnings (e.g. an untied model without an
/// lm_head), throws strata::Error on any disagreement. `source` names the folder in messages.
std::vector<std::string> validateWeights(const ModelConfig& config,
                                         const std::vector<TensorInfo>& tensors,
                                         const std::string& source);

}  // namespace strata
