#pragma once
// k nearest neighbours of every row of a point cloud, by batched matrix products (LibTorch,
// float64 accumulation of ||x||^2 + ||y||^2 - 2 x.y, clamped at 0), never an O(N^2) loop of
// scalar code. Memory is bounded by processing query rows in blocks.
#include <cstdint>
#include <vector>

#include "core/util/FloatArray.h"

namespace strata {

struct Neighbours {
  std::int64_t n = 0;
  std::int64_t k = 0;
  std::vector<double> distance;      ///< [n, k] Euclidean distances, ascending per row
  std::vector<std::int64_t> index;   ///< [n, k] neighbour row indices (never the row itself)
  std::int64_t zeroDistanceRows = 0; ///< rows whose nearest neighbour is at distance 0
};

/// Neighbours of each row of X [N, D] among the other rows. Throws strata::Error when
/// k >= N or X is not 2-D.
Neighbours nearestNeighbours(const FloatArray& X, int k);

}  // namespace strata
