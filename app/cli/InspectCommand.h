#pragma once
#include "app/cli/Command.h"

namespace strata::cli {

/// strata-cli inspect --model DIR [--json]
/// Prints the architecture, the config, the parameter count per dtype and the tensor list.
class InspectCommand : public Command {
 public:
  QString name() const override { return "inspect"; }
  QString summary() const override {
    return "Describe a model folder: architecture, parameters, dtypes and tensors.";
  }
  void addOptions(QCommandLineParser& parser) const override;
  int run(const QCommandLineParser& parser, std::ostream& out) const override;
};

}  // namespace strata::cli
