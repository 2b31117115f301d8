#pragma once
// Per-head statistics of attention probabilities and attention rollout (METRICS.md,
// "Attention"). Inputs are softmax probabilities as Hugging Face's `output_attentions`
// returns them: one layer is [H, T, T] (or [T, T] for a single head), row i = query i,
// column j = key j, rows summing to 1 (causal rows have zeros above the diagonal).
// All sums are done in float64. Thread-safe: pure functions of their arguments.
#include <cstdint>
#include <string>
#include <vector>

#include "core/util/FloatArray.h"

namespace strata {

struct HeadAttentionStats {
  /// Shannon entropy of each query row in nats, -sum_j a_ij log a_ij (0 log 0 = 0),
  /// averaged over all T queries.
  double entropy = 0.0;
  /// sum_j a_ij |i - j|, averaged over all T queries (in token positions).
  double meanDistance = 0.0;
  /// Previous-token score: mean over i = 1..T-1 of a_{i,i-1}.
  double previousToken = 0.0;
};

struct AttentionStats {
  std::vector<HeadAttentionStats> heads;  ///< one per head, in head order
  std::vector<std::string> warnings;      ///< e.g. T = 1: previous-token score undefined (0)
};

/// Entropy, mean distance and previous-token score of every head of one layer.
/// Throws strata::Error("analysis.bad_shape") unless probs is [H, T, T] or [T, T].
AttentionStats attentionStats(const FloatArray& probs);

/// Induction score of every head (Olsson et al. 2022, "In-context learning and induction
/// heads"), on the sequence built by repeatedRandomTokens(n, ...): `prefix` tokens (1 for a
/// BOS token, else 0), then n random tokens r_1..r_n, then the same n tokens again, T =
/// prefix + 2n. A query at position i of the second half (i = prefix + n .. prefix + 2n - 1)
/// holds the same token as position i - n; the token that followed it there sits at
/// i - n + 1. Score = mean over exactly those n queries of a_{i, i-n+1}.
///
/// Convention note: TransformerLens / ARENA take
/// `pattern.diagonal(offset=1 - n).mean()`, i.e. the same stripe but starting at query
/// n - 1, so it also averages in 1 + prefix queries before the second half (whose keys are
/// not induction targets); Strata averages over the second half only, as Olsson et al.
/// describe ("attention to the token after the previous occurrence of the current token").
/// Throws strata::Error when T < prefix + 2n or n < 1.
std::vector<double> inductionScores(const FloatArray& probs, std::int64_t n,
                                    std::int64_t prefix = 0);

/// The repeated random sequence for inductionScores: [bos] + r + r, r = n tokens drawn
/// from [low, high) with a seeded generator (mt19937_64 with an explicit, portable bounded
/// draw, so a seed gives the same tokens on every platform). Tokens of r are distinct
/// when high - low >= n (so every query has exactly one earlier occurrence), otherwise
/// drawn with replacement. bos < 0 means no BOS token. Throws strata::Error on n < 1 or
/// an empty range.
std::vector<std::int64_t> repeatedRandomTokens(std::int64_t n, std::int64_t low, std::int64_t high,
                                               std::uint64_t seed, std::int64_t bos = -1);

/// Attention rollout (Abnar & Zuidema 2020, "Quantifying attention flow in transformers"):
/// per layer, average the heads, A' = A + I, normalise each row to sum 1; J_1 = A'_1,
/// J_l = A'_l J_{l-1}. Returns J_1 .. J_L, each [T, T] (row = output position at that
/// layer, column = input token). Each layer is [H, T, T] or [T, T]; all must share T.
std::vector<FloatArray> attentionRollout(const std::vector<FloatArray>& layers);

}  // namespace strata
