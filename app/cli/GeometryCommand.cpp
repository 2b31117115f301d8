#include "app/cli/GeometryCommand.h"

#include <cmath>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>

#include "core/analysis/Curvature.h"
#include "core/analysis/IntrinsicDimension.h"
#include "core/analysis/ManifoldCurvature.h"
#include "core/analysis/Spectrum.h"
#include "core/io/NpyFile.h"
#include "core/io/SafetensorsFile.h"
#include "core/util/Error.h"

namespace strata::cli {

namespace {

using Metric = std::function<MetricResult(const FloatArray&, const QCommandLineParser&)>;

ErrorBarOptions errorBars(const QCommandLineParser& p) {
  ErrorBarOptions e;
  if (p.isSet("subsets")) {
    bool ok = false;
    e.subsets = p.value("subsets").toInt(&ok);
    if (!ok || e.subsets < 2) throw UsageError{"--subsets must be an integer >= 2"};
  }
  if (p.isSet("seed")) e.seed = p.value("seed").toULongLong();
  return e;
}

double number(const QCommandLineParser& p, const QString& option, double fallback) {
  if (!p.isSet(option)) return fallback;
  bool ok = false;
  const double v = p.value(option).toDouble(&ok);
  if (!ok) throw UsageError{"--" + option + " must be a number"};
  return v;
}

const std::map<std::string, Metric>& metrics() {
  static const std::map<std::string, Metric> table = {
      {"id.twonn",
       [](const FloatArray& X, const QCommandLineParser& p) {
         TwoNNOptions o;
         const QString v = p.isSet("variant") ? p.value("variant") : "dadapy";
         if (v == "dadapy")
           o.variant = TwoNNVariant::Dadapy;
         else if (v == "skdim")
           o.variant = TwoNNVariant::Skdim;
         else if (v == "ml")
           o.variant = TwoNNVariant::ML;
         else
           throw UsageError{"--variant for id.twonn: dadapy, skdim or ml"};
         o.fraction = number(p, "fraction", o.fraction);
         o.discardFraction = number(p, "discard", o.discardFraction);
         o.errorBar = errorBars(p);
         return twoNN(X, o);
       }},
      {"id.mle",
       [](const FloatArray& X, const QCommandLineParser& p) {
         MleOptions o;
         o.k = static_cast<int>(number(p, "k", o.k));
         const QString v = p.isSet("variant") ? p.value("variant") : "harmonic";
         if (v == "harmonic")
           o.combination = MleCombination::Harmonic;
         else if (v == "mean")
           o.combination = MleCombination::Mean;
         else if (v == "median")
           o.combination = MleCombination::Median;
         else
           throw UsageError{"--variant for id.mle: harmonic, mean or median"};
         o.unbiased = p.isSet("unbiased");
         o.errorBar = errorBars(p);
         return mle(X, o);
       }},
      {"id.pr",
       [](const FloatArray& X, const QCommandLineParser& p) {
         PcaOptions o;
         o.errorBar = errorBars(p);
         return participationRatio(X, o);
       }},
      {"id.pcid",
       [](const FloatArray& X, const QCommandLineParser& p) {
         PcaOptions o;
         o.threshold = number(p, "threshold", o.threshold);
         o.errorBar = errorBars(p);
         return pcId(X, o);
       }},
      {"curvature.trajectory",
       [](const FloatArray& X, const QCommandLineParser& p) {
         const QString v = p.isSet("variant") ? p.value("variant") : "hosseini";
         if (v != "hosseini" && v != "skean")
           throw UsageError{"--variant for curvature.trajectory: hosseini or skean"};
         return trajectoryCurvature(X, v == "skean" ? AngleVariant::Skean : AngleVariant::Hosseini)
             .summary;
       }},
      {"curvature.mapc",
       [](const FloatArray& X, const QCommandLineParser& p) {
         // Tangent dimension: given, or the rounded TwoNN ID of the same points (METRICS.md).
         int d = static_cast<int>(number(p, "tangent-dim", 0));
         if (d <= 0) d = std::max(1, static_cast<int>(std::lround(twoNN(X).value)));
         ManifoldCurvatureOptions o;
         o.k = static_cast<int>(number(p, "k", 0));
         return manifoldCurvature(X, d, o).summary;
       }},
      {"entropy.prompt",
       [](const FloatArray& X, const QCommandLineParser& p) {
         EntropyOptions o;
         o.alpha = number(p, "alpha", o.alpha);
         return promptEntropy(X, o);
       }},
      {"entropy.dataset",
       [](const FloatArray& X, const QCommandLineParser& p) {
         EntropyOptions o;
         o.alpha = number(p, "alpha", o.alpha);
         return datasetEntropy(X, o);
       }},
      {"rank.effective",
       [](const FloatArray& X, const QCommandLineParser& p) {
         const QString v = p.isSet("variant") ? p.value("variant") : "preprocessed";
         if (v != "preprocessed" && v != "raw")
           throw UsageError{"--variant for rank.effective: preprocessed or raw"};
         return effectiveRank(
             X, v == "raw" ? EffectiveRankInput::Raw : EffectiveRankInput::Preprocessed);
       }},
  };
  return table;
}

QString metricList() {
  QStringList names;
  for (const auto& [name, fn] : metrics())
    names << QString::fromStdString(name);
  return names.join(", ");
}

/// FILE.npy, or FILE.safetensors[:TENSOR] (the tensor may be omitted when there is one).
FloatArray loadPoints(const std::string& spec) {
  if (spec.size() > 4 && spec.compare(spec.size() - 4, 4, ".npy") == 0) return readNpy(spec);
  std::string path = spec, tensor;
  const std::size_t colon = spec.rfind(':');
  if (colon != std::string::npos && spec.find(".safetensors") < colon) {
    path = spec.substr(0, colon);
    tensor = spec.substr(colon + 1);
  }
  const auto file = SafetensorsFile::open(path);
  if (tensor.empty()) {
    if (file->tensors().size() != 1)
      throw Error("cli.ambiguous_tensor", path + ": holds " +
                                              std::to_string(file->tensors().size()) +
                                              " tensors; name one as FILE.safetensors:TENSOR");
    tensor = file->tensors().front().name;
  }
  const TensorInfo& info = file->info(tensor);
  return FloatArray(info.shape, file->toFloat(tensor));
}

}  // namespace

void GeometryCommand::addOptions(QCommandLineParser& parser) const {
  parser.addOptions({
      {"points", "Point cloud [N, D]: FILE.npy or FILE.safetensors[:TENSOR].", "FILE"},
      {"metric", "One of: " + metricList() + ".", "M"},
      {"variant",
       "id.twonn: dadapy (default), skdim, ml; id.mle: harmonic (default), mean, median; "
       "curvature.trajectory: hosseini (default), skean; rank.effective: preprocessed "
       "(default), raw.",
       "V"},
      {"k",
       "id.mle: neighbours (default 20); curvature.mapc: patch size (default "
       "max(2d, d(d+3)/2+1)).",
       "K"},
      {"tangent-dim", "curvature.mapc: tangent dimension (default: rounded TwoNN ID).", "D"},
      {"alpha", "entropy.*: Renyi order (default 1, Shannon).", "A"},
      {"unbiased", "id.mle: use k - 2 (unbiased estimator)."},
      {"fraction", "id.twonn dadapy: fraction of mu values kept (default 0.9).", "F"},
      {"discard", "id.twonn skdim: fraction of the largest mu discarded (default 0.1).", "F"},
      {"threshold", "id.pcid: explained variance to reach (default 0.9).", "F"},
      {"subsets", "Error bar from this many disjoint random subsets (>= 2).", "N"},
      {"seed", "Seed of the random subsets.", "S"},
      {"json", "Print one JSON object."},
  });
}

int GeometryCommand::run(const QCommandLineParser& parser, std::ostream& out) const {
  const std::string points = requireValue(parser, "points").toStdString();
  const std::string name = requireValue(parser, "metric").toStdString();
  const auto it = metrics().find(name);
  if (it == metrics().end())
    throw UsageError{"unknown metric '" + QString::fromStdString(name) +
                     "'; known: " + metricList()};
  const FloatArray X = loadPoints(points);
  if (X.shape.size() != 2)
    throw Error("cli.bad_points", points + ": expected a 2-D array [N, D] of points, got " +
                                      std::to_string(X.shape.size()) + " dimensions");
  const MetricResult r = it->second(X, parser);

  if (parser.isSet("json")) {
    nlohmann::ordered_json j;
    j["metric"] = r.metric;
    j["variant"] = r.variant;
    j["value"] = r.value;
    j["error"] = r.error;
    j["parameters"] = r.parameters;
    j["warnings"] = r.warnings;
    j["points"] = {{"file", points}, {"n", X.shape[0]}, {"d", X.shape[1]}};
    out << j.dump(2) << "\n";
    return kOk;
  }
  out << r.metric << " (" << r.variant << ") = " << r.value;
  if (r.error > 0) out << " +- " << r.error;
  out << "   [" << X.shape[0] << " points in " << X.shape[1] << " dimensions]\n";
  for (const auto& [k, v] : r.parameters)
    out << "  " << k << " = " << v << "\n";
  for (const auto& w : r.warnings)
    out << "  warning: " << w << "\n";
  return kOk;
}

}  // namespace strata::cli
