// Tokenizer tests: real tokenizer.json files (GPT-2, BERT/bge, Llama 2) against ids from
// Hugging Face `tokenizers`, hand-checked offsets, decoding, both merge formats, small
// Llama 3 / Qwen2 style fixtures, added-token flags and malformed files.
#include <QtTest/QtTest>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <QElapsedTimer>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "core/tokenizer/Tokenizer.h"
#include "core/util/Error.h"

namespace {

using Ids = std::vector<std::int32_t>;
using Spans = std::vector<std::pair<std::size_t, std::size_t>>;

QString dataPath(const QString& rel) {
  return QStringLiteral(STRATA_TEST_DATA "/tokenizers/") + rel;
}

QByteArray readAll(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) qFatal("cannot open %s", qPrintable(path));
  return f.readAll();
}

struct Vector {
  std::string text;
  Ids ids;
};

std::vector<Vector> loadVectors(const QString& folder) {
  std::vector<Vector> out;
  const QJsonArray arr = QJsonDocument::fromJson(readAll(dataPath(folder + "/tests.json"))).array();
  for (const auto& v : arr) {
    Vector vec;
    vec.text = v.toObject().value("text").toString().toStdString();
    for (const auto& id : v.toObject().value("ids").toArray())
      vec.ids.push_back(id.toInt());
    out.push_back(std::move(vec));
  }
  return out;
}

strata::Tokenizer load(const QString& folder) {
  return strata::Tokenizer::fromFile(dataPath(folder + "/tokenizer.json").toStdString());
}

QString str(const Ids& ids) {
  QStringList parts;
  for (const auto id : ids)
    parts << QString::number(id);
  return parts.join(',');
}

QString str(const Spans& spans) {
  QStringList parts;
  for (const auto& [b, e] : spans)
    parts << QStringLiteral("(%1,%2)").arg(b).arg(e);
  return parts.join(',');
}

QString str(const std::vector<std::string>& tokens) {
  QStringList parts;
  for (const auto& t : tokens)
    parts << QString::fromStdString(t);
  return parts.join('|');
}

// The code of the strata::Error thrown by fn, or "" when none is thrown.
template <typename Fn>
QString errorCode(Fn&& fn) {
  try {
    fn();
  } catch (const strata::Error& e) {
    return QString::fromStdString(e.code());
  }
  return {};
}

