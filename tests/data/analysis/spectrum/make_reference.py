#!/usr/bin/python3
"""Independent numpy values for tests/core/analysis/test_spectrum.cpp (crossCheckNumpy).

Writes reference.txt beside this file: one case per line,
  rows cols alpha preprocess clamp normalisation prompt_entropy effective_rank
for the deterministic matrix Z[t, j] = float32(sin(0.37 t j + 0.11 t + 0.05 j) + 0.1 cos(1.3 t)),
which the C++ test rebuilds. The entropy follows Skean et al.'s information_flow
(normalize, compute_entropy, repitl matrixAlphaEntropy, entropy_normalization), written
here from the definitions in METRICS.md; the effective rank follows Roy & Vetterli.
The tests never run this script; rerun it by hand only if the definitions change.
"""
import math
import os

import numpy as np


def make(rows, cols):
    t = np.arange(rows, dtype=np.float64)[:, None]
    j = np.arange(cols, dtype=np.float64)[None, :]
    return (np.sin(0.37 * t * j + 0.11 * t + 0.05 * j) + 0.1 * np.cos(1.3 * t)).astype(np.float32)


def preprocess(Z):
    Z = Z.astype(np.float64)
    Z = Z - Z.mean(axis=0)
    return Z / np.linalg.norm(Z, axis=1, keepdims=True)


def entropy(Z, alpha, pre, clamp, norm):
    X = preprocess(Z) if pre else Z.astype(np.float64)
    T, D = X.shape
    K = X.T @ X if T > D else X @ X.T
    if clamp:
        K = np.maximum(K, 0.0)
    K = K / np.trace(K)
    ev = np.linalg.eigvalsh(K)
    ev = ev[ev > 0]
    ev = ev / ev.sum()
    H = -np.sum(ev * np.log(ev)) if alpha == 1 else math.log(np.sum(ev ** alpha)) / (1 - alpha)
    div = {"maxEntropy": min(math.log(T), math.log(D)), "logN": math.log(T), "logD": math.log(D),
           "logNlogD": math.log(T) * math.log(D), "raw": 1.0}[norm]
    return H / div


def erank(Z, pre):
    X = preprocess(Z) if pre else Z.astype(np.float64)
    s = np.linalg.svd(X, compute_uv=False)
    s = s[s > max(X.shape) * np.finfo(np.float64).eps * s.max()]
    p = s / s.sum()
    return math.exp(-np.sum(p * np.log(p)))


cases = [
    (7, 5, 1.0, 1, 1, "maxEntropy"),
    (7, 5, 2.0, 1, 1, "raw"),
    (7, 5, 0.5, 1, 0, "logN"),
    (6, 9, 1.0, 1, 1, "maxEntropy"),
    (6, 9, 3.0, 0, 1, "logD"),
    (6, 9, 1.0, 0, 0, "logNlogD"),
    (40, 12, 1.0, 1, 1, "maxEntropy"),
]
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.txt")
with open(out, "w") as f:
    f.write("# rows cols alpha preprocess clamp normalisation prompt_entropy effective_rank"
            " (made by make_reference.py)\n")
    for rows, cols, alpha, pre, clamp, norm in cases:
        Z = make(rows, cols)
        f.write(f"{rows} {cols} {alpha} {pre} {clamp} {norm} {entropy(Z, alpha, pre, clamp, norm)!r} "
                f"{erank(Z, pre)!r}\n")
print(open(out).read())
