#include "core/analysis/AttentionStats.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <random>

#include "core/util/Error.h"

namespace strata {
namespace {

// [H, T, T] float64 view of one layer ([T, T] is one head).
at::Tensor headsTensor(const FloatArray& probs, const char* what) {
  const auto& s = probs.shape;
  const bool ok = (s.size() == 3 && s[1] == s[2]) || (s.size() == 2 && s[0] == s[1]);
  if (!ok || probs.numel() != FloatArray::countOf(s) || probs.empty())
    throw Error("analysis.bad_shape",
                std::string(what) + ": attention must be [H, T, T] or [T, T] probabilities");
  const std::int64_t t = s.back();
  const std::int64_t h = s.size() == 3 ? s[0] : 1;
  // from_blob does not copy; to(kDouble) does, so the FloatArray is never written to.
  return at::from_blob(const_cast<float*>(probs.data.data()), {h, t, t}, at::kFloat)
      .to(at::kDouble);
}

std::vector<double> toVector(const at::Tensor& t) {
  const at::Tensor c = t.contiguous().to(at::kDouble);
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}

// Uniform integer in [0, bound) from a 64-bit generator, by rejection (portable, unlike
// std::uniform_int_distribution whose algorithm is implementation-defined).
std::uint64_t boundedDraw(std::mt19937_64& rng, std::uint64_t bound) {
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % bound;
  std::uint64_t x = rng();
  while (x >= limit)
    x = rng();
  return x % bound;
}

}  // namespace

AttentionStats attentionStats(const FloatArray& probs) {
  const at::Tensor a = headsTensor(probs, "attentionStats");
  const std::int64_t h = a.size(0), t = a.size(1);
  AttentionStats out;

  // 0 log 0 = 0: replace zeros by 1 inside the log.
  const at::Tensor logA = at::log(at::where(a > 0, a, at::ones_like(a)));
  const at::Tensor entropy = (-(a * logA).sum(-1)).mean(-1);  // [H]

  const at::Tensor pos = at::arange(t, at::TensorOptions().dtype(at::kDouble));
  const at::Tensor dist = (pos.unsqueeze(1) - pos.unsqueeze(0)).abs();  // [T, T]
  const at::Tensor meanDistance = (a * dist).sum(-1).mean(-1);          // [H]

  at::Tensor previous = at::zeros({h}, at::kDouble);
  if (t >= 2)
    previous = a.diagonal(-1, -2, -1).mean(-1);  // a_{i,i-1}, i = 1..T-1
  else
    out.warnings.emplace_back("attention: T = 1, previous-token score undefined, reported as 0");

  const auto e = toVector(entropy), d = toVector(meanDistance), p = toVector(previous);
  out.heads.resize(static_cast<std::size_t>(h));
  for (std::size_t i = 0; i < out.heads.size(); ++i)
    out.heads[i] = {e[i], d[i], p[i]};
  return out;
}

std::vector<double> inductionScores(const FloatArray& probs, std::int64_t n, std::int64_t prefix) {
  const at::Tensor a = headsTensor(probs, "inductionScores");
  const std::int64_t t = a.size(1);
  if (n < 1 || prefix < 0 || t < prefix + 2 * n)
    throw Error("analysis.bad_argument", "inductionScores: the sequence needs prefix + 2n = " +
                                             std::to_string(prefix + 2 * n) +
                                             " positions, attention has " + std::to_string(t));
  // Stripe a_{i, i-n+1} = diagonal with offset 1 - n; its entry k has query k + n - 1.
  // The second half starts at query prefix + n, i.e. at entry prefix + 1.
  const at::Tensor stripe = a.diagonal(1 - n, -2, -1).narrow(-1, prefix + 1, n);
  return toVector(stripe.mean(-1));
}

std::vector<std::int64_t> repeatedRandomTokens(std::int64_t n, std::int64_t low, std::int64_t high,
                                               std::uint64_t seed, std::int64_t bos) {
  if (n < 1 || high <= low)
    throw Error("analysis.bad_argument",
                "repeatedRandomTokens: need n >= 1 and a non-empty token range");
  std::mt19937_64 rng(seed);
  const auto range = static_cast<std::uint64_t>(high - low);
  std::vector<std::int64_t> half(static_cast<std::size_t>(n));
  if (range >= static_cast<std::uint64_t>(n)) {
    // Distinct tokens: Floyd's sampling keeps memory O(n) for a large vocabulary.
    std::vector<std::uint64_t> chosen;
    chosen.reserve(half.size());
    for (std::uint64_t j = range - static_cast<std::uint64_t>(n); j < range; ++j) {
      const std::uint64_t v = boundedDraw(rng, j + 1);
      chosen.push_back(std::find(chosen.begin(), chosen.end(), v) == chosen.end() ? v : j);
    }
    // Floyd's order is biased towards increasing; shuffle it (Fisher-Yates).
    for (std::size_t i = chosen.size(); i > 1; --i)
      std::swap(chosen[i - 1], chosen[boundedDraw(rng, i)]);
    for (std::size_t i = 0; i < half.size(); ++i)
      half[i] = low + static_cast<std::int64_t>(chosen[i]);
  } else {
    for (auto& v : half)
      v = low + static_cast<std::int64_t>(boundedDraw(rng, range));
  }
  std::vector<std::int64_t> out;
  out.reserve(half.size() * 2 + 1);
  if (bos >= 0) out.push_back(bos);
  out.insert(out.end(), half.begin(), half.end());
  out.insert(out.end(), half.begin(), half.end());
  return out;
}

std::vector<FloatArray> attentionRollout(const std::vector<FloatArray>& layers) {
  std::vector<FloatArray> out;
  at::Tensor joint;
  for (const auto& layer : layers) {
    const at::Tensor a = headsTensor(layer, "attentionRollout").mean(0);  // [T, T]
    const std::int64_t t = a.size(0);
    if (joint.defined() && joint.size(0) != t)
      throw Error("analysis.bad_shape", "attentionRollout: layers differ in token count");
    at::Tensor aug = a + at::eye(t, at::kDouble);
    aug = aug / aug.sum(-1, true);
    joint = joint.defined() ? at::matmul(aug, joint) : aug;
    const at::Tensor f = joint.to(at::kFloat).contiguous();
    out.emplace_back(std::vector<std::int64_t>{t, t},
                     std::vector<float>(f.data_ptr<float>(), f.data_ptr<float>() + f.numel()));
  }
  return out;
}

}  // namespace strata