template <typename Fn>
QString errorMessage(Fn&& fn) {
  try {
    fn();
  } catch (const strata::Error& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

// GPT-2's bytes_to_unicode(), to build byte-level fixture vocabularies.
std::vector<QString> byteAlphabet() {
  std::vector<QString> out(256);
  int next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    out[static_cast<std::size_t>(b)] = QString(QChar(printable ? b : next++));
  }
  return out;
}

// A byte-level BPE tokenizer.json in the Llama 3 / Qwen2 layout: Split(regex, Isolated) then
// ByteLevel(use_regex = false); the vocabulary is the 256 byte characters plus `extra`.
QByteArray byteLevelFixture(const QString& splitRegex, const QStringList& extra,
                            const QJsonArray& merges, bool ignoreMerges,
                            const QJsonValue& normalizer = QJsonValue::Null,
                            const QJsonArray& added = {}, const QJsonObject& firstPre = {}) {
  QJsonObject vocab;
  int id = 0;
  for (const auto& c : byteAlphabet())
    vocab.insert(c, id++);
  for (const auto& t : extra)
    if (!vocab.contains(t)) vocab.insert(t, id++);
  QJsonObject model{{"type", "BPE"},
                    {"vocab", vocab},
                    {"merges", merges},
                    {"unk_token", QJsonValue::Null},
                    {"fuse_unk", false},
                    {"byte_fallback", false},
                    {"ignore_merges", ignoreMerges}};
  QJsonObject split{{"type", "Split"},
                    {"pattern", QJsonObject{{"Regex", splitRegex}}},
                    {"behavior", "Isolated"},
                    {"invert", false}};
  QJsonObject byteLevel{{"type", "ByteLevel"},
                        {"add_prefix_space", false},
                        {"trim_offsets", false},
                        {"use_regex", false}};
  QJsonObject root{{"version", "1.0"},
                   {"added_tokens", added},
                   {"normalizer", normalizer},
                   {"pre_tokenizer",
                    QJsonObject{{"type", "Sequence"},
                                {"pretokenizers",
                                 QJsonArray{firstPre.isEmpty() ? split : firstPre, byteLevel}}}},
                   {"post_processor", QJsonValue::Null},
                   {"decoder", QJsonObject{{"type", "ByteLevel"}}},
                   {"model", model}};
  return QJsonDocument(root).toJson(QJsonDocument::Compact);
}

const QString kLlama3Regex = QStringLiteral(
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)");
const QString kQwen2Regex = QStringLiteral(
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)");

strata::Tokenizer fromBytes(const QByteArray& json, const std::string& name = "fixture.json") {
  return strata::Tokenizer::fromJson(std::string_view(json.constData(), json.size()), name);
}

// A minimal valid WordPiece file, patched per malformed-file case.
QJsonObject minimalWordPiece() {
  QJsonObject vocab{{"[UNK]", 0}, {"a", 1}, {"b", 2}, {"ab", 3}};
  return QJsonObject{
      {"version", "1.0"},
      {"added_tokens", QJsonArray{}},
      {"normalizer", QJsonValue::Null},
      {"pre_tokenizer", QJsonObject{{"type", "WhitespaceSplit"}}},
      {"post_processor", QJsonValue::Null},
      {"decoder", QJsonValue::Null},
      {"model", QJsonObject{{"type", "WordPiece"}, {"unk_token", "[UNK]"}, {"vocab", vocab}}}};
}

QJsonObject minimalBpe() {
  QJsonObject vocab{{"a", 0}, {"b", 1}, {"ab", 2}, {"<unk>", 3}};
  return QJsonObject{{"version", "1.0"},
                     {"model", QJsonObject{{"type", "BPE"},
                                           {"unk_token", "<unk>"},
                                           {"vocab", vocab},
                                           {"merges", QJsonArray{"a b"}}}}};
}

QString loadCode(const QJsonObject& root) {
  return errorCode([&] { fromBytes(QJsonDocument(root).toJson()); });
}

}  // namespace

class TestTokenizer : public QObject {
  Q_OBJECT

  void checkVectors(const QString& folder, const Ids& prefix, const Ids& suffix) {
    const auto tok = load(folder);
    const auto vectors = loadVectors(folder);
    QVERIFY(vectors.size() >= 20);
    int agree = 0;
    for (const auto& v : vectors) {
      const auto enc = tok.encode(v.text, false);
      QVERIFY2(enc.ids == v.ids, qPrintable(QStringLiteral("%1 \"%2\": got %3 want %4")
                                                .arg(folder, QString::fromStdString(v.text),
                                                     str(enc.ids), str(v.ids))));
      ++agree;
      QCOMPARE(enc.tokens.size(), enc.ids.size());
      QCOMPARE(enc.offsets.size(), enc.ids.size());
      QCOMPARE(enc.special.size(), enc.ids.size());
      // Offsets: inside the text, non-decreasing.
      std::size_t lastBegin = 0;
      for (std::size_t i = 0; i < enc.size(); ++i) {
        const auto [b, e] = enc.offsets[i];
        QVERIFY(b <= e && e <= v.text.size());
        QVERIFY(b >= lastBegin);
        lastBegin = b;
        QCOMPARE(enc.tokens[i], *tok.idToToken(enc.ids[i]));
      }
      Ids want = prefix;
      want.insert(want.end(), v.ids.begin(), v.ids.end());
      want.insert(want.end(), suffix.begin(), suffix.end());
      const auto withSpecial = tok.encode(v.text, true);
      QCOMPARE(str(withSpecial.ids), str(want));
      for (std::size_t i = 0; i < prefix.size(); ++i) {
        QCOMPARE(int(withSpecial.special[i]), 1);
        QCOMPARE(withSpecial.offsets[i], (std::pair<std::size_t, std::size_t>(0, 0)));
      }
    }
    qInfo("%s: %d/%d vectors agree", qPrintable(folder), agree, int(vectors.size()));
  }

 private Q_SLOTS:
  void gpt2Vectors() { checkVectors("gpt2", {}, {}); }
  void bertVectors() { checkVectors("bert-bge", {101}, {102}); }
  void llamaVectors() { checkVectors("llama-spm", {1}, {}); }

