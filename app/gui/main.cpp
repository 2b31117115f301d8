#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>
#include <cstdio>

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
  const QCommandLineOption screenshot(
      "screenshot", "Save a picture of the window to FILE once it is shown, then quit.", "FILE");
  parser.addOption(screenshot);
  parser.process(app);

  strata::configureThreads();
  strata::gui::MainWindow window;
  window.show();
  if (!parser.positionalArguments().isEmpty()) window.openModel(parser.positionalArguments()[0]);
  if (parser.isSet(screenshot)) {
    const QString file = parser.value(screenshot);
    QTimer::singleShot(300, &window, [&window, file] {
      if (!window.grab().save(file)) {
        std::fprintf(stderr, "strata: cannot write screenshot %s\n", qPrintable(file));
        QApplication::exit(1);
        return;
      }
      QApplication::quit();
    });
  }
  return QApplication::exec();
}
