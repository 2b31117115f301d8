#pragma once
// Process-wide compute settings. LibTorch starts with one intra-op thread on this platform;
// front-ends call configureThreads() once at start-up, before any model work.
#include <string>

namespace strata {

/// Sets LibTorch's intra-op thread count. n <= 0 picks the number of hardware threads.
/// Returns the count in effect afterwards.
int configureThreads(int n = 0);

/// Number of intra-op threads LibTorch uses now.
int computeThreads();

/// "LibTorch 1.13.1, CPU" style description for --version and the status bar.
std::string runtimeDescription();

}  // namespace strata