  void descriptions() {
    QCOMPARE(QString::fromStdString(load("gpt2").description()), QString("BPE (byte-level)"));
    QCOMPARE(QString::fromStdString(load("llama-spm").description()),
             QString("BPE (SentencePiece, byte fallback)"));
    QCOMPARE(QString::fromStdString(load("bert-bge").description()), QString("WordPiece"));
    const auto gpt2 = load("gpt2");
    QCOMPARE(gpt2.vocabSize(), std::size_t(50257));
    QCOMPARE(gpt2.tokenToId("<|endoftext|>").value_or(-1), 50256);
    QCOMPARE(gpt2.tokenToId("Ġworld").value_or(-1), 995);
    QCOMPARE(QString::fromStdString(gpt2.idToToken(995).value_or("")), QString("Ġworld"));
    QVERIFY(!gpt2.idToToken(50257).has_value());
    QVERIFY(!gpt2.tokenToId("no such token").has_value());
    QCOMPARE(load("bert-bge").vocabSize(), std::size_t(30522));
  }

  void gpt2Offsets() {
    const auto tok = load("gpt2");
    // 🦙 is F0 9F A6 99 at bytes 9..13; its byte tokens all cover the whole character.
    const auto enc = tok.encode(" this is \xF0\x9F\xA6\x99.cpp", false);
    QCOMPARE(str(enc.tokens), QString("Ġthis|Ġis|ĠðŁ|¦|Ļ|.|cpp"));
    QCOMPARE(str(enc.offsets), QString("(0,5),(5,8),(8,13),(9,13),(9,13),(13,14),(14,17)"));
    const auto leading = tok.encode("   Hello", false);
    QCOMPARE(str(leading.offsets), QString("(0,1),(1,2),(2,8)"));
    // "½" is two bytes: " ½" -> "Ġ½" spans the space and both bytes.
    const auto half = tok.encode("ied 4 \xC2\xBD months", false);
    QCOMPARE(str(half.offsets), QString("(0,3),(3,5),(5,8),(8,15)"));
    // Special tokens in the text keep their span and are flagged.
    const auto eot = tok.encode("Hi<|endoftext|> there", false);
    QCOMPARE(str(eot.ids), QString("17250,50256,612"));
    QCOMPARE(str(eot.offsets), QString("(0,2),(2,15),(15,21)"));
    QCOMPARE(int(eot.special[1]), 1);
    QCOMPARE(int(eot.special[0]), 0);
  }

  void bertOffsets() {
    const auto tok = load("bert-bge");
    // Lower-casing and accent stripping: "Héllo" -> "hello", spanning all 6 bytes.
    const auto enc = tok.encode("H\xC3\xA9llo, world!", false);
    QCOMPARE(str(enc.tokens), QString("hello|,|world|!"));
    QCOMPARE(str(enc.offsets), QString("(0,6),(6,7),(8,13),(13,14)"));
    const auto pieces = tok.encode(" discards", true);
    QCOMPARE(str(pieces.tokens), QString("[CLS]|disc|##ards|[SEP]"));
    QCOMPARE(str(pieces.offsets), QString("(0,0),(1,5),(5,9),(0,0)"));
    // Chinese characters are words of their own; 天 is 3 bytes.
    const auto cjk = tok.encode(
        "ab\xE5\xA4\xA9"
        "cd",
        false);
    QCOMPARE(str(cjk.offsets), QString("(0,2),(2,5),(5,7)"));
  }

  void bertCleanText() {
    const auto tok = load("bert-bge");
    // VT (Cc) is removed before whitespace mapping, so "a\vb" is one word; NBSP is a space.
    QCOMPARE(str(tok.encode("hello\vworld", false).tokens),
             str(tok.encode("helloworld", false).tokens));
    QCOMPARE(str(tok.encode("hello\xC2\xA0world", false).tokens), QString("hello|world"));
    // The combining acute accent is stripped, and its bytes belong to no token.
    QCOMPARE(str(tok.encode("cafe\xCC\x81", false).tokens), QString("cafe"));
    QCOMPARE(str(tok.encode("cafe\xCC\x81", false).offsets), QString("(0,4)"));
  }

