#pragma once
// Main window (wiring only). Until the views of the desktop-app issues land, it opens a model
// folder and shows what core's inspection reports: architecture, parameters and tensors.
#include <QMainWindow>

namespace strata::gui {

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
};

}  // namespace strata::gui
