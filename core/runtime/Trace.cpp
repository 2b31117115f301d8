#include <algorithm>
#include <cstring>

#include "core/runtime/ModelImplInternal.h"
#include "core/util/Error.h"

namespace strata {

namespace runtime {
FloatArray toFloatArray(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kCPU, at::kFloat).contiguous();
  FloatArray out;
  out.shape.assign(c.sizes().begin(), c.sizes().end());
  out.data.resize(static_cast<std::size_t>(c.numel()));
  if (c.numel() > 0)
    std::memcpy(out.data.data(), c.data_ptr<float>(), out.data.size() * sizeof(float));
  return out;
}
}  // namespace runtime

Trace::Trace(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Trace::~Trace() = default;

std::int64_t Trace::seqLen() const {
  return impl_->seqLen;
}
int Trace::numLayers() const {
  return static_cast<int>(impl_->hidden.size()) - 1;
}

namespace {
void checkIndex(const std::string& folder, int index, int count, const char* what) {
  if (index < 0 || index >= count)
    throw Error("run.bad_layer", folder + ": " + what + " " + std::to_string(index) +
                                     " is out of range 0.." + std::to_string(count - 1));
}
}  // namespace

FloatArray Trace::hidden(int index) const {
  checkIndex(impl_->model->folder(), index, numLayers() + 1, "hidden-state index");
  return runtime::toFloatArray(impl_->hidden[static_cast<std::size_t>(index)]);
}

const FloatArray& Trace::logits() const {
  return impl_->logits;
}

FloatArray Trace::attention(int layer) const {
  checkIndex(impl_->model->folder(), layer, numLayers(), "layer");
  if (const auto kept = impl_->attention.find(layer); kept != impl_->attention.end())
    return runtime::toFloatArray(kept->second);
  const Model::Impl& m = impl_->model->impl();
  c10::InferenceMode guard;
  const at::Tensor x = impl_->hidden[static_cast<std::size_t>(layer)].to(m.device, m.dtype);
  return runtime::toFloatArray(m.net->attentionProbs(layer, x));
}

std::vector<LensEntry> Trace::logitLens(int index, int topK) const {
  const Model::Impl& m = impl_->model->impl();
  checkIndex(m.folder, index, numLayers() + 1, "hidden-state index");
  if (!m.net->hasUnembedding())
    throw Error("run.no_unembedding",
                m.folder + ": the checkpoint has no output head, so there is no logit lens");
  c10::InferenceMode guard;
  const int L = numLayers();
  auto lensLogits = [&](int i) {
    const at::Tensor h = impl_->hidden[static_cast<std::size_t>(i)].to(m.device, m.dtype);
    const at::Tensor normed = (i == L && m.net->lastHiddenNormed()) ? h : m.net->lensNorm(h);
    return m.net->unembed(normed).to(at::kCPU, at::kDouble);
  };
  const at::Tensor logp = at::log_softmax(lensLogits(index), -1);
  const at::Tensor logpFinal = index == L ? logp : at::log_softmax(lensLogits(L), -1);
  const at::Tensor p = logp.exp();
  const at::Tensor pFinal = logpFinal.exp();
  const at::Tensor entropy = -(p * logp).sum(-1);
  const at::Tensor kl = (pFinal * (logpFinal - logp)).sum(-1);
  const int k = std::clamp<int>(topK, 1, static_cast<int>(logp.size(-1)));
  const auto [topP, topI] = at::topk(p, k, -1);

  std::vector<LensEntry> out(static_cast<std::size_t>(logp.size(0)));
  const auto ent = entropy.accessor<double, 1>();
  const auto kla = kl.accessor<double, 1>();
  const auto tp = topP.accessor<double, 2>();
  const auto ti = topI.accessor<std::int64_t, 2>();
  for (std::size_t t = 0; t < out.size(); ++t) {
    const auto ts = static_cast<std::int64_t>(t);
    out[t].entropy = static_cast<float>(ent[ts]);
    out[t].klToFinal = static_cast<float>(std::max(0.0, kla[ts]));
    for (int j = 0; j < k; ++j) {
      out[t].topIds.push_back(static_cast<std::int32_t>(ti[ts][j]));
      out[t].topProbs.push_back(static_cast<float>(tp[ts][j]));
    }
  }
  return out;
}

}  // namespace strata