  void llamaOffsets() {
    const auto tok = load("llama-spm");
    const auto enc = tok.encode(" Hello world", false);
    QCOMPARE(str(enc.tokens), QString("▁|▁Hello|▁world"));
    QCOMPARE(str(enc.offsets), QString("(0,1),(0,6),(6,12)"));
    const auto cyr = tok.encode("нещо на Български", false);
    QCOMPARE(str(cyr.tokens), QString("▁не|що|▁на|▁Б|ългар|ски"));
    QCOMPARE(str(cyr.offsets), QString("(0,4),(4,8),(8,13),(13,16),(16,26),(26,32)"));
    // Byte fallback: the four <0xNN> tokens of 🦙 all span the emoji.
    const auto emoji = tok.encode("a\xF0\x9F\xA6\x99", false);
    QCOMPARE(str(emoji.tokens), QString("▁a|<0xF0>|<0x9F>|<0xA6>|<0x99>"));
    QCOMPARE(str(emoji.offsets), QString("(0,1),(1,5),(1,5),(1,5),(1,5)"));
  }

  void decodeRoundTrip() {
    for (const QString folder : {"gpt2", "llama-spm"}) {
      const auto tok = load(folder);
      for (const auto& v : loadVectors(folder)) {
        const auto enc = tok.encode(v.text, true);
        QCOMPARE(QString::fromStdString(tok.decode(enc.ids)), QString::fromStdString(v.text));
      }
    }
    const auto llama = load("llama-spm");
    QCOMPARE(QString::fromStdString(llama.decode(Ids{1, 15043}, false)), QString("<s> Hello"));
    QCOMPARE(QString::fromStdString(llama.decode(Ids{15043, 3186})), QString("Hello world"));
    // A lone continuation byte is not valid UTF-8: one U+FFFD per byte, as HF.
    QCOMPARE(QString::fromStdString(llama.decode(Ids{243, 162})), QString("\uFFFD\uFFFD"));
    const auto bert = load("bert-bge");
    QCOMPARE(QString::fromStdString(bert.decode(bert.encode(" discards").ids)),
             QString("discards"));
    QCOMPARE(QString::fromStdString(bert.decode(bert.encode("Hello, world!").ids)),
             QString("hello, world!"));
    QCOMPARE(QString::fromStdString(bert.decode(bert.encode("Hello, world!").ids, false)),
             QString("[CLS] hello, world! [SEP]"));
    QCOMPARE(errorCode([&] { bert.decode(Ids{999999}); }), QString("tokenizer.unknown_id"));
    QCOMPARE(errorCode([&] { bert.decode(Ids{-1}); }), QString("tokenizer.unknown_id"));
  }

  void mergePairFormat() {
    QJsonObject root = QJsonDocument::fromJson(readAll(dataPath("gpt2/tokenizer.json"))).object();
    QJsonObject model = root.value("model").toObject();
    QJsonArray pairs;
    for (const auto& m : model.value("merges").toArray()) {
      const QStringList parts = m.toString().split(' ');
      QCOMPARE(parts.size(), 2);
      pairs.append(QJsonArray{parts[0], parts[1]});
    }
    model.insert("merges", pairs);
    root.insert("model", model);
    const auto pairTok = fromBytes(QJsonDocument(root).toJson(QJsonDocument::Compact));
    const auto strTok = load("gpt2");
    for (const auto& v : loadVectors("gpt2")) {
      QCOMPARE(str(pairTok.encode(v.text, false).ids), str(v.ids));
      QCOMPARE(str(pairTok.encode(v.text, false).ids), str(strTok.encode(v.text, false).ids));
    }
  }

  void llama3Splits() {
    // Vocabulary holds the expected pre-tokens; ignore_merges emits each of them whole, and
    // "12345" / "'REok" are traps that only a wrong split would produce.
    const QStringList extra{"Hello", "Ġworld", "!ĊĊ",   "abc",  "123", "45", "12345",
                            "I",     "'M",     "Ġhere", "THEY", "'RE", "ok", "'REok"};
    const auto tok = fromBytes(byteLevelFixture(kLlama3Regex, extra, {}, true));
    QCOMPARE(str(tok.encode("Hello, world!\n\nabc  12345", false).tokens),
             QString("Hello|,|Ġworld|!ĊĊ|abc|Ġ|Ġ|123|45"));
    QCOMPARE(str(tok.encode("I'M here", false).tokens), QString("I|'M|Ġhere"));
    QCOMPARE(str(tok.encode("THEY'REok", false).tokens), QString("THEY|'RE|ok"));
    QCOMPARE(str(tok.encode("1234567", false).tokens), QString("123|4|5|6|7"));
    QCOMPARE(QString::fromStdString(tok.description()), QString("BPE (byte-level)"));
    const std::string text = "Hello, world!\n\nabc  12345";
    QCOMPARE(QString::fromStdString(tok.decode(tok.encode(text).ids)),
             QString::fromStdString(text));
  }

