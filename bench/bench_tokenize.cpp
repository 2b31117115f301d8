// Tokenizer throughput: 1,000,000 bytes of English text through a tokenizer.json (GPT-2 by
// default), tokenized line by line and in one call; best of 5 runs, each with a freshly loaded
// tokenizer (cold word cache); load time is not counted.
//
//   bench_tokenize [tokenizer.json] [text file]
//
// Without a text file the text is /usr/share/common-licenses/* concatenated (in name order,
// repeated as needed) and cut to exactly 1,000,000 bytes at a UTF-8 boundary.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/tokenizer/Tokenizer.h"
#include "core/util/Error.h"

namespace {

constexpr std::size_t kBytes = 1'000'000;
constexpr int kRuns = 5;

std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string loadText(const char* path) {
  std::string text;
  if (path != nullptr) {
    text = readFile(path);
  } else {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator("/usr/share/common-licenses"))
      files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::string all;
    for (const auto& f : files)
      all += readFile(f);
    if (all.empty()) return {};
    while (text.size() < kBytes)
      text += all;
  }
  if (text.size() > kBytes) {
    std::size_t cut = kBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
      --cut;
    text.resize(cut);
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string tokPath =
      argc > 1 ? argv[1] : STRATA_SOURCE_DIR "/tests/data/tokenizers/gpt2/tokenizer.json";
  const std::string text = loadText(argc > 2 ? argv[2] : nullptr);
  if (text.empty()) {
    std::fprintf(stderr, "bench_tokenize: no input text\n");
    return 1;
  }
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t nl = text.find('\n', pos);
    const std::size_t end = nl == std::string::npos ? text.size() : nl + 1;
    lines.push_back(std::string_view(text).substr(pos, end - pos));
    pos = end;
  }
  try {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    strata::Tokenizer::fromFile(tokPath);
    const double loadS = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("tokenizer: %s (load %.3f s)\ntext: %zu bytes, %zu lines\n", tokPath.c_str(), loadS,
                text.size(), lines.size());
    for (const bool byLine : {true, false}) {
      double best = 1e30;
      std::size_t tokens = 0;
      for (int run = 0; run < kRuns; ++run) {
        const auto tok = strata::Tokenizer::fromFile(tokPath);
        const auto start = Clock::now();
        std::size_t n = 0;
        if (byLine) {
          for (const auto line : lines)
            n += tok.encode(line, false).size();
        } else {
          n = tok.encode(text, false).size();
        }
        best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
        tokens = n;
      }
      std::printf("%-12s best of %d: %.3f s  %.2f MB/s  %.0f tokens/s  (%zu tokens)\n",
                  byLine ? "line by line" : "one call", kRuns, best, text.size() / 1e6 / best,
                  static_cast<double>(tokens) / best, tokens);
    }
  } catch (const strata::Error& e) {
    std::fprintf(stderr, "bench_tokenize: %s\n", e.what());
    return 1;
  }
  return 0;
}
