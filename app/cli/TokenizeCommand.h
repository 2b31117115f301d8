#pragma once
#include "app/cli/Command.h"

namespace strata::cli {

/// strata-cli tokenize --tokenizer FILE | --model DIR  --text STR | --file FILE
///                     [--no-special] [--json]
/// Prints ids, token strings and the byte span of each token in the input.
class TokenizeCommand : public Command {
 public:
  QString name() const override { return "tokenize"; }
  QString summary() const override {
    return "Tokenize text with a tokenizer.json; print ids, tokens and spans.";
  }
  void addOptions(QCommandLineParser& parser) const override;
  int run(const QCommandLineParser& parser, std::ostream& out) const override;
};

}  // namespace strata::cli
