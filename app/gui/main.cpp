#include <QApplication>
#include <QCommandLineParser>

#include "app/gui/MainWindow.h"
#include "core/util/Runtime.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("Strata");
  QApplication::setOrganizationName("Strata");
  QApplication::setApplicationVersion(STRATA_VERSION);

  QCommandLineParser parser;
  parser.setApplicationDescription("Strata: what does each layer of this network do?");
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument("model", "A model folder to open.", "[MODEL]");
  parser.process(app);

  strata::configureThreads();
  strata::gui::MainWindow window;
  window.show();
  if (!parser.positionalArguments().isEmpty()) window.openModel(parser.positionalArguments()[0]);
  return QApplication::exec();
}
