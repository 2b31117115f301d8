#!/usr/bin/python3
"""Independent numpy values for tests/core/analysis/test_manifold_curvature.cpp (camlCrossCheck).

Writes caml_reference.txt beside this file: the per-point mean |kappa| of a CAML-style quadratic
fit (Kaufman & Azencot, CRLM; METRICS.md "Manifold curvature") on k-nearest-neighbour patches of
a deterministic curved 2-D surface in R^6 with small off-surface wiggles (so that every normal
direction is above float32 rounding and none is left out). Written from the definition:
  SVD of (neighbours - x); u = first d coordinates, f = the rest; least squares
  f ~ B [u; vech(u u^T) with halved diagonal] by pseudo-inverse; symmetric Hessian per normal
  direction from the quadratic coefficients; eigenvalues = principal curvatures.
Line 1: N D d k; line 2: MAPC; then one per-point value per line. The C++ test rebuilds X from
the same formula. Rerun by hand only if the definition changes.
"""
import os

import numpy as np

N, D, d, k = 80, 6, 2, 9


def make():
    i = np.arange(N, dtype=np.float64)
    u = np.sin(1.7 * i + 0.3)
    v = np.cos(2.3 * i + 0.1) * 0.8
    X = np.zeros((N, D))
    X[:, 0] = u
    X[:, 1] = v
    X[:, 2] = 0.6 * u * u - 0.4 * v * v + 0.3 * u * v
    X[:, 3] = 0.2 * u * u + 0.5 * u * v
    for j in range(4, D):
        X[:, j] = 0.01 * np.sin(0.9 * i * j + j)
    return X.astype(np.float32)


X = make().astype(np.float64)
D2 = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
np.fill_diagonal(D2, np.inf)
nbr = np.argsort(D2, axis=1, kind="stable")[:, :k]
iu, ju = np.triu_indices(d)
half = np.where(iu == ju, 0.5, 1.0)
per_point = []
for p in range(N):
    Y = X[nbr[p]] - X[p]                       # k x D
    U, S, Vt = np.linalg.svd(Y, full_matrices=False)
    C = U * S                                  # coordinates in the singular basis, k x min(k, D)
    u, f = C[:, :d], C[:, d:]
    quad = u[:, iu] * u[:, ju] * half
    psi = np.concatenate([u, quad], axis=1)
    B = np.linalg.pinv(psi) @ f                # (d + q) x m
    kappas = []
    for n in range(f.shape[1]):
        H = np.zeros((d, d))
        H[iu, ju] = B[d:, n]
        H[ju, iu] = B[d:, n]
        kappas.extend(np.linalg.eigvalsh(H))
    per_point.append(np.mean(np.abs(kappas)))
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "caml_reference.txt")
with open(out, "w") as fh:
    fh.write(f"{N} {D} {d} {k}\n{np.mean(per_point)!r}\n")
    for value in per_point:
        fh.write(f"{value!r}\n")
print(open(out).read()[:200])
