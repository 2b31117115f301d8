// Trace throughput of a GPT-2-small-shaped model (12 layers, 12 heads, 768 wide, 50257 vocab,
// 1024 positions, random weights): one input traced with every hidden state, every layer's
// attention (Trace::attention) and the logits, at T = 128 and T = 512. Compare with
// bench/peer_trace.py (plain PyTorch eager GPT-2 with forward hooks on the same weights).
//
//   bench_trace [--threads N] [--dir FOLDER] [--out FOLDER] [--repeat R] [--lengths 128,512]
//
// --dir holds the checkpoint (written there by a child process when absent, so that writing
// never counts toward this process's peak RSS); --out receives strata_T{T}.safetensors with
// hidden.{l}, attn.{l} and logits of the last run, which peer_trace.py compares. The peak RSS
// (VmHWM) is read after the timed runs. Each length is timed twice: attention recomputed on
// demand after the forward (total_s), and attention kept during the forward as
// `strata-cli trace` does (captured_total_s), before the outputs are written. The "GEMM" line is
// runtime::Linear on a 512x768x3072 product: the speed the forward FLOPs are held against.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/io/SafetensorsWriter.h"
#include "core/runtime/Model.h"
#include "core/runtime/TransformerInternal.h"
#include "core/util/Error.h"
#include "core/util/Runtime.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kLayers = 12, kHeads = 12, kWidth = 768, kVocab = 50257, kPositions = 1024;
constexpr int kInner = 4 * kWidth;

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

void writeModel(const fs::path& dir) {
  fs::create_directories(dir);
  std::mt19937_64 rng(20240601);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  strata::SafetensorsWriter w;
  auto add = [&](const std::string& name, std::vector<std::int64_t> shape, float scale,
                 float offset = 0.0f) {
    std::size_t n = 1;
    for (auto d : shape)
      n *= static_cast<std::size_t>(d);
    std::vector<float> v(n);
    for (float& x : v)
      x = offset + scale * normal(rng);
    w.addFloat(name, std::move(shape), v);
  };
  add("transformer.wte.weight", {kVocab, kWidth}, 0.02f);
  add("transformer.wpe.weight", {kPositions, kWidth}, 0.01f);
  for (int l = 0; l < kLayers; ++l) {
    const std::string b = "transformer.h." + std::to_string(l) + ".";
    add(b + "ln_1.weight", {kWidth}, 0.05f, 1.0f);
    add(b + "ln_1.bias", {kWidth}, 0.02f);
    add(b + "attn.c_attn.weight", {kWidth, 3 * kWidth}, 0.02f);
    add(b + "attn.c_attn.bias", {3 * kWidth}, 0.02f);
    add(b + "attn.c_proj.weight", {kWidth, kWidth}, 0.02f);
    add(b + "attn.c_proj.bias", {kWidth}, 0.02f);
    add(b + "ln_2.weight", {kWidth}, 0.05f, 1.0f);
    add(b + "ln_2.bias", {kWidth}, 0.02f);
    add(b + "mlp.c_fc.weight", {kWidth, kInner}, 0.02f);
    add(b + "mlp.c_fc.bias", {kInner}, 0.02f);
    add(b + "mlp.c_proj.weight", {kInner, kWidth}, 0.02f);
    add(b + "mlp.c_proj.bias", {kWidth}, 0.02f);
  }
  add("transformer.ln_f.weight", {kWidth}, 0.05f, 1.0f);
  add("transformer.ln_f.bias", {kWidth}, 0.02f);
  w.write((dir / "model.safetensors").string());
  std::ofstream(dir / "config.json")
      << "{\"architectures\": [\"GPT2LMHeadModel\"], \"model_type\": \"gpt2\", "
         "\"activation_function\": \"gelu_new\", \"n_embd\": 768, \"n_head\": 12, "
         "\"n_layer\": 12, \"n_positions\": 1024, \"n_ctx\": 1024, \"vocab_size\": 50257, "
         "\"layer_norm_epsilon\": 1e-05}\n";
}

