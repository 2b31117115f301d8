#include "app/cli/ProfileCommand.h"

#include <chrono>
#include <iostream>
#include <ostream>

#include "core/analysis/Dataset.h"
#include "core/analysis/Profile.h"
#include "core/runtime/Model.h"
#include "core/util/Error.h"

namespace strata::cli {

void ProfileCommand::addOptions(QCommandLineParser& parser) const {
  QStringList names;
  for (const auto& n : profileMetricNames())
    names << QString::fromStdString(n);
  parser.addOptions({
      {"model", "A Hugging Face model folder.", "DIR"},
      {"inputs",
       "The corpus: a text file (one input per line), .jsonl (\"text\", optional integer "
       "\"label\"), IDX images (*-images-idx3-ubyte[.gz], labels from the sibling file), or a "
       "folder "
       "of PNG/JPEG images.",
       "FILE"},
      {"labels", "IDX: the labels file (default: the sibling *-labels-idx1-ubyte).", "FILE"},
      {"metrics", "Comma-separated metrics: " + names.join(", ") + ".", "LIST"},
      {"pool", "Pooling of each layer's tokens: mean (default), last, first (CLS).", "P", "mean"},
      {"limit", "Use only the first N inputs.", "N"},
      {"subsets", "id.* error bars from this many disjoint random subsets (>= 2).", "N"},
      {"seed", "Seed of the random subsets.", "S"},
      {"no-special", "Text: do not add the tokenizer's special tokens."},
      {"device", "cpu (default) or cuda.", "DEV", "cpu"},
      {"quiet", "No progress on stderr."},
      {"out", "The profile to write: FILE.json or FILE.csv.", "FILE"},
  });
}

int ProfileCommand::run(const QCommandLineParser& parser, std::ostream& out) const {
  const std::string folder = requireValue(parser, "model").toStdString();
  const std::string inputs = requireValue(parser, "inputs").toStdString();
  const std::string outPath = requireValue(parser, "out").toStdString();
  const QString metricList = requireValue(parser, "metrics");
  if (!outPath.ends_with(".json") && !outPath.ends_with(".csv"))
    throw UsageError{"--out must end in .json or .csv"};

  ProfileOptions options;
  for (const QString& m : metricList.split(',', Qt::SkipEmptyParts))
    options.metrics.push_back(m.trimmed().toStdString());
  if (options.metrics.empty()) throw UsageError{"--metrics: no metric named"};
  const QString pool = parser.value("pool");
  if (pool != "mean" && pool != "last" && pool != "first" && pool != "cls")
    throw UsageError{"--pool must be mean, last or first"};
  options.pooling = poolingFromName(pool.toStdString());
  options.addSpecialTokens = !parser.isSet("no-special");
  CorpusOptions corpusOptions;
  if (parser.isSet("limit")) {
    bool ok = false;
    const int n = parser.value("limit").toInt(&ok);
    if (!ok || n < 1) throw UsageError{"--limit must be a positive integer"};
    corpusOptions.limit = static_cast<std::size_t>(n);
  }
  if (parser.isSet("subsets")) {
    bool ok = false;
    options.errorBar.subsets = parser.value("subsets").toInt(&ok);
    if (!ok || options.errorBar.subsets < 2) throw UsageError{"--subsets must be >= 2"};
  }
  if (parser.isSet("seed")) options.errorBar.seed = parser.value("seed").toULongLong();
  if (parser.isSet("labels")) corpusOptions.labelsPath = parser.value("labels").toStdString();

  LoadOptions load;
  const QString device = parser.value("device");
  if (device == "cuda")
    load.device = ComputeDevice::CUDA;
  else if (device != "cpu")
    throw UsageError{"--device must be cpu or cuda"};

  const auto t0 = std::chrono::steady_clock::now();
  const Corpus corpus = readCorpus(inputs, corpusOptions);
  const auto model = Model::load(folder, load);
  const bool quiet = parser.isSet("quiet");
  const Profile profile = runProfile(*model, corpus, options, [&](int done, int total) {
    if (!quiet && (done == total || done % 10 == 0))
      std::cerr << "\rprofile: " << done << "/" << total << (done == total ? "\n" : "")
                << std::flush;
    return true;
  });
  writeProfile(profile, outPath);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out << "wrote " << outPath << ": " << profile.layers.size() << " layers x "
      << profile.metrics.size() << " metrics, " << profile.inputs << " inputs ("
      << poolingName(profile.pooling) << " pooling, D = " << profile.dim << "), " << seconds
      << " s\n";
  for (const auto& w : profile.warnings)
    out << "  warning: " << w << "\n";
  return kOk;
}

}  // namespace strata::cli
