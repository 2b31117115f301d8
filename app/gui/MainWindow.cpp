#include "app/gui/MainWindow.h"

namespace strata::gui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("Strata"));
  resize(1200, 800);
}

}  // namespace strata::gui
