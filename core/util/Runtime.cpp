#include "core/util/Runtime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/version.h>

#include <thread>

namespace strata {

int configureThreads(int n) {
  if (n <= 0) {
    n = static_cast<int>(std::thread::hardware_concurrency());
    if (n <= 0) n = 1;
  }
  at::set_num_threads(n);
  return at::get_num_threads();
}

int computeThreads() {
  return at::get_num_threads();
}

std::string runtimeDescription() {
  std::string s = "LibTorch " TORCH_VERSION;
  s += at::hasCUDA() ? ", CUDA available" : ", CPU";
  s += ", " + std::to_string(at::get_num_threads()) + " threads";
  return s;
}

}  // namespace strata