  void qwen2Splits() {
    const QStringList extra{"Hello", "Ġworld", "123",   "45",   "12345",
                            "'RE",   "ok",     "'REok", "THEY", "Ã©"};
    const QJsonObject nfc{{"type", "NFC"}};
    const auto tok = fromBytes(byteLevelFixture(kQwen2Regex, extra, {}, true, nfc));
    QCOMPARE(str(tok.encode("12345", false).tokens), QString("1|2|3|4|5"));
    QCOMPARE(str(tok.encode("THEY'REok", false).tokens), QString("THEY|'RE|ok"));
    // NFC composes e + U+0301 into é (C3 A9 -> "Ã©"), spanning both original characters.
    const auto composed = tok.encode("e\xCC\x81", false);
    QCOMPARE(str(composed.tokens), QString("Ã©"));
    QCOMPARE(str(composed.offsets), QString("(0,3)"));
  }

  void splitBehaviors() {
    const QStringList extra{"a-", "b-", "-b", "-c", "--"};
    auto splitWith = [&](const QString& behavior, bool invert) {
      const QJsonObject pre{{"type", "Split"},
                            {"pattern", QJsonObject{{"String", "-"}}},
                            {"behavior", behavior},
                            {"invert", invert}};
      const auto tok = fromBytes(byteLevelFixture({}, extra, {}, true, QJsonValue::Null, {}, pre));
      return str(tok.encode("a-b--c", false).tokens);
    };
    QCOMPARE(splitWith("Removed", false), QString("a|b|c"));
    QCOMPARE(splitWith("Isolated", false), QString("a|-|b|-|-|c"));
    QCOMPARE(splitWith("MergedWithPrevious", false), QString("a-|b-|-|c"));
    QCOMPARE(splitWith("MergedWithNext", false), QString("a|-b|-|-c"));
    QCOMPARE(splitWith("Contiguous", false), QString("a|-|b|--|c"));
    QCOMPARE(splitWith("Removed", true), QString("-|-|-"));  // each match its own piece

    auto preWith = [&](const QJsonObject& pre, const std::string& text) {
      const QStringList words{"12", "ab", "ab12", ",!"};
      const auto tok = fromBytes(byteLevelFixture({}, words, {}, true, QJsonValue::Null, {}, pre));
      return str(tok.encode(text, false).tokens);
    };
    QCOMPARE(preWith(QJsonObject{{"type", "Digits"}, {"individual_digits", false}}, "ab12"),
             QString("ab|12"));
    QCOMPARE(preWith(QJsonObject{{"type", "Digits"}, {"individual_digits", true}}, "ab12"),
             QString("ab|1|2"));
    QCOMPARE(preWith(QJsonObject{{"type", "Whitespace"}}, "ab12 ,!ab"), QString("ab12|,!|ab"));
    QCOMPARE(preWith(QJsonObject{{"type", "WhitespaceSplit"}}, "ab12 ,!\tab"),
             QString("ab12|,!|ab"));
    QCOMPARE(preWith(QJsonObject{{"type", "Punctuation"}}, "ab,!ab"), QString("ab|,|!|ab"));
  }

  void ignoreMerges() {
    // "Ġhere" is in the vocabulary but no merge builds it.
    const QStringList extra{"Ġhere", "he"};
    const QJsonArray merges{"h e"};
    const auto whole = fromBytes(byteLevelFixture(kLlama3Regex, extra, merges, true));
    QCOMPARE(str(whole.encode(" here", false).tokens), QString("Ġhere"));
    const auto merged = fromBytes(byteLevelFixture(kLlama3Regex, extra, merges, false));
    QCOMPARE(str(merged.encode(" here", false).tokens), QString("Ġ|he|r|e"));
  }

