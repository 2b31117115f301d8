#include "app/gui/MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QVBoxLayout>

#include "core/model/ModelInfo.h"
#include "core/util/Error.h"
#include "core/util/Runtime.h"
#include "widgets/TensorTableModel.h"

namespace strata::gui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("Strata"));
  setAcceptDrops(true);
  resize(1200, 800);

  auto* fileMenu = menuBar()->addMenu(tr("&File"));
  auto* open = fileMenu->addAction(tr("&Open Model Folder…"), this, &MainWindow::chooseModel);
  open->setShortcut(QKeySequence::Open);
  open->setToolTip(tr("Open a Hugging Face model folder (config.json + safetensors)"));
  fileMenu->addSeparator();
  auto* quit = fileMenu->addAction(tr("&Quit"), qApp, &QApplication::quit);
  quit->setShortcut(QKeySequence::Quit);

  auto* side = new QWidget;
  auto* sideLayout = new QVBoxLayout(side);
  title_ = new QLabel(tr("Open a model folder (Ctrl+O) or drop one here."));
  title_->setWordWrap(true);
  QFont big = title_->font();
  big.setPointSizeF(big.pointSizeF() * 1.3);
  big.setBold(true);
  title_->setFont(big);
  sideLayout->addWidget(title_);
  summary_ = new QFormLayout;
  sideLayout->addLayout(summary_);
  sideLayout->addStretch();

  tensors_ = new widgets::TensorTableModel(this);
  sorted_ = new QSortFilterProxyModel(this);
  sorted_->setSourceModel(tensors_);
  sorted_->setSortRole(Qt::UserRole);
  table_ = new QTableView;
  table_->setModel(sorted_);
  table_->setSortingEnabled(true);
  table_->sortByColumn(widgets::TensorTableModel::Name, Qt::AscendingOrder);
  table_->horizontalHeader()->setSectionResizeMode(widgets::TensorTableModel::Name,
                                                   QHeaderView::Stretch);
  table_->verticalHeader()->hide();
  table_->setAlternatingRowColors(true);

  auto* splitter = new QSplitter;
  splitter->addWidget(side);
  splitter->addWidget(table_);
  splitter->setStretchFactor(1, 1);
  splitter->setSizes({380, 820});
  setCentralWidget(splitter);

  statusBar()->showMessage(QString::fromStdString(runtimeDescription()));
}

bool MainWindow::openModel(const QString& folder) {
  ModelInfo info;
  try {
    info = inspectModel(folder.toStdString());
  } catch (const Error& e) {
    showError(QString::fromStdString(e.what()));
    return false;
  } catch (const std::exception& e) {
    showError(QString::fromStdString(e.what()));
    return false;
  }

  title_->setText(QString::fromStdString(info.config.architectureName()) + "\n" +
                  QFileInfo(folder).fileName());
  while (summary_->rowCount() > 0)
    summary_->removeRow(0);
  for (const auto& [k, v] : info.config.summary())
    summary_->addRow(QString::fromStdString(k), new QLabel(QString::fromStdString(v)));
  summary_->addRow(tr("Parameters"), new QLabel(QLocale().toString(info.parameterCount)));
  summary_->addRow(
      tr("weights"),
      new QLabel(widgets::TensorTableModel::bytesText(static_cast<qint64>(info.weightBytes))));
  for (const auto& w : info.warnings) {
    auto* label = new QLabel(QString::fromStdString(w));
    label->setWordWrap(true);
    summary_->addRow(tr("Warning"), label);
  }

  QVector<widgets::TensorRow> rows;
  rows.reserve(static_cast<qsizetype>(info.tensors.size()));
  for (const auto& t : info.tensors) {
    widgets::TensorRow r;
    r.name = QString::fromStdString(t.name);
    r.dtype = QString::fromLatin1(dtypeName(t.dtype).data(),
                                  static_cast<qsizetype>(dtypeName(t.dtype).size()));
    for (auto d : t.shape)
      r.shape << d;
    r.bytes = static_cast<qint64>(t.byteSize());
    rows << r;
  }
  tensors_->setRows(std::move(rows));
  setWindowTitle(tr("%1 — Strata").arg(QFileInfo(folder).fileName()));
  statusBar()->showMessage(tr("%1 · %2 tensors · %3")
                               .arg(folder)
                               .arg(info.tensors.size())
                               .arg(QString::fromStdString(runtimeDescription())));
  return true;
}

void MainWindow::chooseModel() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Open Model Folder"));
  if (!dir.isEmpty()) openModel(dir);
}

void MainWindow::showError(const QString& message) {
  statusBar()->showMessage(message, 10000);
  QMessageBox::warning(this, tr("Cannot open model"), message);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  const auto urls = event->mimeData()->urls();
  if (urls.size() == 1 && urls.first().isLocalFile() &&
      QFileInfo(urls.first().toLocalFile()).isDir())
    event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  openModel(event->mimeData()->urls().first().toLocalFile());
}

}  // namespace strata::gui
