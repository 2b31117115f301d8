#pragma once
#include "app/cli/Command.h"

namespace strata::cli {

/// strata-cli trace --model DIR --text STR | --ids 1,2,3 | --image FILE
///                  [--layers SPEC] [--attn all|none|SPEC] [--no-logits] [--no-special]
///                  [--device cpu|cuda] [--precision f32|bf16] --out FILE.safetensors
/// Runs the model once and writes the trace file of core/runtime/TraceFile.h.
class TraceCommand : public Command {
 public:
  QString name() const override { return "trace"; }
  QString summary() const override {
    return "Run a model on one input; write hidden states, attention and logits.";
  }
  void addOptions(QCommandLineParser& parser) const override;
  int run(const QCommandLineParser& parser, std::ostream& out) const override;
};

}  // namespace strata::cli