  void addedTokenFlags() {
    const int eot = 300, cat = 301;
    QJsonArray added{QJsonObject{{"id", eot},
                                 {"content", "<|eot|>"},
                                 {"special", true},
                                 {"lstrip", true},
                                 {"rstrip", true},
                                 {"single_word", false},
                                 {"normalized", false}},
                     QJsonObject{{"id", cat},
                                 {"content", "cat"},
                                 {"special", false},
                                 {"lstrip", false},
                                 {"rstrip", false},
                                 {"single_word", true},
                                 {"normalized", true}}};
    QJsonObject vocab;
    // Ids must not collide: fixture vocab is 256 bytes + extras (< 300).
    const auto tok = fromBytes(byteLevelFixture(kLlama3Regex, {"hi", "there", "Ġthere", "con"}, {},
                                                true, QJsonValue::Null, added));
    const auto enc = tok.encode("hi  <|eot|>  there", false);
    QCOMPARE(str(enc.tokens), QString("hi|<|eot|>|there"));
    QCOMPARE(str(enc.offsets), QString("(0,2),(2,13),(13,18)"));
    QCOMPARE(int(enc.special[1]), 1);
    // single_word: "cat" alone is the added token, inside "concat" it is not.
    QCOMPARE(str(tok.encode("a cat", false).ids).split(',').last(), QString::number(cat));
    QVERIFY(!str(tok.encode("concat", false).ids).split(',').contains(QString::number(cat)));
    QCOMPARE(QString::fromStdString(tok.decode(enc.ids, true)), QString("hithere"));
    QCOMPARE(QString::fromStdString(tok.decode(enc.ids, false)), QString("hi<|eot|>there"));
  }

  void metaspacePreTokenizer() {
    // Newer Llama / Mistral layout: Metaspace pre-tokenizer instead of Prepend + Replace.
    QJsonObject root =
        QJsonDocument::fromJson(readAll(dataPath("llama-spm/tokenizer.json"))).object();
    root.insert("normalizer", QJsonValue::Null);
    auto withMeta = [&](const QString& scheme, bool split) {
      QJsonObject r = root;
      r.insert("pre_tokenizer", QJsonObject{{"type", "Metaspace"},
                                            {"replacement", "▁"},
                                            {"prepend_scheme", scheme},
                                            {"split", split}});
      r.insert("decoder", QJsonObject{{"type", "Metaspace"},
                                      {"replacement", "▁"},
                                      {"prepend_scheme", scheme},
                                      {"split", split}});
      return fromBytes(QJsonDocument(r).toJson(QJsonDocument::Compact));
    };
    const auto ref = load("llama-spm");
    const auto first = withMeta("first", false);
    // Same ids as the Prepend + Replace form, except that a text starting with a space gets
    // no extra "▁" (Metaspace only prepends when the piece does not start with one).
    int same = 0;
    for (const auto& v : loadVectors("llama-spm")) {
      if (v.text.starts_with(' ')) continue;
      QCOMPARE(str(first.encode(v.text, false).ids), str(v.ids));
      ++same;
    }
    QCOMPARE(same, 15);
    QCOMPARE(str(first.encode("  ", false).tokens), QString("▁▁"));
    QCOMPARE(str(ref.encode("  ", false).tokens), QString("▁▁▁"));
    // split = true cuts before each ▁ (HF's MergedWithNext), so "▁▁" is never one token.
    const auto split = withMeta("always", true);
    QCOMPARE(str(split.encode("  Hello", false).tokens), QString("▁|▁Hello"));
    QCOMPARE(str(split.encode("Hello  world", false).tokens), QString("▁Hello|▁|▁world"));
    const auto never = withMeta("never", false);
    QCOMPARE(str(never.encode("Hello", false).tokens), QString("Hello"));
    // "first": only the piece at the start of the text gets the prefix, not the one after <s>.
    QCOMPARE(str(first.encode("Hi<s>Hi", false).tokens), QString("▁Hi|<s>|Hi"));
    QCOMPARE(QString::fromStdString(first.decode(first.encode("Hello world").ids)),
             QString("Hello world"));
    // As HF: the decoder drops the ▁ of the first token, so a leading space is lost.
    QCOMPARE(QString::fromStdString(first.decode(first.encode(" Hello world").ids)),
             QString("Hello world"));
    QCOMPARE(str(ref.encode("Hi<s>Hi", false).tokens), QString("▁Hi|<s>|▁Hi"));
  }

