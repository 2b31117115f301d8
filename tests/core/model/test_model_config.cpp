// Parsing of real Hub config.json files, Hugging Face defaults, and config-level errors.
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "core/model/ModelConfig.h"
#include "core/util/Error.h"

using strata::Architecture;
using strata::ModelConfig;
using Json = nlohmann::json;

namespace {

std::string hubPath(const char* name) {
  return std::string(STRATA_TEST_DATA) + "/models/hub-configs/" + name;
}

Json hubJson(const char* name) {
  std::ifstream in(hubPath(name));
  return Json::parse(in);
}

ModelConfig parse(const Json& j) {
  return strata::parseModelConfig(j.dump(), "/models/x/config.json");
}

// Runs `fn`, expects strata::Error with `code`; returns the message.
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

bool hasRow(const ModelConfig& c, const std::string& key, const std::string& value) {
  for (const auto& [k, v] : c.summary()) {
    if (k == key) return v == value;
  }
  return false;
}

bool hasKey(const ModelConfig& c, const std::string& key) {
  for (const auto& row : c.summary()) {
    if (row.first == key) return true;
  }
  return false;
}

}  // namespace

class TestModelConfig : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void hubGpt2() {
    const ModelConfig c = strata::loadModelConfig(hubPath("gpt2.json"));
    QCOMPARE(c.modelType, std::string("gpt2"));
    QVERIFY(c.architecture == Architecture::GPT2);
    QCOMPARE(c.architectureName(), std::string("GPT-2 decoder"));
    QCOMPARE(c.architectures, std::vector<std::string>{"GPT2LMHeadModel"});
    QCOMPARE(c.hiddenSize, 768);
    QCOMPARE(c.numLayers, 12);
    QCOMPARE(c.numHeads, 12);
    QCOMPARE(c.numKvHeads, 12);
    QCOMPARE(c.headDim, 64);
    QVERIFY(!c.nInner.has_value());
    QCOMPARE(c.intermediateSize, 4 * 768);  // n_inner absent -> 4 * n_embd
    QCOMPARE(c.vocabSize, 50257);
    QCOMPARE(c.maxPositions, 1024);
    QCOMPARE(c.normEps, 1e-5);
    QCOMPARE(c.activation, std::string("gelu_new"));
    QVERIFY(c.tieWordEmbeddings);
    QVERIFY(c.scaleAttnWeights);
    QCOMPARE(c.bosTokenId.value_or(-1), 50256);
    QCOMPARE(c.eosTokenIds, std::vector<std::int64_t>{50256});
    QVERIFY(c.isDecoder());
    QVERIFY(c.rawJson.find("task_specific_params") != std::string::npos);
    QCOMPARE(c.sourcePath, hubPath("gpt2.json"));
  }

  void hubLlama32() {
    const ModelConfig c = strata::loadModelConfig(hubPath("llama-3.2-1b.json"));
    QVERIFY(c.architecture == Architecture::Llama);
    QCOMPARE(c.hiddenSize, 2048);
    QCOMPARE(c.numLayers, 16);
    QCOMPARE(c.numHeads, 32);
    QCOMPARE(c.numKvHeads, 8);
    QCOMPARE(c.headDim, 64);
    QCOMPARE(c.intermediateSize, 8192);
    QCOMPARE(c.vocabSize, 128256);
    QCOMPARE(c.maxPositions, 131072);
    QCOMPARE(c.normEps, 1e-5);
    QCOMPARE(c.activation, std::string("silu"));
    QCOMPARE(c.ropeTheta, 500000.0);
    QVERIFY(c.ropeScaling.has_value());
    QCOMPARE(c.ropeScaling->ropeType, std::string("llama3"));
    QCOMPARE(c.ropeScaling->factor, 32.0);
    QCOMPARE(c.ropeScaling->lowFreqFactor, 1.0);
    QCOMPARE(c.ropeScaling->highFreqFactor, 4.0);
    QCOMPARE(c.ropeScaling->originalMaxPositionEmbeddings, 8192);
    QVERIFY(c.tieWordEmbeddings);
    QVERIFY(!c.attentionBias && !c.mlpBias && !c.qkvBias);
    QVERIFY(!c.slidingWindow);
    QCOMPARE(c.bosTokenId.value_or(-1), 128000);
    QCOMPARE(c.eosTokenIds, std::vector<std::int64_t>{128001});
    QCOMPARE(c.torchDtype, std::string("bfloat16"));
  }

  void hubLlama31() {
    const ModelConfig c = strata::loadModelConfig(hubPath("llama-3.1-8b.json"));
    QCOMPARE(c.headDim, 4096 / 32);  // no head_dim key: hidden / heads
    QCOMPARE(c.numKvHeads, 8);
    QCOMPARE(c.ropeScaling->factor, 8.0);
    QCOMPARE(c.ropeTheta, 500000.0);
    QVERIFY(!c.tieWordEmbeddings);
  }

  void hubMistral() {
    const ModelConfig c = strata::loadModelConfig(hubPath("mistral-7b-v0.1.json"));
    QVERIFY(c.architecture == Architecture::Mistral);
    QCOMPARE(c.architectureName(), std::string("Mistral decoder"));
    QCOMPARE(c.numKvHeads, 8);
    QCOMPARE(c.headDim, 128);
    QCOMPARE(c.intermediateSize, 14336);
    QCOMPARE(c.maxPositions, 32768);
    QCOMPARE(c.slidingWindow.value_or(-1), 4096);
    QCOMPARE(c.ropeTheta, 10000.0);
    QVERIFY(!c.ropeScaling);
    QVERIFY(!c.tieWordEmbeddings);
    QVERIFY(!c.qkvBias);
  }

  void hubQwen2() {
    const ModelConfig c = strata::loadModelConfig(hubPath("qwen2-0.5b.json"));
    QVERIFY(c.architecture == Architecture::Qwen2);
    QCOMPARE(c.hiddenSize, 896);
    QCOMPARE(c.numHeads, 14);
    QCOMPARE(c.numKvHeads, 2);
    QCOMPARE(c.headDim, 64);
    QCOMPARE(c.numLayers, 24);
    QCOMPARE(c.intermediateSize, 4864);
    QCOMPARE(c.vocabSize, 151936);
    QVERIFY(c.qkvBias);  // Qwen2 always has q/k/v biases
    QVERIFY(!c.useSlidingWindow);
    QVERIFY(!c.slidingWindow);  // sliding_window is ignored while use_sliding_window is false
    QCOMPARE(c.maxWindowLayers, 24);
    QCOMPARE(c.ropeTheta, 1000000.0);
    QCOMPARE(c.normEps, 1e-6);
    QVERIFY(c.tieWordEmbeddings);
    QCOMPARE(c.bosTokenId.value_or(-1), 151643);
  }

  void hubBert() {
    const ModelConfig c = strata::loadModelConfig(hubPath("bert-base-uncased.json"));
    QVERIFY(c.architecture == Architecture::Bert);
    QCOMPARE(c.architectureName(), std::string("BERT encoder"));
    QVERIFY(!c.isDecoder());
    QCOMPARE(c.hiddenSize, 768);
    QCOMPARE(c.numHeads, 12);
    QCOMPARE(c.vocabSize, 30522);
    QCOMPARE(c.typeVocabSize, 2);
    QCOMPARE(c.maxPositions, 512);
    QCOMPARE(c.padTokenId.value_or(-1), 0);
    QVERIFY(!c.bosTokenId);
    QVERIFY(c.eosTokenIds.empty());
    QCOMPARE(c.positionEmbeddingType, std::string("absolute"));
    QCOMPARE(c.positionOffset, 0);
    QCOMPARE(c.normEps, 1e-12);
    QCOMPARE(c.activation, std::string("gelu"));
  }

  void hubRoberta() {
    const ModelConfig c = strata::loadModelConfig(hubPath("roberta-base.json"));
    QVERIFY(c.architecture == Architecture::Roberta);
    QCOMPARE(c.vocabSize, 50265);
    QCOMPARE(c.maxPositions, 514);
    QCOMPARE(c.typeVocabSize, 1);
    QCOMPARE(c.padTokenId.value_or(-1), 1);
    QCOMPARE(c.positionOffset, 2);  // padding_idx + 1
    QCOMPARE(c.bosTokenId.value_or(-1), 0);
    QCOMPARE(c.eosTokenIds, std::vector<std::int64_t>{2});
    QCOMPARE(c.normEps, 1e-5);
    QCOMPARE(c.positionEmbeddingType, std::string("absolute"));  // default
  }

  void hubVit() {
    const ModelConfig c = strata::loadModelConfig(hubPath("vit-base-patch16-224.json"));
    QVERIFY(c.architecture == Architecture::ViT);
    QCOMPARE(c.architectureName(), std::string("ViT image encoder"));
    QCOMPARE(c.imageSize, 224);
    QCOMPARE(c.patchSize, 16);
    QCOMPARE(c.numChannels, 3);
    QCOMPARE(c.numPatches(), 196);
    QCOMPARE(c.maxPositions, 197);
    QCOMPARE(c.vocabSize, 0);
    QVERIFY(c.qkvBias);
    QCOMPARE(c.encoderStride, 16);
    QCOMPARE(c.normEps, 1e-12);
    QCOMPARE(c.labels.size(), std::size_t{5});
    QCOMPARE(c.labels[0], std::string("tench, Tinca tinca"));
    QCOMPARE(c.labels[4], std::string("hammerhead, hammerhead shark"));
  }

  void gpt2Defaults() {
    const ModelConfig c = parse({{"model_type", "gpt2"},
                                 {"n_embd", 64},
                                 {"n_layer", 2},
                                 {"n_head", 4},
                                 {"vocab_size", 100}});
    QCOMPARE(c.maxPositions, 1024);
    QCOMPARE(c.intermediateSize, 256);
    QCOMPARE(c.activation, std::string("gelu_new"));
    QCOMPARE(c.normEps, 1e-5);
    QCOMPARE(c.bosTokenId.value_or(-1), 50256);
    QVERIFY(c.tieWordEmbeddings && c.scaleAttnWeights && !c.scaleAttnByInverseLayerIdx &&
            !c.reorderAndUpcastAttn);
    // n_inner given
    const ModelConfig d = parse({{"model_type", "gpt2"},
                                 {"n_embd", 64},
                                 {"n_layer", 2},
                                 {"n_head", 4},
                                 {"vocab_size", 100},
                                 {"n_inner", 96},
                                 {"activation_function", "relu"}});
    QCOMPARE(d.intermediateSize, 96);
    QCOMPARE(d.nInner.value_or(-1), 96);
    QCOMPARE(d.activation, std::string("relu"));
    // GPT2Config.attribute_map aliases
    const ModelConfig e = parse({{"model_type", "gpt2"},
                                 {"hidden_size", 32},
                                 {"num_hidden_layers", 3},
                                 {"num_attention_heads", 2},
                                 {"vocab_size", 10},
                                 {"max_position_embeddings", 64}});
    QCOMPARE(e.hiddenSize, 32);
    QCOMPARE(e.numLayers, 3);
    QCOMPARE(e.maxPositions, 64);
  }

  void llamaFamilyDefaults() {
    const Json base = {{"hidden_size", 256},
                       {"num_hidden_layers", 2},
                       {"num_attention_heads", 32},
                       {"intermediate_size", 512},
                       {"vocab_size", 1000}};
    Json j = base;
    j["model_type"] = "llama";
    ModelConfig c = parse(j);
    QCOMPARE(c.numKvHeads, 32);  // None -> num_attention_heads
    QCOMPARE(c.headDim, 8);
    QCOMPARE(c.maxPositions, 2048);
    QCOMPARE(c.normEps, 1e-6);
    QCOMPARE(c.activation, std::string("silu"));
    QCOMPARE(c.ropeTheta, 10000.0);
    QVERIFY(!c.ropeScaling && !c.tieWordEmbeddings && !c.attentionBias && !c.mlpBias);
    QCOMPARE(c.bosTokenId.value_or(-1), 1);
    QCOMPARE(c.eosTokenIds, std::vector<std::int64_t>{2});

    j["model_type"] = "mistral";
    c = parse(j);
    QCOMPARE(c.numKvHeads, 8);  // MistralConfig default
    QCOMPARE(c.maxPositions, 4096 * 32);
    QCOMPARE(c.slidingWindow.value_or(-1), 4096);
    j["num_key_value_heads"] = nullptr;
    j["sliding_window"] = nullptr;
    c = parse(j);
    QCOMPARE(c.numKvHeads, 32);
    QVERIFY(!c.slidingWindow);

    j = base;
    j["model_type"] = "qwen2";
    c = parse(j);
    QCOMPARE(c.numKvHeads, 32);
    QCOMPARE(c.maxPositions, 32768);
    QCOMPARE(c.maxWindowLayers, 28);
    QVERIFY(!c.slidingWindow);
    QVERIFY(!c.bosTokenId && c.eosTokenIds.empty());
    QVERIFY(c.qkvBias);
    j["use_sliding_window"] = true;
    c = parse(j);
    QCOMPARE(c.slidingWindow.value_or(-1), 4096);

    // An explicit head_dim need not divide hidden_size.
    j = base;
    j["model_type"] = "llama";
    j["hidden_size"] = 100;
    j["num_attention_heads"] = 8;
    j["head_dim"] = 16;
    j["eos_token_id"] = {128001, 128008, 128009};
    j["attention_bias"] = true;
    c = parse(j);
    QCOMPARE(c.headDim, 16);
    QVERIFY(c.attentionBias && c.qkvBias);
    QCOMPARE(c.eosTokenIds, (std::vector<std::int64_t>{128001, 128008, 128009}));
  }

  void encoderDefaults() {
    Json j = {{"model_type", "bert"},     {"hidden_size", 64},        {"num_hidden_layers", 2},
              {"num_attention_heads", 4}, {"intermediate_size", 128}, {"vocab_size", 100}};
    ModelConfig c = parse(j);
    QCOMPARE(c.maxPositions, 512);
    QCOMPARE(c.typeVocabSize, 2);
    QCOMPARE(c.padTokenId.value_or(-1), 0);
    QCOMPARE(c.normEps, 1e-12);
    QCOMPARE(c.activation, std::string("gelu"));
    QVERIFY(c.tieWordEmbeddings);
    j["model_type"] = "roberta";
    c = parse(j);
    QCOMPARE(c.padTokenId.value_or(-1), 1);
    QCOMPARE(c.bosTokenId.value_or(-1), 0);
    QCOMPARE(c.eosTokenIds, std::vector<std::int64_t>{2});
    QCOMPARE(c.positionOffset, 2);

    const ModelConfig v = parse({{"model_type", "vit"},
                                 {"hidden_size", 64},
                                 {"num_hidden_layers", 2},
                                 {"num_attention_heads", 4},
                                 {"intermediate_size", 128}});
    QCOMPARE(v.imageSize, 224);
    QCOMPARE(v.patchSize, 16);
    QCOMPARE(v.numChannels, 3);
    QCOMPARE(v.maxPositions, 197);
    QVERIFY(v.qkvBias);
    QCOMPARE(v.labels,
             (std::vector<std::string>{"LABEL_0", "LABEL_1"}));  // PretrainedConfig default
    QCOMPARE(v.normEps, 1e-12);
  }

  void missingKey() {
    Json j = hubJson("llama-3.2-1b.json");
    j.erase("num_attention_heads");
    EXPECT_ERROR(msg, parse(j), "config.missing_key");
    QVERIFY2(msg.contains("\"num_attention_heads\"") && msg.contains("/models/x/config.json"),
             qPrintable(msg));

    Json g = hubJson("gpt2.json");
    g.erase("n_embd");
    EXPECT_ERROR(msg2, parse(g), "config.missing_key");
    QVERIFY2(msg2.contains("n_embd"), qPrintable(msg2));

    Json b = hubJson("bert-base-uncased.json");
    b.erase("model_type");
    EXPECT_ERROR(msg3, parse(b), "config.missing_key");
    QVERIFY2(msg3.contains("model_type"), qPrintable(msg3));
  }

  void wrongType() {
    Json j = hubJson("llama-3.2-1b.json");
    j["hidden_size"] = "2048";
    EXPECT_ERROR(msg, parse(j), "config.wrong_type");
    QVERIFY2(msg.contains("\"hidden_size\"") && msg.contains("integer") && msg.contains("string") &&
                 msg.contains("/models/x/config.json"),
             qPrintable(msg));

    j = hubJson("llama-3.2-1b.json");
    j["num_hidden_layers"] = 16.0;  // a float where an integer belongs
    EXPECT_ERROR(msg2, parse(j), "config.wrong_type");
    QVERIFY2(msg2.contains("num_hidden_layers"), qPrintable(msg2));

    j = hubJson("llama-3.2-1b.json");
    j["tie_word_embeddings"] = "true";
    EXPECT_ERROR(msg3, parse(j), "config.wrong_type");
    QVERIFY2(msg3.contains("tie_word_embeddings"), qPrintable(msg3));

    j = hubJson("llama-3.2-1b.json");
    j["rms_norm_eps"] = "1e-5";
    EXPECT_ERROR(msg4, parse(j), "config.wrong_type");
    QVERIFY2(msg4.contains("rms_norm_eps"), qPrintable(msg4));

    j = hubJson("gpt2.json");
    j["model_type"] = 2;
    EXPECT_ERROR(msg5, parse(j), "config.wrong_type");
    QVERIFY2(msg5.contains("model_type"), qPrintable(msg5));

    j = hubJson("vit-base-patch16-224.json");
    j["id2label"]["1"] = 7;
    EXPECT_ERROR(msg6, parse(j), "config.wrong_type");
    QVERIFY2(msg6.contains("id2label.1"), qPrintable(msg6));
  }

  void headsMustDivide() {
    Json j = hubJson("bert-base-uncased.json");
    j["num_attention_heads"] = 10;  // 768 % 10 != 0
    EXPECT_ERROR(msg, parse(j), "config.heads_mismatch");
    QVERIFY2(msg.contains("num_attention_heads = 10") && msg.contains("hidden_size = 768"),
             qPrintable(msg));

    j = hubJson("gpt2.json");
    j["n_head"] = 5;
    EXPECT_ERROR(msg2, parse(j), "config.heads_mismatch");
    QVERIFY2(msg2.contains("n_head = 5") && msg2.contains("n_embd = 768"), qPrintable(msg2));

    j = hubJson("llama-3.1-8b.json");
    j["num_key_value_heads"] = 3;  // 32 % 3 != 0
    EXPECT_ERROR(msg3, parse(j), "config.heads_mismatch");
    QVERIFY2(msg3.contains("num_key_value_heads = 3"), qPrintable(msg3));

    j = hubJson("mistral-7b-v0.1.json");
    j["num_attention_heads"] = 4;
    j.erase("num_key_value_heads");  // MistralConfig default 8 does not divide 4
    EXPECT_ERROR(msg4, parse(j), "config.heads_mismatch");
  }

  void sizesMustBePositive() {
    Json j = hubJson("gpt2.json");
    j["vocab_size"] = 0;
    EXPECT_ERROR(msg, parse(j), "config.invalid_value");
    QVERIFY2(msg.contains("vocab_size"), qPrintable(msg));
    j = hubJson("qwen2-0.5b.json");
    j["num_hidden_layers"] = -2;
    EXPECT_ERROR(msg2, parse(j), "config.invalid_value");
    QVERIFY2(msg2.contains("num_hidden_layers"), qPrintable(msg2));
    j = hubJson("vit-base-patch16-224.json");
    j["patch_size"] = 300;
    EXPECT_ERROR(msg3, parse(j), "config.invalid_value");
    j = hubJson("roberta-base.json");
    j["max_position_embeddings"] = 2;  // nothing after the padding offset 2
    EXPECT_ERROR(msg4, parse(j), "config.invalid_value");
    j = hubJson("gpt2.json");
    j["n_embd"] = 1LL << 40;
    EXPECT_ERROR(msg5, parse(j), "config.invalid_value");
  }

  void unknownModelType() {
    Json j = hubJson("gpt2.json");
    j["model_type"] = "t5";
    EXPECT_ERROR(msg, parse(j), "config.unknown_model_type");
    QVERIFY2(msg.contains("\"t5\""), qPrintable(msg));
    for (const auto& t : strata::supportedModelTypes())
      QVERIFY2(msg.contains(QString::fromStdString(t)), qPrintable(msg));
    QCOMPARE(strata::supportedModelTypes().size(), std::size_t{7});
  }

  void invalidJson() {
    EXPECT_ERROR(msg, strata::parseModelConfig("{\"model_type\": \"gpt2\",", "cfg.json"),
                 "config.invalid_json");
    QVERIFY(msg.startsWith("cfg.json: "));
    EXPECT_ERROR(msg2, strata::parseModelConfig("[1, 2]", "cfg.json"), "config.invalid_json");
    EXPECT_ERROR(msg3, strata::loadModelConfig("/nonexistent/config.json"), "config.not_found");
    QVERIFY(msg3.contains("/nonexistent/config.json"));
  }

  void ropeScaling() {
    Json j = hubJson("llama-3.2-1b.json");
    j["rope_scaling"].erase("low_freq_factor");
    EXPECT_ERROR(msg, parse(j), "config.rope_scaling");
    QVERIFY2(msg.contains("low_freq_factor"), qPrintable(msg));

    j = hubJson("llama-3.2-1b.json");
    j["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}};  // legacy "type" key
    ModelConfig c = parse(j);
    QCOMPARE(c.ropeScaling->ropeType, std::string("linear"));
    QCOMPARE(c.ropeScaling->factor, 2.0);

    j["rope_scaling"] = {{"rope_type", "warp"}, {"factor", 2.0}};
    EXPECT_ERROR(msg2, parse(j), "config.rope_scaling");
    QVERIFY2(msg2.contains("warp"), qPrintable(msg2));

    j["rope_scaling"] = {{"rope_type", "linear"}, {"factor", "2"}};
    EXPECT_ERROR(msg3, parse(j), "config.wrong_type");
    QVERIFY2(msg3.contains("factor") && msg3.contains("rope_scaling"), qPrintable(msg3));

    j["rope_scaling"] = nullptr;
    QVERIFY(!parse(j).ropeScaling);
  }

  void summaryRows() {
    const ModelConfig g = strata::loadModelConfig(hubPath("gpt2.json"));
    const auto rows = g.summary();
    QVERIFY(rows.size() > 8);
    QCOMPARE(rows[0].first, std::string("Architecture"));
    QCOMPARE(rows[0].second, std::string("GPT-2 decoder (GPT2LMHeadModel)"));
    QVERIFY(hasRow(g, "Vocabulary", "50257"));
    QVERIFY(hasRow(g, "MLP width", "3072"));
    QVERIFY(hasRow(g, "LayerNorm eps", "1e-05"));
    QVERIFY(!hasKey(g, "RoPE theta"));

    const ModelConfig l = strata::loadModelConfig(hubPath("llama-3.2-1b.json"));
    QVERIFY(hasRow(l, "Key/value heads", "8"));
    QVERIFY(hasRow(l, "RoPE theta", "500000"));
    QVERIFY(hasRow(l, "RoPE scaling", "llama3, factor 32, low 1, high 4, original 8192 positions"));
    QVERIFY(hasRow(l, "RMSNorm eps", "1e-05"));
    QVERIFY(hasRow(l, "EOS token", "128001"));

    const ModelConfig v = strata::loadModelConfig(hubPath("vit-base-patch16-224.json"));
    QVERIFY(hasRow(v, "Patches", "196"));
    QVERIFY(hasRow(v, "Labels", "5"));
    QVERIFY(!hasKey(v, "Vocabulary"));

    const ModelConfig r = strata::loadModelConfig(hubPath("roberta-base.json"));
    QVERIFY(hasRow(r, "Position offset", "2"));
    QVERIFY(hasRow(r, "PAD token", "1"));
  }
};

QTEST_GUILESS_MAIN(TestModelConfig)
#include "test_model_config.moc"
