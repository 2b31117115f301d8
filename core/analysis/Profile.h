#pragma once
// Dataset profiles: a model run over a corpus (core/analysis/Dataset.h), every layer's hidden
// states pooled to one vector per input, and metrics computed per layer (DESIGN.md, "Profile
// export"). Streaming: each input is run, its hidden states 0..L pooled into an N x D buffer
// per layer, and the trace dropped; memory is N x D x (L + 1) floats, never N x T x D x L.
//
// Pooling of hidden(i) [T, D]: Mean (average over tokens), Last (token T - 1), First (token
// 0: CLS for BERT/ViT, the first token for GPT-2).
// Metrics (names as in `strata-cli geometry`, default variants and options):
//   on the pooled matrix [N, D] per layer: id.twonn (dadapy), id.mle (harmonic, k = 20),
//     id.pr, id.pcid (0.9), entropy.dataset (alpha 1, maxEntropy), rank.effective
//     (preprocessed); with labels: labels.nc1, labels.vci, probe.linear (5-fold);
//     the error bars of the id.* metrics come from ProfileOptions::errorBar (disjoint subsets,
//     IntrinsicDimension.h);
//   per input, averaged over inputs with the standard error of the mean as the error bar:
//     entropy.prompt and curvature.trajectory (hosseini) on hidden(i) [T, D]; inputs too short
//     for the metric (T < 2, resp. T < 3) are skipped and counted in a warning.
// A metric that fails on a layer (degenerate data) gives value NaN with the error message in
// its warnings, never a silent NaN.
// Errors (strata::Error): profile.bad_option (unknown metric, no metrics, label metric without
// labels), profile.wrong_input (text corpus for a vision model or the reverse, no tokenizer),
// profile.cancelled (the progress callback returned false), profile.write_failed; errors
// of the model run name the input's index.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/analysis/Dataset.h"
#include "core/analysis/IntrinsicDimension.h"
#include "core/analysis/MetricResult.h"
#include "core/util/FloatArray.h"

namespace strata {

class Model;

enum class Pooling { Mean, Last, First };

const char* poolingName(Pooling p);
/// "mean", "last", "first" (also "cls"); throws profile.bad_option otherwise.
Pooling poolingFromName(const std::string& name);

struct ProfileOptions {
  Pooling pooling = Pooling::Mean;
  std::vector<std::string> metrics;  ///< names from profileMetricNames()
  ErrorBarOptions errorBar;          ///< id.* metrics: disjoint-subset error bars
  std::size_t limit = 0;             ///< run only the first `limit` inputs; 0 = all
  bool addSpecialTokens = true;      ///< text inputs: tokenizer's special tokens
};

struct LayerProfile {
  int layer = 0;                      ///< hidden-state index, 0 = embeddings
  std::vector<MetricResult> metrics;  ///< in ProfileOptions::metrics order
};

struct Profile {
  std::string model;         ///< model folder
  std::string architecture;  ///< config's architecture name
  std::string corpus;        ///< corpus source path
  std::string corpusFormat;  ///< "text", "jsonl", "idx", "images"
  Pooling pooling = Pooling::Mean;
  std::vector<std::string> metrics;
  std::size_t inputs = 0;            ///< N
  std::int64_t dim = 0;              ///< D
  std::vector<LayerProfile> layers;  ///< L + 1 entries
  std::vector<std::string> warnings;
};

/// Every metric name runProfile accepts.
std::vector<std::string> profileMetricNames();

/// Pools one layer's hidden states [T, D] into [D].
std::vector<float> poolHidden(const FloatArray& hidden, Pooling pooling);

/// Runs the profile. `progress(done, total)` is called before the first input and after each
/// one; returning false cancels (strata::Error "profile.cancelled").
Profile runProfile(const Model& model, const Corpus& corpus, const ProfileOptions& options,
                   const std::function<bool(int done, int total)>& progress = {});

/// The profile as JSON: identity (model, corpus, pooling, N, D), then "layers": one object per
/// layer with, per requested metric name, value, error, metric (the result's own name, e.g.
/// "spectrum.dataset_entropy"), variant, parameters and warnings. NaN -> null.
std::string profileToJson(const Profile& profile);
/// The profile as CSV: header "layer,<m>,<m>.error,..." and one row per layer; identity in
/// leading "# key: value" comment lines; NaN written as "nan".
std::string profileToCsv(const Profile& profile);
/// Writes JSON (path ending .json) or CSV (.csv) atomically: a temporary file in the same
/// folder renamed over `path`. Throws profile.write_failed or profile.bad_option.
void writeProfile(const Profile& profile, const std::string& path);

}  // namespace strata
