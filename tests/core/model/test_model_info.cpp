// inspectModel() and the config-vs-weights checks on the tiny fixture checkpoints written by
// tests/data/models/make_fixtures.py (expected counts come from that script, not from Strata).
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

#include "core/model/ModelInfo.h"
#include "core/model/ModelWeights.h"
#include "core/util/Error.h"

using strata::Architecture;
using strata::ModelInfo;
using Json = nlohmann::json;

namespace {

std::string fixture(const std::string& name) {
  return std::string(STRATA_TEST_DATA) + "/models/" + name;
}

std::string sampleFolder() {
  return std::string(STRATA_TEST_DATA) + "/../../resources/samples/tiny-gpt2";
}

Json readJson(const std::string& path) {
  std::ifstream in(path);
  return Json::parse(in);
}

template <typename F>
QString errorOf(F&& fn, const char* code) {
  try {
    fn();
  } catch (const strata::Error& e) {
    if (e.code() != code) {
      qWarning("got code %s: %s", e.code().c_str(), e.what());
      return QString("WRONG CODE ") + QString::fromStdString(e.code());
    }
    return QString::fromUtf8(e.what());
  }
  return QString("NO ERROR");
}

#define EXPECT_ERROR(msgVar, expr, code)               \
  const QString msgVar = errorOf([&] { expr; }, code); \
  QVERIFY2(!msgVar.startsWith("NO ERROR") && !msgVar.startsWith("WRONG CODE"), qPrintable(msgVar))

// Compares counts with the script's expected.json entry.
void checkCounts(const ModelInfo& info, const Json& e) {
  QCOMPARE(info.parameterCount, e.at("parameterCount").get<std::int64_t>());
  QCOMPARE(static_cast<std::int64_t>(info.tensors.size()), e.at("tensorCount").get<std::int64_t>());
  std::map<std::string, std::int64_t> want;
  for (const auto& [k, v] : e.at("elementsByDType").items())
    want[k] = v.get<std::int64_t>();
  QCOMPARE(info.elementsByDType, want);
}

strata::TensorInfo tensor(const std::string& name, std::vector<std::int64_t> shape,
                          strata::DType dtype = strata::DType::F32) {
  strata::TensorInfo t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  return t;
}

}  // namespace

class TestModelInfo : public QObject {
  Q_OBJECT
 private:
  Json expected_;

 private Q_SLOTS:
  void initTestCase() { expected_ = readJson(fixture("expected.json")); }

