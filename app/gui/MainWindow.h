#pragma once
// Main window (wiring only). Until the views of the desktop-app issues land, it opens a model
// folder (menu, drag and drop, command line) and shows what core's inspection reports:
// architecture, config, parameter count and the tensor table.
#include <QMainWindow>

class QFormLayout;
class QLabel;
class QSortFilterProxyModel;
class QTableView;

namespace strata::widgets {
class TensorTableModel;
}

namespace strata::gui {

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);

  /// Inspects `folder` and shows it; on failure shows the error and keeps the previous model.
  /// Returns whether the folder was loaded.
  bool openModel(const QString& folder);

 protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void chooseModel();
  void showError(const QString& message);

  widgets::TensorTableModel* tensors_ = nullptr;
  QSortFilterProxyModel* sorted_ = nullptr;
  QTableView* table_ = nullptr;
  QFormLayout* summary_ = nullptr;
  QLabel* title_ = nullptr;
};

}  // namespace strata::gui