/// Writes the model in a child process (its buffers never touch this process's RSS).
void ensureModel(const fs::path& dir) {
  if (fs::exists(dir / "model.safetensors") && fs::exists(dir / "config.json")) return;
  std::fprintf(stderr, "writing random GPT-2-small weights to %s ...\n", dir.c_str());
  const pid_t pid = fork();
  if (pid == 0) {
    writeModel(dir);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw strata::Error("bench.write_failed", dir.string() + ": writing the model failed");
}

double statusMiB(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return std::stod(line.substr(key.size())) / 1024.0;
  return 0;
}
double peakRssMiB() {
  return statusMiB("VmHWM:");
}
double rssNowMiB() {
  return statusMiB("VmRSS:");
}

/// Forward FLOPs of one GPT-2 pass (multiply-adds x 2), with full (unmasked) T x T products.
double forwardFlops(double T, bool logits) {
  const double D = kWidth, F = kInner;
  const double block = 2 * T * D * 3 * D + 2 * T * D * D + 2 * 2 * T * D * F + 2 * 2 * T * T * D;
  return kLayers * block + (logits ? 2 * T * D * kVocab : 0);
}

/// GFLOP/s of runtime::Linear on a [512, 768] x [768, 3072] product (median of 9).
double gemmSpeed() {
  c10::InferenceMode guard;
  const at::Tensor x = at::randn({512, kWidth});
  const strata::runtime::Linear lin(at::randn({kInner, kWidth}) * 0.02, at::randn({kInner}));
  std::vector<double> t;
  for (int i = 0; i < 10; ++i) {
    const auto a = Clock::now();
    const at::Tensor y = lin(x);
    t.push_back(seconds(a, Clock::now()));
  }
  t.erase(t.begin());
  std::sort(t.begin(), t.end());
  return 2.0 * 512 * kWidth * kInner / t[t.size() / 2] / 1e9;
}

void writeOutputs(const fs::path& path, const strata::Trace& trace,
                  const std::vector<strata::FloatArray>& attention) {
  strata::SafetensorsWriter w;
  for (int i = 0; i <= trace.numLayers(); ++i) {
    const strata::FloatArray h = trace.hidden(i);
    w.addFloat("hidden." + std::to_string(i), h.shape, h.data);
  }
  for (std::size_t l = 0; l < attention.size(); ++l)
    w.addFloat("attn." + std::to_string(l), attention[l].shape, attention[l].data);
  w.addFloat("logits", trace.logits().shape, trace.logits().data);
  w.write(path.string());
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 0, repeat = 3;
  fs::path dir = fs::temp_directory_path() / "strata_bench_gpt2";
  fs::path out = dir;
  std::vector<int> lengths = {128, 512};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool hasValue = i + 1 < argc;
    if (a == "--threads" && hasValue) {
      threads = std::stoi(argv[++i]);
    } else if (a == "--dir" && hasValue) {
      dir = argv[++i];
    } else if (a == "--out" && hasValue) {
      out = argv[++i];
    } else if (a == "--repeat" && hasValue) {
      repeat = std::max(1, std::stoi(argv[++i]));
    } else if (a == "--lengths" && hasValue) {
      lengths.clear();
      std::stringstream s(argv[++i]);
      for (std::string n; std::getline(s, n, ',');)
        lengths.push_back(std::stoi(n));
    } else {
      std::fprintf(stderr,
                   "usage: bench_trace [--threads N] [--dir FOLDER] [--out FOLDER] [--repeat R] "
                   "[--lengths 128,512]\n");
      return 2;
    }
  }
  try {
    ensureModel(dir);
    fs::create_directories(out);
    const int n = strata::configureThreads(threads);
    const double gemm = gemmSpeed();
    const auto t0 = Clock::now();
    const auto model = strata::Model::load(dir.string());
    const double loadS = seconds(t0, Clock::now());
    std::printf(
        "threads %d | load %.2f s, peak RSS after load %.0f MiB | runtime::Linear 512x768x3072: "
        "%.1f GFLOP/s\n",
        n, loadS, peakRssMiB(), gemm);
    std::printf("%6s %10s %10s %10s %9s %9s %10s\n", "T", "forward_s", "attn_s", "total_s",
                "fwdGFLOP", "ideal_s", "total/ideal");
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::int64_t> pick(0, kVocab - 1);
    for (int T : lengths) {
      std::vector<std::int64_t> ids(static_cast<std::size_t>(T));
      for (auto& id : ids)
        id = pick(rng);
      {  // ids for the peer script
        std::ofstream f(out / ("ids_T" + std::to_string(T) + ".txt"));
        for (auto id : ids)
          f << id << "\n";
      }
      std::vector<double> fwd, att, tot, eager;
      std::shared_ptr<const strata::Trace> trace;
      std::vector<strata::FloatArray> attention;
      for (int r = 0; r < repeat + 1; ++r) {  // the first run warms up
        trace.reset();
        attention.clear();
        const auto a = Clock::now();
        trace = model->run({ids, {}, {}});
        std::vector<strata::FloatArray> hidden;
        for (int i = 0; i <= trace->numLayers(); ++i)
          hidden.push_back(trace->hidden(i));
        const auto b = Clock::now();
        for (int l = 0; l < trace->numLayers(); ++l)
          attention.push_back(trace->attention(l));
        const auto c = Clock::now();
        // As `strata-cli trace` runs it: attention kept during the forward pass.
        trace.reset();
        attention.clear();
        strata::CaptureOptions all;
        for (int l = 0; l < kLayers; ++l)
          all.attentionLayers.push_back(l);
        const auto d = Clock::now();
        trace = model->run({ids, {}, {}}, all);
        for (int i = 0; i <= trace->numLayers(); ++i)
          hidden.push_back(trace->hidden(i));
        for (int l = 0; l < trace->numLayers(); ++l)
          attention.push_back(trace->attention(l));
        const auto e = Clock::now();
        if (r == 0) continue;
        fwd.push_back(seconds(a, b));
        att.push_back(seconds(b, c));
        tot.push_back(seconds(a, c));
        eager.push_back(seconds(d, e));
      }
      auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
      };
      const double flops = forwardFlops(T, true);
      const double ideal = flops / (gemm * 1e9);
      std::printf("%6d %10.3f %10.3f %10.3f %9.1f %9.3f %10.2f\n", T, median(fwd), median(att),
                  median(tot), flops / 1e9, ideal, median(tot) / ideal);
      std::printf("%6d captured in the forward (as strata-cli trace): total_s %.3f, %.2f x ideal\n",
                  T, median(eager), median(eager) / ideal);
      std::printf(
          "RESULT T=%d total_s=%.4f captured_total_s=%.4f peak_rss_mib=%.0f rss_now_mib=%.0f\n", T,
          median(tot), median(eager), peakRssMiB(), rssNowMiB());
      std::fflush(stdout);
      writeOutputs(out / ("strata_T" + std::to_string(T) + ".safetensors"), *trace, attention);
    }
  } catch (const strata::Error& e) {
    std::fprintf(stderr, "bench_trace: %s\n", e.what());
    return 1;
  }
  return 0;
}