  void eachFamily_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("arch");
    QTest::addColumn<int>("hidden");
    QTest::addColumn<int>("layers");
    QTest::addColumn<int>("vocab");
    for (const auto& [name, arch, hidden, vocab] :
         std::vector<std::tuple<const char*, Architecture, int, int>>{
             {"tiny-gpt2", Architecture::GPT2, 16, 64},
             {"tiny-gpt2-hub", Architecture::GPT2, 16, 64},
             {"tiny-llama", Architecture::Llama, 32, 96},
             {"tiny-mistral", Architecture::Mistral, 32, 80},
             {"tiny-qwen2", Architecture::Qwen2, 32, 100},
             {"tiny-bert", Architecture::Bert, 16, 50},
             {"tiny-roberta", Architecture::Roberta, 16, 60},
             {"tiny-vit", Architecture::ViT, 16, 0}}) {
      QTest::newRow(name) << QString(name) << static_cast<int>(arch) << hidden << 2 << vocab;
    }
  }
  void eachFamily() {
    QFETCH(QString, name);
    QFETCH(int, arch);
    QFETCH(int, hidden);
    QFETCH(int, layers);
    QFETCH(int, vocab);
    const std::string n = name.toStdString();
    const ModelInfo info = strata::inspectModel(fixture(n));
    QCOMPARE(static_cast<int>(info.config.architecture), arch);
    QCOMPARE(info.config.hiddenSize, hidden);
    QCOMPARE(info.config.numLayers, layers);
    QCOMPARE(info.config.vocabSize, vocab);
    QCOMPARE(info.folder, fixture(n));
    checkCounts(info, expected_.at(n));
    QVERIFY(info.weightBytes > static_cast<std::uint64_t>(info.parameterCount));
    QVERIFY(std::is_sorted(info.tensors.begin(), info.tensors.end(),
                           [](const auto& a, const auto& b) { return a.name < b.name; }));
  }

  void gpt2HubBuffersAreNotParameters() {
    const ModelInfo info = strata::inspectModel(fixture("tiny-gpt2-hub"));
    // 2 layers x (32 x 32 mask + 1 scalar) F32 buffers beside the F16 weights.
    QCOMPARE(info.elementsByDType.at("F32"), 2 * (32 * 32 + 1));
    QCOMPARE(info.parameterCount, info.elementsByDType.at("F16"));
    QCOMPARE(info.config.intermediateSize, 48);  // n_inner given
    QVERIFY(strata::isBufferTensor(info.config, "h.0.attn.bias"));
    QVERIFY(strata::isBufferTensor(info.config, "h.1.attn.masked_bias"));
    QVERIFY(!strata::isBufferTensor(info.config, "h.0.attn.c_attn.bias"));
    QVERIFY(!strata::isBufferTensor(info.config, "transformer.h.0.attn.c_proj.bias"));
  }

  void llamaShardedBf16() {
    const ModelInfo info = strata::inspectModel(fixture("tiny-llama"));
    QCOMPARE(info.elementsByDType.size(), std::size_t{1});
    QVERIFY(info.elementsByDType.count("BF16"));
    QCOMPARE(info.config.numKvHeads, 2);
    QCOMPARE(info.config.ropeScaling->factor, 8.0);
    QVERIFY(!info.config.tieWordEmbeddings);
    // 96 x 32 embedding + 96 x 32 untied lm_head are both counted.
    const auto layout = strata::detectWeightLayout(info.config, info.tensors, info.folder);
    QCOMPARE(layout.prefix, std::string("model."));
    QCOMPARE(layout.outputEmbedding, std::string("lm_head.weight"));
    QCOMPARE(layout.blockPrefix, std::string("model.layers."));
  }

  void bertOldNamesAndIntBuffer() {
    const ModelInfo info = strata::inspectModel(fixture("tiny-bert"));
    QCOMPARE(info.elementsByDType.at("I64"), 32);  // embeddings.position_ids, not a parameter
    QCOMPARE(info.parameterCount, info.elementsByDType.at("F32"));
    const auto layout = strata::detectWeightLayout(info.config, info.tensors, info.folder);
    QCOMPARE(layout.prefix, std::string("bert."));
    QVERIFY(layout.outputEmbedding.empty());  // decoder tied, not stored
  }

  void robertaWithoutPrefix() {
    const ModelInfo info = strata::inspectModel(fixture("tiny-roberta"));
    const auto layout = strata::detectWeightLayout(info.config, info.tensors, info.folder);
    QCOMPARE(layout.prefix, std::string(""));
    QCOMPARE(info.config.positionOffset, 2);
    QCOMPARE(info.elementsByDType.at("F16"), info.parameterCount);
  }

  void vitPaths() {
    const ModelInfo info = strata::inspectModel(fixture("tiny-vit"));
    QCOMPARE(info.preprocessorPath, fixture("tiny-vit") + "/preprocessor_config.json");
    QVERIFY(info.tokenizerPath.empty());
    QCOMPARE(info.config.numPatches(), 16);
    QCOMPARE(info.config.labels.size(), std::size_t{3});
    QVERIFY(info.warnings.empty());
  }

  void sampleModel() {
    const ModelInfo info = strata::inspectModel(sampleFolder());
    QCOMPARE(info.config.vocabSize, 512);
    QCOMPARE(info.config.hiddenSize, 64);
    QCOMPARE(info.config.numLayers, 2);
    checkCounts(info, expected_.at("sample-tiny-gpt2"));
    QCOMPARE(info.tokenizerPath, sampleFolder() + "/tokenizer.json");
    QVERIFY(info.warnings.empty());
    QVERIFY(info.weightBytes < 1'000'000);

    // The tokenizer: 256 GPT-2 byte symbols + 255 merge results + <|endoftext|>, GPT-2's ids.
    const Json tok = readJson(info.tokenizerPath);
    const Json& vocab = tok.at("model").at("vocab");
    QCOMPARE(tok.at("model").at("type").get<std::string>(), std::string("BPE"));
    QCOMPARE(vocab.size(), std::size_t{511});
    QCOMPARE(tok.at("model").at("merges").size(), std::size_t{255});
    QCOMPARE(vocab.at("!").get<int>(), 0);
    QCOMPARE(vocab.at("\xC4\xA0t").get<int>(), 256);  // "Ġt", GPT-2's first merge
    QCOMPARE(tok.at("added_tokens").at(0).at("content").get<std::string>(),
             std::string("<|endoftext|>"));
    QCOMPARE(tok.at("added_tokens").at(0).at("id").get<int>(), 511);
    QCOMPARE(tok.at("pre_tokenizer").at("type").get<std::string>(), std::string("ByteLevel"));
    QCOMPARE(tok.at("decoder").at("type").get<std::string>(), std::string("ByteLevel"));
    QCOMPARE(tok.at("post_processor").at("type").get<std::string>(), std::string("ByteLevel"));
    // Every merge joins two tokens that exist before it, and its result is in the vocab.
    std::set<std::string> seen;
    for (int i = 0; i < 256; ++i) {
      for (const auto& [k, v] : vocab.items()) {
        if (v.get<int>() == i) seen.insert(k);
      }
    }
    QCOMPARE(seen.size(), std::size_t{256});
    for (const auto& m : tok.at("model").at("merges")) {
      std::string a, b;
      if (m.is_string()) {
        const auto s = m.get<std::string>();
        a = s.substr(0, s.find(' '));
        b = s.substr(s.find(' ') + 1);
      } else {
        a = m.at(0).get<std::string>();
        b = m.at(1).get<std::string>();
      }
      QVERIFY(seen.count(a) && seen.count(b));
      QVERIFY(vocab.contains(a + b));
      seen.insert(a + b);
    }
  }

  void warnings() {
    const ModelInfo info = strata::inspectModel(fixture("tiny-gpt2"));
    QCOMPARE(info.warnings.size(), std::size_t{1});
    QVERIFY(QString::fromStdString(info.warnings[0]).contains("tokenizer.json"));
  }

  void vocabMismatch() {
    EXPECT_ERROR(msg, strata::inspectModel(fixture("bad-vocab")), "model.vocab_mismatch");
    QVERIFY2(msg.contains("vocab_size = 65") && msg.contains("transformer.wte.weight") &&
                 msg.contains("64 rows") && msg.contains("bad-vocab"),
             qPrintable(msg));
  }

  void hiddenMismatch() {
    EXPECT_ERROR(msg, strata::inspectModel(fixture("bad-hidden")), "model.hidden_mismatch");
    QVERIFY2(
        msg.contains("hidden_size = 24") && msg.contains("bert.embeddings.word_embeddings.weight"),
        qPrintable(msg));
  }

  void layerMismatch() {
    EXPECT_ERROR(msg, strata::inspectModel(fixture("bad-layers")), "model.layer_mismatch");
    QVERIFY2(msg.contains("num_hidden_layers = 3") && msg.contains("2 blocks"), qPrintable(msg));
  }

  void untiedLmHeadMismatch() {
    EXPECT_ERROR(msg, strata::inspectModel(fixture("bad-lm-head")), "model.vocab_mismatch");
    QVERIFY2(msg.contains("lm_head.weight") && msg.contains("95 rows"), qPrintable(msg));
  }

  void kvHeadsMismatch() {
    EXPECT_ERROR(msg, strata::inspectModel(fixture("bad-kv-heads")), "model.shape_mismatch");
    QVERIFY2(msg.contains("model.layers.0.self_attn.k_proj.weight") && msg.contains("[32, 32]") &&
                 msg.contains("[16, 32]") && msg.contains("num_key_value_heads"),
             qPrintable(msg));
  }

  void pickleRefused() {
    EXPECT_ERROR(msg, strata::inspectModel(fixture("pickle-only")), "checkpoint.pickle_refused");
  }

  void missingConfig() {
    EXPECT_ERROR(msg, strata::inspectModel(fixture("no-config")), "config.not_found");
    QVERIFY2(
        msg.contains(QString::fromStdString(fixture("no-config"))) && msg.contains("config.json"),
        qPrintable(msg));
    EXPECT_ERROR(msg2, strata::inspectModel(fixture("does-not-exist")), "model.no_such_folder");
  }

  // Checks on synthetic tensor lists: no files involved.
  void blockGapIsReported() {
    const auto c = strata::parseModelConfig(
        R"({"model_type": "gpt2", "n_embd": 8, "n_layer": 2, "n_head": 2, "vocab_size": 10, "n_positions": 4})",
        "cfg");
    const std::vector<strata::TensorInfo> t = {tensor("wte.weight", {10, 8}),
                                               tensor("h.0.ln_1.weight", {8}),
                                               tensor("h.2.ln_1.weight", {8})};
    EXPECT_ERROR(msg, strata::validateWeights(c, t, "dir"), "model.layer_mismatch");
    QVERIFY2(msg.contains("block 1 missing") && msg.contains("n_layer = 2"), qPrintable(msg));
    // h.10 is block 10, not block 1; "h.x" is not a block.
    const std::vector<strata::TensorInfo> u = {
        tensor("wte.weight", {10, 8}), tensor("h.0.ln_1.weight", {8}),
        tensor("h.10.ln_1.weight", {8}), tensor("h.x.foo", {8})};
    EXPECT_ERROR(msg2, strata::validateWeights(c, u, "dir"), "model.layer_mismatch");
  }

  void missingEmbeddingOrBias() {
    const auto c = strata::parseModelConfig(
        R"({"model_type": "qwen2", "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2,
            "num_key_value_heads": 1, "intermediate_size": 12, "vocab_size": 10})",
        "cfg");
    EXPECT_ERROR(msg, strata::validateWeights(c, {tensor("wte.weight", {10, 8})}, "dir"),
                 "model.missing_tensor");
    QVERIFY2(msg.contains("model.embed_tokens.weight") && msg.contains("dir"), qPrintable(msg));

    std::vector<strata::TensorInfo> t = {tensor("model.embed_tokens.weight", {10, 8}),
                                         tensor("model.norm.weight", {8})};
    const std::string b = "model.layers.0.";
    for (const char* n : {"input_layernorm.weight", "post_attention_layernorm.weight"})
      t.push_back(tensor(b + n, {8}));
    t.push_back(tensor(b + "self_attn.q_proj.weight", {8, 8}));
    t.push_back(tensor(b + "self_attn.k_proj.weight", {4, 8}));
    t.push_back(tensor(b + "self_attn.v_proj.weight", {4, 8}));
    t.push_back(tensor(b + "self_attn.o_proj.weight", {8, 8}));
    t.push_back(tensor(b + "mlp.gate_proj.weight", {12, 8}));
    t.push_back(tensor(b + "mlp.up_proj.weight", {12, 8}));
    t.push_back(tensor(b + "mlp.down_proj.weight", {8, 12}));
    // Qwen2 needs the q/k/v biases.
    EXPECT_ERROR(msg2, strata::validateWeights(c, t, "dir"), "model.missing_tensor");
    QVERIFY2(msg2.contains("self_attn.q_proj.bias"), qPrintable(msg2));
    t.push_back(tensor(b + "self_attn.q_proj.bias", {8}));
    t.push_back(tensor(b + "self_attn.k_proj.bias", {4}));
    t.push_back(tensor(b + "self_attn.v_proj.bias", {4}));
    const auto w = strata::validateWeights(c, t, "dir");
    QCOMPARE(w.size(), std::size_t{1});  // untied, no lm_head: a base model
    QVERIFY(QString::fromStdString(w[0]).contains("lm_head"));
  }
};

QTEST_GUILESS_MAIN(TestModelInfo)
#include "test_model_info.moc"
