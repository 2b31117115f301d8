#include <QApplication>

#include "app/gui/MainWindow.h"
#include "core/util/Runtime.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("Strata");
  QApplication::setOrganizationName("Strata");
  strata::configureThreads();
  strata::gui::MainWindow window;
  window.show();
  return QApplication::exec();
}
