// strata-cli: headless front-end. `strata-cli COMMAND [options]`; see --help.
#include <QCoreApplication>
#include <QString>
#include <QStringList>
#include <exception>
#include <iostream>
#include <new>

#include "app/cli/Command.h"
#include "core/util/Error.h"
#include "core/util/Runtime.h"

namespace {

using strata::cli::Command;

void printOverview(std::ostream& os, const std::vector<std::unique_ptr<Command>>& commands) {
  os << "Usage: strata-cli COMMAND [options]\n\n"
        "Strata: per-layer interpretability of transformer models, headless.\n\n"
        "Commands:\n";
  for (const auto& c : commands) {
    os << "  " << c->name().leftJustified(10).toStdString() << "  " << c->summary().toStdString()
       << "\n";
  }
  os << "\nRun 'strata-cli COMMAND --help' for a command's options.\n"
        "Exit status: 0 success, 1 bad input, 2 bad usage.\n";
}

int dispatch(int argc, char** argv) {
  const auto commands = strata::cli::allCommands();
  QStringList args;
  for (int i = 1; i < argc; ++i)
    args << QString::fromLocal8Bit(argv[i]);
  if (args.isEmpty()) {
    printOverview(std::cerr, commands);
    return strata::cli::kUsage;
  }
  const QString first = args.takeFirst();
  if (first == "--help" || first == "-h" || first == "help") {
    printOverview(std::cout, commands);
    return strata::cli::kOk;
  }
  if (first == "--version") {
    std::cout << "strata-cli " STRATA_VERSION " (" << strata::runtimeDescription() << ")\n";
    return strata::cli::kOk;
  }
  const Command* command = nullptr;
  for (const auto& c : commands)
    if (c->name() == first) command = c.get();
  if (!command) {
    std::cerr << "strata-cli: unknown command '" << first.toStdString()
              << "'; run 'strata-cli --help' for the list\n";
    return strata::cli::kUsage;
  }

  QCommandLineParser parser;
  parser.setApplicationDescription(command->summary());
  parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
  const QCommandLineOption help({"h", "help"}, "Show this help.");
  parser.addOption(help);
  command->addOptions(parser);
  const QString program = "strata-cli " + command->name();
  if (!parser.parse(QStringList{program} + args)) {
    std::cerr << program.toStdString() << ": " << parser.errorText().toStdString()
              << " (see --help)\n";
    return strata::cli::kUsage;
  }
  if (parser.isSet(help)) {
    // helpText() names the executable path; show the subcommand instead.
    QString text = parser.helpText();
    const qsizetype eol = text.indexOf('\n');
    text.replace(0, eol, "Usage: " + program + " [options]");
    std::cout << text.toStdString();
    return strata::cli::kOk;
  }
  if (!parser.positionalArguments().isEmpty()) {
    std::cerr << program.toStdString() << ": unexpected argument '"
              << parser.positionalArguments().first().toStdString() << "' (see --help)\n";
    return strata::cli::kUsage;
  }
  try {
    return command->run(parser, std::cout);
  } catch (const strata::cli::UsageError& e) {
    std::cerr << program.toStdString() << ": " << e.message.toStdString() << " (see --help)\n";
    return strata::cli::kUsage;
  }
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  QCoreApplication::setApplicationName("strata-cli");
  QCoreApplication::setApplicationVersion(STRATA_VERSION);
  strata::configureThreads();
  try {
    return dispatch(argc, argv);
  } catch (const strata::Error& e) {
    std::cerr << "strata-cli: " << e.what() << "\n";
  } catch (const std::bad_alloc&) {
    std::cerr << "strata-cli: out of memory\n";
  } catch (const std::exception& e) {
    std::cerr << "strata-cli: " << e.what() << "\n";
  }
  return strata::cli::kBadInput;
}
