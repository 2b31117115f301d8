#pragma once
// One strata-cli subcommand: its options, parsing and run. Commands call core only; they
// print results on stdout and leave error reporting to main (strata::Error -> one line on
// stderr, exit status 1). Exit status: 0 success, 1 bad input, 2 bad usage.
#include <QCommandLineParser>
#include <QString>
#include <QStringList>
#include <iosfwd>
#include <memory>
#include <vector>

namespace strata::cli {

enum ExitCode { kOk = 0, kBadInput = 1, kUsage = 2 };

/// Raised by commands for option combinations QCommandLineParser cannot express.
struct UsageError {
  QString message;
};

class Command {
 public:
  virtual ~Command() = default;
  virtual QString name() const = 0;
  virtual QString summary() const = 0;
  /// Declares the command's options (--help is added by the dispatcher).
  virtual void addOptions(QCommandLineParser& parser) const = 0;
  /// Runs with parsed options; returns an exit code. Throws strata::Error on bad input and
  /// UsageError on bad usage.
  virtual int run(const QCommandLineParser& parser, std::ostream& out) const = 0;
};

/// All subcommands, in the order `strata-cli --help` lists them.
std::vector<std::unique_ptr<Command>> allCommands();

/// The value of a required option, or UsageError naming it.
QString requireValue(const QCommandLineParser& parser, const QString& option);

}  // namespace strata::cli
