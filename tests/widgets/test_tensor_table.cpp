#include <QSortFilterProxyModel>
#include <QtTest/QtTest>

#include "widgets/TensorTableModel.h"

using strata::widgets::TensorRow;
using strata::widgets::TensorTableModel;

class TestTensorTable : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void formatsShapesAndSizes() {
    QCOMPARE(TensorTableModel::shapeText({768, 2304}), QString("[768, 2304]"));
    QCOMPARE(TensorTableModel::shapeText({}), QString("[]"));
    QCOMPARE(TensorTableModel::bytesText(512), QString("512 B"));
    QCOMPARE(TensorTableModel::bytesText(1536), QString("1.5 KiB"));
    QCOMPARE(TensorTableModel::bytesText(7340032), QString("7.0 MiB"));
  }

  void rowsAndSortKeys() {
    TensorTableModel model;
    model.setRows({{"b.weight", "F16", {4, 8}, 64}, {"a.bias", "F32", {8}, 32}});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), int(TensorTableModel::ColumnCount));
    QCOMPARE(model.data(model.index(0, TensorTableModel::Shape)).toString(), QString("[4, 8]"));
    QCOMPARE(model.data(model.index(0, TensorTableModel::Elements), Qt::UserRole).toLongLong(),
             32LL);
    QSortFilterProxyModel sorted;
    sorted.setSourceModel(&model);
    sorted.setSortRole(Qt::UserRole);
    sorted.sort(TensorTableModel::Elements, Qt::AscendingOrder);
    QCOMPARE(sorted.data(sorted.index(0, TensorTableModel::Name)).toString(), QString("a.bias"));
    sorted.sort(TensorTableModel::Name, Qt::AscendingOrder);
    QCOMPARE(sorted.data(sorted.index(1, TensorTableModel::Name)).toString(), QString("b.weight"));
  }
};

QTEST_MAIN(TestTensorTable)
#include "test_tensor_table.moc"
