#include "widgets/TensorTableModel.h"

#include <QLocale>

namespace strata::widgets {

namespace {
qint64 elementCount(const QVector<qint64>& shape) {
  qint64 n = 1;
  for (qint64 d : shape)
    n *= d;
  return n;
}
}  // namespace

void TensorTableModel::setRows(QVector<TensorRow> rows) {
  beginResetModel();
  rows_ = std::move(rows);
  endResetModel();
}

int TensorTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int TensorTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant TensorTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rows_.size()) return {};
  const TensorRow& r = rows_[index.row()];
  if (role == Qt::DisplayRole) {
    switch (index.column()) {
      case Name:
        return r.name;
      case DType:
        return r.dtype;
      case Shape:
        return shapeText(r.shape);
      case Elements:
        return QLocale().toString(elementCount(r.shape));
      case Bytes:
        return bytesText(r.bytes);
      default:
        return {};
    }
  }
  if (role == Qt::UserRole) {  // sort keys
    switch (index.column()) {
      case Elements:
        return elementCount(r.shape);
      case Bytes:
        return r.bytes;
      default:
        return data(index, Qt::DisplayRole);
    }
  }
  if (role == Qt::TextAlignmentRole && (index.column() == Elements || index.column() == Bytes))
    return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
  return {};
}

QVariant TensorTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case Name:
      return tr("Tensor");
    case DType:
      return tr("DType");
    case Shape:
      return tr("Shape");
    case Elements:
      return tr("Elements");
    case Bytes:
      return tr("Size");
    default:
      return {};
  }
}

QString TensorTableModel::shapeText(const QVector<qint64>& shape) {
  QStringList parts;
  for (qint64 d : shape)
    parts << QString::number(d);
  return "[" + parts.join(", ") + "]";
}

QString TensorTableModel::bytesText(qint64 bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  return u == 0 ? QString("%1 B").arg(bytes) : QString("%1 %2").arg(v, 0, 'f', 1).arg(units[u]);
}

}  // namespace strata::widgets
