#pragma once
#include "app/cli/Command.h"

namespace strata::cli {

/// strata-cli geometry --points FILE.npy | FILE.safetensors[:TENSOR] --metric M [options]
/// Runs one analysis metric on a point cloud [N, D] (rows are points) and prints the value,
/// its error bar, the variant and parameters (--json: one JSON object).
class GeometryCommand : public Command {
 public:
  QString name() const override { return "geometry"; }
  QString summary() const override {
    return "Run an analysis metric (ID, curvature, entropy...) on a point cloud.";
  }
  void addOptions(QCommandLineParser& parser) const override;
  int run(const QCommandLineParser& parser, std::ostream& out) const override;
};

}  // namespace strata::cli
