#pragma once
// k nearest neighbours of every row of a point cloud, by batched matrix products (LibTorch),
// never an O(N^2) loop of scalar code: candidates from a float32 GEMM of ||x||^2 + ||y||^2 -
// 2 x.y in blocks of query rows (bounded memory), their distances recomputed exactly in
// float64; rows whose ranking a worst-case rounding bound cannot certify are redone in
// float64, then exactly against every point (see Neighbours.cpp).
#include <cstdint>
#include <vector>

#include "core/util/FloatArray.h"

namespace strata {

struct Neighbours {
  std::int64_t n = 0;
  std::int64_t k = 0;
  std::vector<double> distance;       ///< [n, k] Euclidean distances, ascending per row
  std::vector<std::int64_t> index;    ///< [n, k] neighbour row indices (never the row itself)
  std::int64_t zeroDistanceRows = 0;  ///< rows whose nearest neighbour is at distance 0
};

/// Neighbours of each row of X [N, D] among the other rows. Throws strata::Error when
/// k >= N or X is not 2-D.
Neighbours nearestNeighbours(const FloatArray& X, int k);

}  // namespace strata
