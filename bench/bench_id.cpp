// Intrinsic-dimension timing: TwoNN and MLE (k = 20) on N = 10,000 points in D = 768 lying on
// a random 10-dimensional curved manifold, against the cost of the N x N distance GEMM
// measured with the same LibTorch (oneDNN/MKL) build, and against bench/peer_id.py
// (scikit-learn NearestNeighbors + numpy) on the same data, which this program writes.
//
//   build/NAME/bench/bench_id [N] [D] [out.npy]
//   /usr/bin/python3 bench/peer_id.py out.npy
#include <ATen/ATen.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "core/analysis/IntrinsicDimension.h"
#include "core/analysis/Neighbours.h"
#include "core/util/Runtime.h"

namespace {

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// x = A z + 0.5 sin(B z), z ~ N(0, I_10): a smooth 10-manifold in R^D.
strata::FloatArray manifold(std::int64_t n, std::int64_t d, int latent, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  std::vector<double> a(static_cast<size_t>(d * latent)), b(a.size());
  for (auto& v : a)
    v = g(rng) / std::sqrt(latent);
  for (auto& v : b)
    v = g(rng);
  strata::FloatArray x({n, d});
  std::vector<double> z(static_cast<size_t>(latent));
  for (std::int64_t i = 0; i < n; ++i) {
    for (auto& v : z)
      v = g(rng);
    for (std::int64_t r = 0; r < d; ++r) {
      double lin = 0, arg = 0;
      for (int c = 0; c < latent; ++c) {
        lin += a[static_cast<size_t>(r * latent + c)] * z[static_cast<size_t>(c)];
        arg += b[static_cast<size_t>(r * latent + c)] * z[static_cast<size_t>(c)];
      }
      x.data[static_cast<size_t>(i * d + r)] = static_cast<float>(lin + 0.5 * std::sin(arg));
    }
  }
  return x;
}

void writeNpy(const std::string& path, const strata::FloatArray& x) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                       std::to_string(x.shape[0]) + ", " + std::to_string(x.shape[1]) + "), }";
  while ((10 + header.size() + 1) % 64 != 0)
    header += ' ';
  header += '\n';
  std::ofstream f(path, std::ios::binary);
  f.write("\x93NUMPY\x01\x00", 8);
  const char len[2] = {static_cast<char>(header.size() & 0xFF),
                       static_cast<char>(header.size() >> 8)};
  f.write(len, 2);
  f.write(header.data(), static_cast<std::streamsize>(header.size()));
  f.write(reinterpret_cast<const char*>(x.data.data()),
          static_cast<std::streamsize>(x.data.size() * sizeof(float)));
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t n = argc > 1 ? std::atoll(argv[1]) : 10000;
  const std::int64_t d = argc > 2 ? std::atoll(argv[2]) : 768;
  const std::string out = argc > 3 ? argv[3] : "bench_id_points.npy";
  const int threads = strata::configureThreads(0);
  std::printf("%s, %d threads, N = %lld, D = %lld\n", strata::runtimeDescription().c_str(), threads,
              static_cast<long long>(n), static_cast<long long>(d));
  const auto x = manifold(n, d, 10, 7);
  writeNpy(out, x);

  // The reference cost: one N x N float32 GEMM of the data with itself (best of 3).
  auto t = at::from_blob(const_cast<float*>(x.data.data()), {n, d}, at::kFloat);
  double gemm = 1e30;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    auto g = at::mm(t, t.t());
    gemm = std::min(gemm, seconds(t0));
  }
  const double flops =
      2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(d);
  std::printf("GEMM %lldx%lld by %lld (float32): %.3f s, %.1f GFLOP/s\n", static_cast<long long>(n),
              static_cast<long long>(n), static_cast<long long>(d), gemm, flops / gemm * 1e-9);

  auto t0 = std::chrono::steady_clock::now();
  const auto nn = strata::nearestNeighbours(x, 20);
  const double tNN = seconds(t0);
  t0 = std::chrono::steady_clock::now();
  const auto two = strata::twoNN(x);
  const double tTwo = seconds(t0);
  t0 = std::chrono::steady_clock::now();
  const auto m = strata::mle(x);
  const double tMle = seconds(t0);
  const auto mFromNN = strata::mle(nn);
  std::printf("neighbours k=20: %.3f s (%.2fx GEMM)\n", tNN, tNN / gemm);
  std::printf("TwoNN (dadapy): %.4f in %.3f s (%.2fx GEMM)\n", two.value, tTwo, tTwo / gemm);
  std::printf("MLE k=20 (harmonic): %.4f in %.3f s (%.2fx GEMM); from shared neighbours %.4f\n",
              m.value, tMle, tMle / gemm, mFromNN.value);
  std::printf("data written to %s\n", out.c_str());
  return 0;
}
