// Checkpoint: single-file and sharded folders (fixture written by make_fixtures.py), index
// validation, and the refusal of pickle-only folders.
#include <QtCore/QDir>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include "IoTestUtil.h"
#include "core/io/Checkpoint.h"
#include "core/io/SafetensorsWriter.h"

using strata::Checkpoint;

namespace {

const char* kShard1 = "model-00001-of-00002.safetensors";
const char* kShard2 = "model-00002-of-00002.safetensors";

QString sharded(const QString& f = {}) {
  return iotest::dataPath("sharded") + (f.isEmpty() ? QString() : "/" + f);
}

// A copy of the sharded fixture's shards in `dir` with the given index text.
bool makeSharded(const QTemporaryDir& dir, const QByteArray& index) {
  for (const char* s : {kShard1, kShard2}) {
    if (!QFile::copy(sharded(s), dir.filePath(s))) return false;
  }
  return iotest::writeFile(dir.filePath("model.safetensors.index.json"), index);
}

QByteArray weightMap(const QByteArray& entries) {
  return "{\"weight_map\":{" + entries + "}}";
}

// The fixture's four tensors, mapped correctly, followed by `extra` entries.
QByteArray fullMap(const QByteArray& extra = {}) {
  return weightMap(
      "\"lm_head.bias\":\"model-00002-of-00002.safetensors\","
      "\"model.embed.weight\":\"model-00001-of-00002.safetensors\","
      "\"model.layers.0.w\":\"model-00001-of-00002.safetensors\","
      "\"model.layers.1.w\":\"model-00002-of-00002.safetensors\"" +
      extra);
}

}  // namespace

class TestCheckpoint : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void opensShardedFixture() {
    const auto c = Checkpoint::openFolder(sharded().toStdString());
    QCOMPARE(c.shards().size(), std::size_t{2});
    QVERIFY(iotest::contains(c.path(), "model.safetensors.index.json"));
    const auto all = c.tensors();
    QCOMPARE(all.size(), std::size_t{4});
    QCOMPARE(all[0].name, std::string("lm_head.bias"));
    QCOMPARE(all[1].name, std::string("model.embed.weight"));
    QCOMPARE(all[3].name, std::string("model.layers.1.w"));
    QVERIFY(c.contains("model.layers.0.w"));
    QVERIFY(!c.contains("model.layers.2.w"));
    QVERIFY(iotest::contains(c.fileOf("model.layers.1.w").path(), kShard2));
    QVERIFY(iotest::contains(c.fileOf("model.embed.weight").path(), kShard1));
    QCOMPARE(c.info("model.embed.weight").shape, (std::vector<std::int64_t>{2, 3}));
    QCOMPARE(c.toFloat("model.embed.weight"),
             (std::vector<float>{0.0f, 0.25f, 0.5f, 0.75f, 1.0f, 1.25f}));
    QCOMPARE(c.toFloat("model.layers.0.w"), (std::vector<float>{0.5f, -1.0f}));
    QCOMPARE(c.toFloat("model.layers.1.w"), (std::vector<float>{1.0f, 2.0f, -3.0f}));
    QCOMPARE(c.toFloat("lm_head.bias"), std::vector<float>{-3.5f});

    // totalBytes agrees with the index's own total_size written by the Python script.
    const auto index =
        QJsonDocument::fromJson(iotest::readFile(sharded("model.safetensors.index.json")));
    QCOMPARE(static_cast<qint64>(c.totalBytes()),
             index["metadata"].toObject()["total_size"].toInteger());
    QCOMPARE(c.totalBytes(), std::uint64_t{24 + 4 + 6 + 4});

    STRATA_EXPECT_ERROR(c.fileOf("nope"), "checkpoint.no_such_tensor", "'nope'", c.path());
    STRATA_EXPECT_ERROR(c.toFloat("nope"), "checkpoint.no_such_tensor", "'nope'");

