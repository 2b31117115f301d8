#include "core/analysis/Neighbours.h"

// How the neighbours are found, exactly and without O(N^2) scalar loops:
//  1. Centre X in float64 (shrinks ||x|| and hence the cancellation in the expansion below).
//  2. Candidates: squared distances ||x||^2 + ||y||^2 - 2 x.y by one float32 GEMM per block
//     of query rows, self masked with +inf, the c = k + max(k, 16) smallest kept (topk).
//  3. Refinement: the candidates' distances recomputed exactly, in float64, from coordinate
//     differences; sorted (ties broken by row index, so results are deterministic).
//  4. Certification: a row is accepted when its exact k-th squared distance is at most the
//     c-th approximate one minus a worst-case rounding bound of the GEMM expansion
//     (3 (D + 4) u (||x_i|| + max ||x||)^2): no point outside the candidates can then be
//     closer. Rows that fail (clustered or near-duplicate data) are redone with a float64
//     GEMM, and those that still fail with exact distances to every row.
// Error codes: neighbours.bad_shape, neighbours.bad_k, neighbours.too_few_points,
// neighbours.non_finite.

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/util/Error.h"

namespace strata {

namespace {

constexpr std::int64_t kBlockBytes = 64 << 20;  // bound on each temporary block

struct Context {
  at::Tensor x64;      // [N, D] centred, float64
  at::Tensor norm64;   // [N] ||x||, float64
  double maxNorm = 0;  // max ||x||
  std::int64_t n = 0, d = 0;
  int k = 0;
};

struct Found {
  at::Tensor dist2;  // [b, k] float64 exact squared distances, ascending
  at::Tensor index;  // [b, k] int64
};

/// Exact float64 squared distances from rows `q` [b] to candidates `cand` [b, c], in chunks.
at::Tensor exactSquared(const Context& ctx, const at::Tensor& q, const at::Tensor& cand) {
  const std::int64_t b = cand.size(0), c = cand.size(1);
  auto out = at::empty({b, c}, at::kDouble);
  const std::int64_t perCand = std::max<std::int64_t>(1, ctx.d * 8);
  const std::int64_t candChunk = std::clamp<std::int64_t>(kBlockBytes / perCand, 1, c);
  const std::int64_t rowChunk =
      std::max<std::int64_t>(1, kBlockBytes / (perCand * std::max<std::int64_t>(candChunk, 1)));
  for (std::int64_t r0 = 0; r0 < b; r0 += rowChunk) {
    const std::int64_t r1 = std::min(b, r0 + rowChunk);
    auto xq = ctx.x64.index_select(0, q.slice(0, r0, r1)).unsqueeze(1);  // [br, 1, D]
    for (std::int64_t c0 = 0; c0 < c; c0 += candChunk) {
      const std::int64_t c1 = std::min(c, c0 + candChunk);
      auto ci = cand.slice(0, r0, r1).slice(1, c0, c1);
      auto xc = ctx.x64.index_select(0, ci.reshape({-1})).view({r1 - r0, c1 - c0, ctx.d});
      out.slice(0, r0, r1).slice(1, c0, c1).copy_((xc - xq).square().sum(2));
    }
  }
  return out;
}

/// The k nearest among the candidates: sort by index, then stably by exact distance.
Found refine(const Context& ctx, const at::Tensor& q, const at::Tensor& cand) {
  auto byIndex = std::get<0>(at::sort(cand, 1));
  auto d2 = exactSquared(ctx, q, byIndex);
  auto [sorted, order] = at::sort(d2, /*stable=*/true, /*dim=*/1, /*descending=*/false);
  return {sorted.slice(1, 0, ctx.k).contiguous(),
          byIndex.gather(1, order).slice(1, 0, ctx.k).contiguous()};
}

/// Rows whose k-th exact squared distance cannot be beaten by any non-candidate.
at::Tensor certified(const Context& ctx, const at::Tensor& q, const at::Tensor& kth2,
                     const at::Tensor& lastApprox2, double unitRoundoff) {
  const double gamma = 3.0 * static_cast<double>(ctx.d + 4) * unitRoundoff;
  auto bound = gamma * (ctx.norm64.index_select(0, q) + ctx.maxNorm).square();
  return kth2.eq(0.0).logical_or(kth2.le(lastApprox2.to(at::kDouble) - bound));
}

struct Pass {
  at::Tensor dist2, index;  // [rows, k] for every query row of the pass
  at::Tensor failed;        // [rows] bool: needs the next, more exact pass
};

/// Candidates by GEMM in `dtype` for query rows `q`, refined and certified.
Pass gemmPass(const Context& ctx, const at::Tensor& q, at::ScalarType dtype) {
  const std::int64_t rows = q.size(0);
  const std::int64_t c = std::min<std::int64_t>(ctx.n - 1, ctx.k + std::max(ctx.k, 16));
  const bool all = c == ctx.n - 1;  // every other row is a candidate: nothing to certify
  const std::int64_t elem = dtype == at::kDouble ? 8 : 4;
  const std::int64_t block =
      std::clamp<std::int64_t>(std::min(kBlockBytes / (ctx.n * elem),
                                        kBlockBytes / std::max<std::int64_t>(1, c * ctx.d * 8)),
                               1, std::max<std::int64_t>(rows, 1));
  auto xAll = ctx.x64.to(dtype);
  auto sq = xAll.square().sum(1);  // [N] in dtype
  const double u = dtype == at::kDouble ? std::numeric_limits<double>::epsilon() / 2
                                        : std::numeric_limits<float>::epsilon() / 2;
  Pass out{at::empty({rows, ctx.k}, at::kDouble), at::empty({rows, ctx.k}, at::kLong),
           at::zeros({rows}, at::kBool)};
  const auto inf = std::numeric_limits<double>::infinity();
  for (std::int64_t r0 = 0; r0 < rows; r0 += block) {
    const std::int64_t r1 = std::min(rows, r0 + block);
    auto qb = q.slice(0, r0, r1);
    auto xq = xAll.index_select(0, qb);
    auto approx = at::addmm(sq.index_select(0, qb).unsqueeze(1) + sq.unsqueeze(0), xq, xAll.t(),
                            /*beta=*/1, /*alpha=*/-2);
    approx.scatter_(1, qb.unsqueeze(1), inf);
    auto [vals, idx] = at::topk(approx, c, 1, /*largest=*/false, /*sorted=*/true);
    Found f = refine(ctx, qb, idx);
    out.dist2.slice(0, r0, r1).copy_(f.dist2);
    out.index.slice(0, r0, r1).copy_(f.index);
    if (!all) {
      auto ok = certified(ctx, qb, f.dist2.select(1, ctx.k - 1), vals.select(1, c - 1), u);
      out.failed.slice(0, r0, r1).copy_(ok.logical_not());
    }
  }
  return out;
}

/// Exact pass: every other row is a candidate (used only for rows no GEMM pass certified).
Pass exactPass(const Context& ctx, const at::Tensor& q) {
  const std::int64_t rows = q.size(0);
  Pass out{at::empty({rows, ctx.k}, at::kDouble), at::empty({rows, ctx.k}, at::kLong),
           at::zeros({rows}, at::kBool)};
  auto allIdx = at::arange(ctx.n, at::kLong);
  const auto qa = q.accessor<std::int64_t, 1>();
  for (std::int64_t r = 0; r < rows; ++r) {
    auto others = allIdx.index({allIdx.ne(qa[r])}).unsqueeze(0);
    Found f = refine(ctx, q.slice(0, r, r + 1), others);
    out.dist2.slice(0, r, r + 1).copy_(f.dist2);
    out.index.slice(0, r, r + 1).copy_(f.index);
  }
  return out;
}

void mergeFailed(Pass& into, const at::Tensor& failedRows, const Pass& redo) {
  into.dist2.index_copy_(0, failedRows, redo.dist2);
  into.index.index_copy_(0, failedRows, redo.index);
  into.failed.index_put_({failedRows}, redo.failed);
}

}  // namespace

Neighbours nearestNeighbours(const FloatArray& X, int k) {
  if (X.shape.size() != 2 || X.shape[0] < 0 || X.shape[1] < 1 ||
      FloatArray::countOf(X.shape) != X.data.size())
    throw Error("neighbours.bad_shape",
                "nearest neighbours: expected a 2-D point cloud [N, D] with D >= 1");
  const std::int64_t n = X.shape[0], d = X.shape[1];
  if (k < 1)
    throw Error("neighbours.bad_k", "nearest neighbours: k must be >= 1, got " + std::to_string(k));
  if (k >= n)
    throw Error("neighbours.too_few_points", "nearest neighbours: k = " + std::to_string(k) +
                                                 " needs at least " + std::to_string(k + 1) +
                                                 " points, got " + std::to_string(n));
  auto x = at::from_blob(const_cast<float*>(X.data.data()), {n, d}, at::kFloat);
  if (!at::isfinite(x).all().item<bool>())
    throw Error("neighbours.non_finite",
                "nearest neighbours: the point cloud contains NaN or "
                "infinite values");

  Context ctx;
  ctx.n = n;
  ctx.d = d;
  ctx.k = k;
  auto x64 = x.to(at::kDouble);
  ctx.x64 = (x64 - x64.mean(0, /*keepdim=*/true)).contiguous();
  ctx.norm64 = ctx.x64.square().sum(1).sqrt();
  ctx.maxNorm = ctx.norm64.max().item<double>();

  auto allRows = at::arange(n, at::kLong);
  Pass result = gemmPass(ctx, allRows, at::kFloat);
  auto failed = result.failed.nonzero().view({-1});
  if (failed.numel() > 0) {
    mergeFailed(result, failed, gemmPass(ctx, failed, at::kDouble));
    failed = result.failed.nonzero().view({-1});
    if (failed.numel() > 0) mergeFailed(result, failed, exactPass(ctx, failed));
  }

  Neighbours nb;
  nb.n = n;
  nb.k = k;
  auto dist = result.dist2.sqrt().contiguous();
  auto index = result.index.contiguous();
  nb.distance.assign(dist.data_ptr<double>(), dist.data_ptr<double>() + n * k);
  nb.index.assign(index.data_ptr<std::int64_t>(), index.data_ptr<std::int64_t>() + n * k);
  nb.zeroDistanceRows = dist.select(1, 0).eq(0.0).sum().item<std::int64_t>();
  return nb;
}

}  // namespace strata
