#pragma once
// Table of a checkpoint's tensors (name, dtype, shape, size) for the model inspector.
// Plain data in: the front-end copies core's inspection result into TensorRow values.
#include <QAbstractTableModel>
#include <QString>
#include <QVector>

namespace strata::widgets {

struct TensorRow {
  QString name;
  QString dtype;
  QVector<qint64> shape;
  qint64 bytes = 0;
};

class TensorTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { Name, DType, Shape, Elements, Bytes, ColumnCount };
  using QAbstractTableModel::QAbstractTableModel;

  void setRows(QVector<TensorRow> rows);
  const QVector<TensorRow>& rows() const { return rows_; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

  /// "[768, 2304]" style text of a shape; "[]" for a scalar.
  static QString shapeText(const QVector<qint64>& shape);
  /// Human-readable byte size with binary units ("1.5 MiB").
  static QString bytesText(qint64 bytes);

 private:
  QVector<TensorRow> rows_;
};

}  // namespace strata::widgets