  void clsSepProcessors() {
    QJsonObject root = QJsonDocument::fromJson(readAll(dataPath("gpt2/tokenizer.json"))).object();
    root.insert("post_processor", QJsonObject{{"type", "RobertaProcessing"},
                                              {"sep", QJsonArray{"<|endoftext|>", 50256}},
                                              {"cls", QJsonArray{"<|endoftext|>", 50256}},
                                              {"trim_offsets", true},
                                              {"add_prefix_space", true}});
    const auto roberta = fromBytes(QJsonDocument(root).toJson(QJsonDocument::Compact));
    const auto enc = roberta.encode(" Hello world", true);
    QCOMPARE(str(enc.ids), QString("50256,18435,995,50256"));
    // trim_offsets drops the leading space of "Ġworld"; the first token keeps it because of
    // add_prefix_space (HF's process_offsets).
    QCOMPARE(str(enc.offsets), QString("(0,0),(0,6),(7,12),(0,0)"));
    QCOMPARE(str(roberta.encode(" Hello world", false).offsets), QString("(0,6),(7,12)"));

    root.insert("post_processor", QJsonObject{{"type", "BertProcessing"},
                                              {"sep", QJsonArray{"!", 0}},
                                              {"cls", QJsonArray{"\"", 1}}});
    const auto bert = fromBytes(QJsonDocument(root).toJson(QJsonDocument::Compact));
    QCOMPARE(str(bert.encode(" Hello world", true).ids), QString("1,18435,995,0"));
    QCOMPARE(str(bert.encode(" Hello world", true).offsets), QString("(0,0),(0,6),(6,12),(0,0)"));
    QCOMPARE(str(bert.encode(" Hello world", false).ids), QString("18435,995"));
  }