    const auto viaFile =
        Checkpoint::openFile(sharded("model.safetensors.index.json").toStdString());
    QCOMPARE(viaFile.tensors().size(), std::size_t{4});
  }

  void opensSingleFile() {
    QTemporaryDir dir;
    QVERIFY(QFile::copy(iotest::dataPath("dtypes.safetensors"), dir.filePath("model.safetensors")));
    const auto c = Checkpoint::openFolder(dir.path().toStdString());
    QCOMPARE(c.shards().size(), std::size_t{1});
    QCOMPARE(c.tensors().size(), std::size_t{12});
    QCOMPARE(c.tensors().front().name, std::string("bf16"));  // sorted by name
    QCOMPARE(c.toFloat("scalar"), std::vector<float>{42.5f});
    QCOMPARE(c.totalBytes(), std::uint64_t{240});
    QCOMPARE(&c.fileOf("f16"), c.shards().front().get());

    // With both present, the index wins.
    QVERIFY(makeSharded(dir, fullMap()));
    QCOMPARE(Checkpoint::openFolder(dir.path().toStdString()).shards().size(), std::size_t{2});
  }

  void refusesPickleFolders() {
    for (const char* name : {"pytorch_model.bin", "model.pt", "weights.pth", "last.ckpt",
                             "pytorch_model-00001-of-00002.bin"}) {
      QTemporaryDir dir;
      QVERIFY(iotest::writeFile(dir.filePath(name), QByteArray("\x80\x02}q\x00.", 6)));
      QVERIFY(iotest::writeFile(dir.filePath("config.json"), "{}"));
      STRATA_EXPECT_ERROR(Checkpoint::openFolder(dir.path().toStdString()),
                          "checkpoint.pickle_refused", dir.path().toStdString(), name, "pickle",
                          "save_file", "safe_serialization=True");
    }
    // A pickle file given directly is recognised by its bytes.
    QTemporaryDir dir;
    const QString bin = dir.filePath("pytorch_model.bin");
    QVERIFY(iotest::writeFile(bin, QByteArray("PK\x03\x04rest", 8)));
    STRATA_EXPECT_ERROR(Checkpoint::openFile(bin.toStdString()), "safetensors.pickle_file",
                        bin.toStdString(), "save_file");
  }

  void reportsMissingWeights() {
    QTemporaryDir dir;
    STRATA_EXPECT_ERROR(Checkpoint::openFolder(dir.path().toStdString()), "checkpoint.no_weights",
                        dir.path().toStdString());
    QVERIFY(iotest::writeFile(dir.filePath("config.json"), "{}"));
    QVERIFY(iotest::writeFile(dir.filePath("training_args.bin"), "\x80\x04"));
    STRATA_EXPECT_ERROR(Checkpoint::openFolder(dir.path().toStdString()), "checkpoint.no_weights",
                        "model.safetensors");
    QVERIFY(QFile::copy(iotest::dataPath("dtypes.safetensors"),
                        dir.filePath("adapter_model.safetensors")));
    STRATA_EXPECT_ERROR(Checkpoint::openFolder(dir.path().toStdString()), "checkpoint.no_weights",
                        "adapter_model.safetensors");
    const std::string missing = dir.filePath("nope").toStdString();
    STRATA_EXPECT_ERROR(Checkpoint::openFolder(missing), "checkpoint.not_a_folder", missing);
    STRATA_EXPECT_ERROR(Checkpoint::openFolder(dir.filePath("config.json").toStdString()),
                        "checkpoint.not_a_folder", "config.json");
  }

  void rejectsBadIndex_data() {
    QTest::addColumn<QByteArray>("index");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("detail");  // must appear in the message

    QTest::newRow("invalid json") << QByteArray("{\"weight_map\":")
                                  << "checkpoint.index_invalid_json"
                                  << "";
    QTest::newRow("not utf8") << weightMap("\"a\xff\":\"x\"") << "checkpoint.index_invalid_json"
                              << "";
    QTest::newRow("nul byte") << QByteArray("{}\0{\"x\":1}", 10) << "checkpoint.index_invalid_json"
                              << "";
    QTest::newRow("too deep") << "{\"metadata\":{\"x\":" + QByteArray(70, '[') +
                                     QByteArray(70, ']') + "}}"
                              << "checkpoint.index_too_deep"
                              << "";
    QTest::newRow("tensor mapped twice")
        << fullMap(",\"lm_head.bias\":\"model-00001-of-00002.safetensors\"")
        << "checkpoint.index_duplicate_key"
        << "lm_head.bias";
    QTest::newRow("array") << QByteArray("[]") << "checkpoint.index_not_object"
                           << "";
    QTest::newRow("metadata string")
        << QByteArray("{\"metadata\":\"x\",\"weight_map\":{}}") << "checkpoint.index_bad_metadata"
        << "metadata";
    QTest::newRow("no weight_map")
        << QByteArray("{\"metadata\":{}}") << "checkpoint.index_no_weight_map"
        << "weight_map";
    QTest::newRow("weight_map array")
        << QByteArray("{\"weight_map\":[]}") << "checkpoint.index_no_weight_map"
        << "weight_map";
    QTest::newRow("empty weight_map") << weightMap("") << "checkpoint.index_empty"
                                      << "";
    QTest::newRow("shard not string") << fullMap(",\"x\":3") << "checkpoint.index_bad_entry"
                                      << "'x'";
    QTest::newRow("absolute shard")
        << fullMap(",\"x\":\"/etc/passwd\"") << "checkpoint.index_bad_shard_path"
        << "/etc/passwd";
    QTest::newRow("dotdot shard") << fullMap(",\"x\":\"../model-00001-of-00002.safetensors\"")
                                  << "checkpoint.index_bad_shard_path"
                                  << "../model";
    QTest::newRow("inner dotdot") << fullMap(",\"x\":\"a/../../b.safetensors\"")
                                  << "checkpoint.index_bad_shard_path"
                                  << "a/../../b";
    QTest::newRow("backslash") << fullMap(",\"x\":\"..\\\\b.safetensors\"")
                               << "checkpoint.index_bad_shard_path"
                               << "'x'";
    QTest::newRow("empty shard") << fullMap(",\"x\":\"\"") << "checkpoint.index_bad_shard_path"
                                 << "'x'";
    QTest::newRow("missing shard")
        << fullMap(",\"x\":\"model-00003-of-00003.safetensors\"") << "checkpoint.shard_missing"
        << "model-00003-of-00003";
    QTest::newRow("ghost tensor") << fullMap(",\"ghost\":\"model-00001-of-00002.safetensors\"")
                                  << "checkpoint.tensor_missing_from_shard"
                                  << "'ghost'";
    QTest::newRow("wrong shard")
        << weightMap(
               "\"lm_head.bias\":\"model-00001-of-00002.safetensors\","
               "\"model.embed.weight\":\"model-00001-of-00002.safetensors\","
               "\"model.layers.0.w\":\"model-00001-of-00002.safetensors\","
               "\"model.layers.1.w\":\"model-00002-of-00002.safetensors\"")
        << "checkpoint.tensor_missing_from_shard"
        << "'lm_head.bias'";
    QTest::newRow("unlisted tensor")
        << weightMap(
               "\"lm_head.bias\":\"model-00002-of-00002.safetensors\","
               "\"model.embed.weight\":\"model-00001-of-00002.safetensors\","
               "\"model.layers.1.w\":\"model-00002-of-00002.safetensors\"")
        << "checkpoint.tensor_not_in_index"
        << "'model.layers.0.w'";
    QTest::newRow("in two shards")
        << fullMap(",\"extra\":\"sub/extra.safetensors\"") << "checkpoint.tensor_in_two_shards"
        << "'lm_head.bias'";
    QTest::newRow("corrupt shard")
        << fullMap(",\"t\":\"sub/truncated.safetensors\"") << "safetensors.data_out_of_bounds"
        << "truncated.safetensors";
  }

  void rejectsBadIndex() {
    QFETCH(QByteArray, index);
    QFETCH(QString, code);
    QFETCH(QString, detail);
    QTemporaryDir dir;
    QVERIFY(makeSharded(dir, index));
    QVERIFY(QDir(dir.path()).mkdir("sub"));
    {  // a shard repeating lm_head.bias, and a truncated shard
      strata::SafetensorsWriter w;
      const std::vector<float> v{1.0f};
      w.addFloat("extra", {1}, v);
      w.addFloat("lm_head.bias", {1}, v);
      w.write(dir.filePath("sub/extra.safetensors").toStdString());
      strata::SafetensorsWriter t;
      t.addFloat("t", {1}, v);
      const auto bytes = t.serialize();
      QVERIFY(iotest::writeFile(dir.filePath("sub/truncated.safetensors"),
                                QByteArray(reinterpret_cast<const char*>(bytes.data()),
                                           static_cast<qsizetype>(bytes.size() - 1))));
    }
    const std::string folder = dir.path().toStdString();
    const auto caught = iotest::catchError([&] { Checkpoint::openFolder(folder); });
    QVERIFY2(caught.thrown, "no strata::Error");
    QCOMPARE(QString::fromStdString(caught.code), code);
    QVERIFY2(iotest::contains(caught.message, folder), caught.message.c_str());
    QVERIFY2(iotest::contains(caught.message, detail.toStdString()), caught.message.c_str());
  }

  void acceptsNestedAndDotShardPaths() {
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkdir("sub"));
    QVERIFY(QFile::copy(sharded(kShard1), dir.filePath("sub/a.safetensors")));
    QVERIFY(QFile::copy(sharded(kShard2), dir.filePath("b.safetensors")));
    QVERIFY(iotest::writeFile(dir.filePath("model.safetensors.index.json"),
                              weightMap("\"lm_head.bias\":\"./b.safetensors\","
                                        "\"model.embed.weight\":\"sub/a.safetensors\","
                                        "\"model.layers.0.w\":\"sub/./a.safetensors\","
                                        "\"model.layers.1.w\":\"b.safetensors\"")));
    const auto c = Checkpoint::openFolder(dir.path().toStdString());
    QCOMPARE(c.shards().size(), std::size_t{2});  // "./b" and "b" are one shard
    QCOMPARE(c.toFloat("lm_head.bias"), std::vector<float>{-3.5f});
  }
};

QTEST_GUILESS_MAIN(TestCheckpoint)
#include "test_checkpoint.moc"
