#include "app/cli/Command.h"

#include "app/cli/GeometryCommand.h"
#include "app/cli/InspectCommand.h"
#include "app/cli/ProfileCommand.h"
#include "app/cli/TokenizeCommand.h"
#include "app/cli/TraceCommand.h"

namespace strata::cli {

std::vector<std::unique_ptr<Command>> allCommands() {
  std::vector<std::unique_ptr<Command>> commands;
  commands.push_back(std::make_unique<TokenizeCommand>());
  commands.push_back(std::make_unique<InspectCommand>());
  commands.push_back(std::make_unique<TraceCommand>());
  commands.push_back(std::make_unique<GeometryCommand>());
  commands.push_back(std::make_unique<ProfileCommand>());
  return commands;
}

QString requireValue(const QCommandLineParser& parser, const QString& option) {
  if (!parser.isSet(option)) throw UsageError{"missing required option --" + option};
  return parser.value(option);
}

}  // namespace strata::cli
