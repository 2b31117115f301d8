#include <QtTest/QtTest>

#include <thread>

#include "core/util/Error.h"
#include "core/util/Runtime.h"

class TestRuntime : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void setsThreadCount() {
    QCOMPARE(strata::configureThreads(1), 1);
    QCOMPARE(strata::computeThreads(), 1);
    const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    QCOMPARE(strata::configureThreads(0), hw);
    QVERIFY(QString::fromStdString(strata::runtimeDescription()).startsWith("LibTorch 1."));
  }
  void errorCarriesCode() {
    try {
      throw strata::Error("x.code", "file.bin: broken");
    } catch (const strata::Error& e) {
      QCOMPARE(QString::fromStdString(e.code()), QString("x.code"));
      QCOMPARE(QString(e.what()), QString("file.bin: broken"));
    }
  }
};

QTEST_GUILESS_MAIN(TestRuntime)
#include "test_runtime.moc"
