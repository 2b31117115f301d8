#!/usr/bin/python3
"""Peer for bench_id: TwoNN (DADApy definition) and MLE (k = 20, harmonic combination) with
scikit-learn NearestNeighbors + numpy, on the point cloud bench_id writes. scikit-dimension
itself is not installable here; this is the straightforward Python implementation of the same
definitions (METRICS.md).

    /usr/bin/python3 bench/peer_id.py bench_id_points.npy
"""
import sys
import time

import numpy as np
from sklearn.neighbors import NearestNeighbors


def knn(x, k):
    nn = NearestNeighbors(n_neighbors=k + 1).fit(x)
    dist, _ = nn.kneighbors(x)
    return dist[:, 1:]  # drop self


def twonn(x, fraction=0.9):
    d = knn(x, 2)
    d = d[d[:, 0] > 0]
    n = len(d)
    n_eff = int(n * fraction)
    lx = np.sort(np.log(d[:, 1] / d[:, 0]))[:n_eff]
    y = -np.log(1 - np.arange(1, n_eff + 1) / n)
    return float(lx @ y / (lx @ lx))


def mle(x, k=20):
    d = knn(x, k)
    d = d[d[:, 0] > 0]
    m = (k - 1) / np.sum(np.log(d[:, -1:] / d[:, :-1]), axis=1)
    return float(1 / np.mean(1 / m))


def main():
    x = np.load(sys.argv[1] if len(sys.argv) > 1 else "bench_id_points.npy")
    x64 = x.astype(np.float64)
    print(f"N = {x.shape[0]}, D = {x.shape[1]}, numpy {np.__version__}")
    for name, f in (("TwoNN (dadapy)", twonn), ("MLE k=20 (harmonic)", mle)):
        t0 = time.perf_counter()
        v = f(x64)
        print(f"peer {name}: {v:.4f} in {time.perf_counter() - t0:.3f} s")


if __name__ == "__main__":
    main()
