#include "core/analysis/Profile.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/analysis/Curvature.h"
#include "core/analysis/LabelMetrics.h"
#include "core/analysis/LinearProbe.h"
#include "core/analysis/Spectrum.h"
#include "core/image/VitImageProcessor.h"
#include "core/runtime/Model.h"
#include "core/tokenizer/Tokenizer.h"
#include "core/util/Error.h"

namespace strata {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using PooledMetric = std::function<MetricResult(const FloatArray&, const std::vector<std::int64_t>&,
                                                const ProfileOptions&)>;
using InputMetric = std::function<MetricResult(const FloatArray&)>;

const std::map<std::string, PooledMetric>& pooledMetrics() {
  static const std::map<std::string, PooledMetric> table = {
      {"id.twonn",
       [](const FloatArray& X, const std::vector<std::int64_t>&, const ProfileOptions& o) {
         TwoNNOptions t;
         t.errorBar = o.errorBar;
         return twoNN(X, t);
       }},
      {"id.mle",
       [](const FloatArray& X, const std::vector<std::int64_t>&, const ProfileOptions& o) {
         MleOptions m;
         m.errorBar = o.errorBar;
         return mle(X, m);
       }},
      {"id.pr",
       [](const FloatArray& X, const std::vector<std::int64_t>&, const ProfileOptions& o) {
         PcaOptions p;
         p.errorBar = o.errorBar;
         return participationRatio(X, p);
       }},
      {"id.pcid",
       [](const FloatArray& X, const std::vector<std::int64_t>&, const ProfileOptions& o) {
         PcaOptions p;
         p.errorBar = o.errorBar;
         return pcId(X, p);
       }},
      {"entropy.dataset", [](const FloatArray& X, const std::vector<std::int64_t>&,
                             const ProfileOptions&) { return datasetEntropy(X); }},
      {"rank.effective", [](const FloatArray& X, const std::vector<std::int64_t>&,
                            const ProfileOptions&) { return effectiveRank(X); }},
      {"labels.nc1", [](const FloatArray& X, const std::vector<std::int64_t>& y,
                        const ProfileOptions&) { return neuralCollapseNC1(X, y); }},
      {"labels.vci", [](const FloatArray& X, const std::vector<std::int64_t>& y,
                        const ProfileOptions&) { return variabilityCollapseIndex(X, y); }},
      {"probe.linear", [](const FloatArray& X, const std::vector<std::int64_t>& y,
                          const ProfileOptions&) { return linearProbe(X, y); }},
  };
  return table;
}

struct InputMetricSpec {
  InputMetric fn;
  std::int64_t minTokens;
};

const std::map<std::string, InputMetricSpec>& inputMetrics() {
  static const std::map<std::string, InputMetricSpec> table = {
      {"entropy.prompt", {[](const FloatArray& Z) { return promptEntropy(Z); }, 2}},
      {"curvature.trajectory",
       {[](const FloatArray& Z) { return trajectoryCurvature(Z).summary; }, 3}},
  };
  return table;
}

bool needsLabels(const std::string& m) {
  return m == "labels.nc1" || m == "labels.vci" || m == "probe.linear";
}

/// Running per-input values of one metric at one layer.
struct InputSeries {
  std::vector<double> values;
  std::string variant;
  std::size_t skipped = 0;
  std::vector<std::string> errors;  // first few failure messages
};

MetricResult summarise(const std::string& name, const InputSeries& s) {
  MetricResult r;
  r.metric = name;
  r.variant = s.variant.empty() ? "mean-over-inputs" : s.variant + ", mean-over-inputs";
  const auto n = static_cast<double>(s.values.size());
  r.parameters["inputs"] = n;
  r.parameters["skipped"] = static_cast<double>(s.skipped);
  if (s.skipped > 0)
    r.warnings.push_back(std::to_string(s.skipped) + " inputs skipped (too short or degenerate)");
  for (const auto& e : s.errors)
    r.warnings.push_back(e);
  if (s.values.empty()) {
    r.value = kNaN;
    r.error = kNaN;
    r.warnings.push_back("no input gave a value");
    return r;
  }
  double sum = 0;
  for (double v : s.values)
    sum += v;
  r.value = sum / n;
  if (s.values.size() >= 2) {
    double ss = 0;
    for (double v : s.values)
      ss += (v - r.value) * (v - r.value);
    r.error = std::sqrt(ss / (n - 1)) / std::sqrt(n);
  }
  return r;
}

nlohmann::ordered_json number(double v) {
  if (std::isfinite(v)) return v;
  return nullptr;
}

std::string csvNumber(double v) {
  if (std::isnan(v)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

const char* poolingName(Pooling p) {
  switch (p) {
    case Pooling::Mean:
      return "mean";
    case Pooling::Last:
      return "last";
    case Pooling::First:
      return "first";
  }
  return "?";
}

Pooling poolingFromName(const std::string& name) {
  if (name == "mean") return Pooling::Mean;
  if (name == "last") return Pooling::Last;
  if (name == "first" || name == "cls") return Pooling::First;
  throw Error("profile.bad_option", "unknown pooling '" + name + "': mean, last or first");
}

std::vector<std::string> profileMetricNames() {
  std::vector<std::string> names;
  for (const auto& [n, f] : pooledMetrics())
    names.push_back(n);
  for (const auto& [n, f] : inputMetrics())
    names.push_back(n);
  return names;
}

std::vector<float> poolHidden(const FloatArray& hidden, Pooling pooling) {
  if (hidden.shape.size() != 2 || hidden.shape[0] < 1)
    throw Error("profile.bad_shape", "pooling expects hidden states [T, D] with T >= 1");
  const auto T = static_cast<std::size_t>(hidden.shape[0]);
  const auto D = static_cast<std::size_t>(hidden.shape[1]);
  std::vector<float> out(D);
  if (pooling == Pooling::Mean) {
    std::vector<double> acc(D, 0.0);
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t d = 0; d < D; ++d)
        acc[d] += hidden.data[t * D + d];
    for (std::size_t d = 0; d < D; ++d)
      out[d] = static_cast<float>(acc[d] / static_cast<double>(T));
    return out;
  }
  const std::size_t t = pooling == Pooling::Last ? T - 1 : 0;
  std::copy(hidden.data.begin() + static_cast<std::ptrdiff_t>(t * D),
            hidden.data.begin() + static_cast<std::ptrdiff_t>((t + 1) * D), out.begin());
  return out;
}

Profile runProfile(const Model& model, const Corpus& corpus, const ProfileOptions& options,
                   const std::function<bool(int done, int total)>& progress) {
  if (options.metrics.empty()) throw Error("profile.bad_option", "no metrics requested");
  for (const auto& m : options.metrics) {
    if (!pooledMetrics().count(m) && !inputMetrics().count(m)) {
      std::string known;
      for (const auto& n : profileMetricNames())
        known += (known.empty() ? "" : ", ") + n;
      throw Error("profile.bad_option", "unknown metric '" + m + "'; known: " + known);
    }
    if (needsLabels(m) && corpus.labels.empty())
      throw Error("profile.bad_option", m + " needs labels, and " + corpus.source + " has none");
  }
  const Tokenizer* tokenizer = nullptr;
  if (corpus.isText()) {
    if (model.isVision())
      throw Error(
          "profile.wrong_input",
          model.folder() + ": a vision model takes images, not the text of " + corpus.source);
    tokenizer = model.tokenizer();
    if (!tokenizer)
      throw Error("profile.wrong_input",
                  model.folder() + ": the model folder has no tokenizer.json");
  } else if (!model.isVision()) {
    throw Error("profile.wrong_input",
                model.folder() + ": a text model cannot run the images of " + corpus.source);
  }

  std::size_t N = corpus.size();
  if (options.limit > 0 && options.limit < N) N = options.limit;
  const int layers = model.numLayers() + 1;
  const auto total = static_cast<int>(N);

  std::vector<std::string> inputNames;
  for (const auto& m : options.metrics)
    if (inputMetrics().count(m)) inputNames.push_back(m);
  // series[layer][metric index in inputNames]
  std::vector<std::vector<InputSeries>> series(static_cast<std::size_t>(layers),
                                               std::vector<InputSeries>(inputNames.size()));
  std::vector<std::vector<float>> pooled(static_cast<std::size_t>(layers));
  std::int64_t D = 0;
  std::size_t truncatedTokens = 0;

  std::unique_ptr<VitImageProcessor> processor;
  if (!corpus.images.empty())
    processor = std::make_unique<VitImageProcessor>(VitImageProcessor::fromFolder(model.folder()));
  CaptureOptions capture;
  capture.logits = false;
  if (progress && !progress(0, total)) throw Error("profile.cancelled", "profile cancelled");
  for (std::size_t i = 0; i < N; ++i) {
    ModelInput input;
    if (tokenizer) {
      const Encoding enc = tokenizer->encode(corpus.texts[i], options.addSpecialTokens);
      input.ids.assign(enc.ids.begin(), enc.ids.end());
      const auto maxPos = model.config().maxPositions;
      if (maxPos > 0 && static_cast<std::int64_t>(input.ids.size()) > maxPos) {
        input.ids.resize(static_cast<std::size_t>(maxPos));
        ++truncatedTokens;
      }
      if (input.ids.empty())
        throw Error("profile.empty_input",
                    corpus.source + ": input " + std::to_string(i) + " has no tokens");
    } else if (!corpus.imagePaths.empty()) {
      input.pixels = model.imageInput(corpus.imagePaths[i]);
    } else {
      input.pixels = processor->preprocess(corpus.images[i]);
    }
    std::shared_ptr<const Trace> trace;
    try {
      trace = model.run(input, capture);
    } catch (const Error& e) {
      throw Error(e.code(), corpus.source + ": input " + std::to_string(i) + ": " + e.what());
    }
    for (int l = 0; l < layers; ++l) {
      const FloatArray h = trace->hidden(l);
      if (D == 0) {
        D = h.shape[1];
        for (auto& p : pooled)
          p.reserve(N * static_cast<std::size_t>(D));
      }
      const std::vector<float> v = poolHidden(h, options.pooling);
      auto& buf = pooled[static_cast<std::size_t>(l)];
      buf.insert(buf.end(), v.begin(), v.end());
      for (std::size_t m = 0; m < inputNames.size(); ++m) {
        const auto& spec = inputMetrics().at(inputNames[m]);
        InputSeries& s = series[static_cast<std::size_t>(l)][m];
        if (h.shape[0] < spec.minTokens) {
          ++s.skipped;
          continue;
        }
        try {
          const MetricResult r = spec.fn(h);
          s.variant = r.variant;
          if (std::isfinite(r.value))
            s.values.push_back(r.value);
          else
            ++s.skipped;
        } catch (const Error& e) {
          ++s.skipped;
          if (s.errors.size() < 3)
            s.errors.push_back("input " + std::to_string(i) + ": " + e.what());
        }
      }
    }
    trace.reset();
    if (progress && !progress(static_cast<int>(i + 1), total))
      throw Error("profile.cancelled", "profile cancelled after " + std::to_string(i + 1) + " of " +
                                           std::to_string(total) + " inputs");
  }

  Profile p;
  p.model = model.folder();
  p.architecture = model.config().architectureName();
  p.corpus = corpus.source;
  p.corpusFormat = corpus.format;
  p.pooling = options.pooling;
  p.metrics = options.metrics;
  p.inputs = N;
  p.dim = D;
  if (truncatedTokens > 0)
    p.warnings.push_back(std::to_string(truncatedTokens) +
                         " inputs truncated to the model's maximum positions");
  std::vector<std::int64_t> labels;
  if (!corpus.labels.empty())
    labels.assign(corpus.labels.begin(), corpus.labels.begin() + static_cast<std::ptrdiff_t>(N));

  for (int l = 0; l < layers; ++l) {
    LayerProfile lp;
    lp.layer = l;
    FloatArray X({static_cast<std::int64_t>(N), D}, std::move(pooled[static_cast<std::size_t>(l)]));
    std::size_t inputIndex = 0;
    for (const auto& m : options.metrics) {
      if (inputMetrics().count(m)) {
        lp.metrics.push_back(summarise(m, series[static_cast<std::size_t>(l)][inputIndex++]));
        continue;
      }
      try {
        lp.metrics.push_back(pooledMetrics().at(m)(X, labels, options));
      } catch (const Error& e) {
        MetricResult r;
        r.metric = m;
        r.value = kNaN;
        r.error = kNaN;
        r.warnings.push_back(std::string(e.code()) + ": " + e.what());
        lp.metrics.push_back(std::move(r));
      }
    }
    p.layers.push_back(std::move(lp));
  }
  return p;
}

std::string profileToJson(const Profile& p) {
  nlohmann::ordered_json j;
  j["format"] = "strata-profile";
  j["version"] = 1;
  j["model"] = {{"folder", p.model}, {"architecture", p.architecture}};
  j["dataset"] = {{"source", p.corpus}, {"format", p.corpusFormat}, {"inputs", p.inputs}};
  j["pooling"] = poolingName(p.pooling);
  j["dim"] = p.dim;
  j["metrics"] = p.metrics;
  j["warnings"] = p.warnings;
  auto layers = nlohmann::ordered_json::array();
  for (const auto& l : p.layers) {
    nlohmann::ordered_json row;
    row["layer"] = l.layer;
    for (std::size_t m = 0; m < l.metrics.size(); ++m) {
      const MetricResult& r = l.metrics[m];
      nlohmann::ordered_json params = nlohmann::ordered_json::object();
      for (const auto& [k, v] : r.parameters)
        params[k] = number(v);
      row[m < p.metrics.size() ? p.metrics[m] : r.metric] = {
          {"value", number(r.value)}, {"error", number(r.error)}, {"metric", r.metric},
          {"variant", r.variant},     {"parameters", params},     {"warnings", r.warnings}};
    }
    layers.push_back(std::move(row));
  }
  j["layers"] = std::move(layers);
  return j.dump(2) + "\n";
}

std::string profileToCsv(const Profile& p) {
  std::ostringstream out;
  out << "# model: " << p.model << " (" << p.architecture << ")\n";
  out << "# dataset: " << p.corpus << " (" << p.corpusFormat << ", " << p.inputs << " inputs)\n";
  out << "# pooling: " << poolingName(p.pooling) << "\n";
  out << "# dim: " << p.dim << "\n";
  if (!p.layers.empty()) {
    out << "# variants:";
    const auto& first = p.layers.front().metrics;
    for (std::size_t m = 0; m < first.size() && m < p.metrics.size(); ++m)
      out << " " << p.metrics[m] << "=" << (first[m].variant.empty() ? "-" : first[m].variant)
          << ";";
    out << "\n";
  }
  out << "layer";
  for (const auto& m : p.metrics)
    out << "," << m << "," << m << ".error";
  out << "\n";
  for (const auto& l : p.layers) {
    out << l.layer;
    for (const auto& r : l.metrics)
      out << "," << csvNumber(r.value) << "," << csvNumber(r.error);
    out << "\n";
  }
  return out.str();
}

void writeProfile(const Profile& profile, const std::string& path) {
  namespace fs = std::filesystem;
  std::string text;
  const auto ends = [&](const std::string& s) {
    return path.size() >= s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0;
  };
  if (ends(".json"))
    text = profileToJson(profile);
  else if (ends(".csv"))
    text = profileToCsv(profile);
  else
    throw Error("profile.bad_option", path + ": the output must end in .json or .csv");
  const fs::path target(path);
  fs::path tmp = target;
  tmp += ".tmp-strata";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("profile.write_failed", path + ": cannot create " + tmp.string());
    out << text;
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw Error("profile.write_failed", path + ": write failed");
    }
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw Error("profile.write_failed", path + ": " + ec.message());
  }
}

}  // namespace strata