  void concurrentEncode() {
    const auto tok = load("gpt2");
    const auto vectors = loadVectors("gpt2");
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&] {
        for (int round = 0; round < 20; ++round)
          for (const auto& v : vectors)
            if (tok.encode(v.text, false).ids != v.ids) ++failures;
      });
    for (auto& th : threads)
      th.join();
    QCOMPARE(failures.load(), 0);
  }

  void malformedFiles() {
    using strata::Tokenizer;
    QCOMPARE(errorCode([] { Tokenizer::fromJson("{not json", "x.json"); }),
             QString("tokenizer.not_json"));
    QVERIFY(errorMessage([] { Tokenizer::fromJson("{not json", "x.json"); }).startsWith("x.json:"));
    QCOMPARE(errorCode([] { Tokenizer::fromJson("[1, 2]", "x.json"); }),
             QString("tokenizer.not_json"));
    QCOMPARE(errorCode([] { Tokenizer::fromFile("/nonexistent/tokenizer.json"); }),
             QString("tokenizer.io"));
    QCOMPARE(loadCode(minimalWordPiece()), QString());
    QCOMPARE(loadCode(minimalBpe()), QString());

    QJsonObject j = minimalWordPiece();
    j.remove("version");
    QCOMPARE(loadCode(j), QString("tokenizer.bad_version"));
    j.insert("version", "2.0");
    QCOMPARE(loadCode(j), QString("tokenizer.bad_version"));
    j.insert("version", 1.0);
    QCOMPARE(loadCode(j), QString("tokenizer.bad_version"));

    j = minimalWordPiece();
    QJsonObject model = j.value("model").toObject();
    model.insert("type", "Unigram");
    j.insert("model", model);
    QCOMPARE(loadCode(j), QString("tokenizer.unsupported_model"));
    QVERIFY(errorMessage([&] { fromBytes(QJsonDocument(j).toJson()); }).contains("BPE, WordPiece"));

    j = minimalWordPiece();
    j.insert("normalizer", QJsonObject{{"type", "Precompiled"}});
    QCOMPARE(loadCode(j), QString("tokenizer.unsupported_normalizer"));
    QVERIFY(errorMessage([&] { fromBytes(QJsonDocument(j).toJson()); }).contains("NFKC"));
    j = minimalWordPiece();
    j.insert("pre_tokenizer", QJsonObject{{"type", "UnicodeScripts"}});
    QCOMPARE(loadCode(j), QString("tokenizer.unsupported_pre_tokenizer"));
    QVERIFY(errorMessage([&] { fromBytes(QJsonDocument(j).toJson()); }).contains("Metaspace"));
    j = minimalWordPiece();
    j.insert("decoder", QJsonObject{{"type", "CTC"}});
    QCOMPARE(loadCode(j), QString("tokenizer.unsupported_decoder"));

    j = minimalBpe();
    model = j.value("model").toObject();
    model.insert("merges", QJsonArray{"a c"});
    j.insert("model", model);
    QCOMPARE(loadCode(j), QString("tokenizer.bad_merge"));
    model.insert("merges", QJsonArray{QJsonArray{"b", "a"}});  // "ba" is not in the vocabulary
    j.insert("model", model);
    QCOMPARE(loadCode(j), QString("tokenizer.bad_merge"));

    j = minimalBpe();
    model = j.value("model").toObject();
    model.insert("unk_token", "<missing>");
    j.insert("model", model);
    QCOMPARE(loadCode(j), QString("tokenizer.bad_unk"));
    j = minimalWordPiece();
    model = j.value("model").toObject();
    model.insert("unk_token", "[NOPE]");
    j.insert("model", model);
    QCOMPARE(loadCode(j), QString("tokenizer.bad_unk"));

    j = minimalWordPiece();
    model = j.value("model").toObject();
    QJsonObject vocab = model.value("vocab").toObject();
    vocab.insert("c", 2);  // "b" already has id 2
    model.insert("vocab", vocab);
    j.insert("model", model);
    QCOMPARE(loadCode(j), QString("tokenizer.duplicate_id"));
    j = minimalWordPiece();
    j.insert("added_tokens", QJsonArray{QJsonObject{{"id", 1}, {"content", "[NEW]"}}});
    QCOMPARE(loadCode(j), QString("tokenizer.duplicate_id"));

    // Sequence nested 40 deep.
    QJsonObject nested{{"type", "Lowercase"}};
    for (int i = 0; i < 40; ++i)
      nested = QJsonObject{{"type", "Sequence"}, {"normalizers", QJsonArray{nested}}};
    j = minimalWordPiece();
    j.insert("normalizer", nested);
    QCOMPARE(loadCode(j), QString("tokenizer.too_deep"));
    QJsonObject nestedPre{{"type", "WhitespaceSplit"}};
    for (int i = 0; i < 40; ++i)
      nestedPre = QJsonObject{{"type", "Sequence"}, {"pretokenizers", QJsonArray{nestedPre}}};
    j = minimalWordPiece();
    j.insert("pre_tokenizer", nestedPre);
    QCOMPARE(loadCode(j), QString("tokenizer.too_deep"));

    j = minimalWordPiece();
    j.insert("pre_tokenizer", QJsonObject{{"type", "Split"},
                                          {"pattern", QJsonObject{{"Regex", "(unclosed"}}},
                                          {"behavior", "Isolated"}});
    QCOMPARE(loadCode(j), QString("tokenizer.bad_regex"));
  }

  void invalidInput() {
    const auto tok = load("gpt2");
    QCOMPARE(errorCode([&] { tok.encode("ok \xC3", false); }), QString("tokenizer.invalid_utf8"));
    QCOMPARE(errorCode([&] { tok.encode("\xED\xA0\x80", false); }),  // surrogate
             QString("tokenizer.invalid_utf8"));
    QCOMPARE(errorCode([&] { tok.encode("\xC0\xAF", false); }),  // overlong '/'
             QString("tokenizer.invalid_utf8"));
  }

  void catastrophicRegexIsBounded() {
    QJsonObject j = minimalWordPiece();
    j.insert("pre_tokenizer", QJsonObject{{"type", "Split"},
                                          {"pattern", QJsonObject{{"Regex", "(a|aa)+$"}}},
                                          {"behavior", "Isolated"}});
    const auto tok = fromBytes(QJsonDocument(j).toJson());
    const std::string text = std::string(60, 'a') + "b";
    QElapsedTimer timer;
    timer.start();
    QCOMPARE(errorCode([&] { tok.encode(text, false); }), QString("tokenizer.regex_limit"));
    QVERIFY(timer.elapsed() < 10000);
  }
};

QTEST_GUILESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
