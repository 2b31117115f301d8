#pragma once
#include "app/cli/Command.h"

namespace strata::cli {

/// strata-cli profile --model DIR --inputs FILE|DIR --metrics LIST [--pool P] --out FILE
/// Runs the model over a corpus (text lines, JSONL, IDX images, a folder of images), pools
/// each layer and writes per-layer metrics with error bars as JSON or CSV
/// (core/analysis/Profile.h). Progress goes to stderr.
class ProfileCommand : public Command {
 public:
  QString name() const override { return "profile"; }
  QString summary() const override {
    return "Profile a dataset: per-layer metrics of pooled representations.";
  }
  void addOptions(QCommandLineParser& parser) const override;
  int run(const QCommandLineParser& parser, std::ostream& out) const override;
};

}  // namespace strata::cli
