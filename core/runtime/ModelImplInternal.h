#pragma once
// Private state of Model and Trace, shared by Model.cpp and Trace.cpp.
#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/image/VitImageProcessor.h"
#include "core/runtime/Model.h"
#include "core/runtime/TransformerInternal.h"
#include "core/tokenizer/Tokenizer.h"

namespace strata {

struct Model::Impl {
  std::string folder;
  ModelConfig config;
  LoadOptions options;
  at::Device device = at::kCPU;
  at::ScalarType dtype = at::kFloat;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<VitImageProcessor> imageProcessor;  // ViT folders only
  std::unique_ptr<runtime::Transformer> net;
};

struct Trace::Impl {
  std::shared_ptr<const Model> model;
  std::int64_t seqLen = 0;
  std::vector<at::Tensor> hidden;       // L+1 tensors [T, D] on the CPU, float32 or float16
  std::map<int, at::Tensor> attention;  // layers captured during the run, [H, T, T] float32
  FloatArray logits;
};

namespace runtime {
/// Copies a tensor (any dtype/device) into a float32 FloatArray.
FloatArray toFloatArray(const at::Tensor& t);
}  // namespace runtime

}  // namespace strata
