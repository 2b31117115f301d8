#!/usr/bin/python3
"""Writes the .npy fixtures of tests/core/io/test_npy.cpp with NumPy itself (the reference
writer). Values: a[i, j] = (i * 3 + j) / 3 - 1 for a 2 x 3 array. Run from this folder."""
import numpy as np

a = (np.arange(6, dtype=np.float64).reshape(2, 3)) / 3 - 1


def write(name, arr, version=None):
    with open(name, "wb") as f:
        np.lib.format.write_array(f, arr, version=version)


write("f4_v1.npy", a.astype("<f4"), (1, 0))
write("f8_v1.npy", a.astype("<f8"), (1, 0))
write("f4_be.npy", a.astype(">f4"), (1, 0))
write("f8_be.npy", a.astype(">f8"), (1, 0))
write("f4_v2.npy", a.astype("<f4"), (2, 0))
write("f4_v3.npy", a.astype("<f4"), (3, 0))
write("f4_3d.npy", np.arange(24, dtype="<f4").reshape(2, 3, 4), (1, 0))
write("f4_empty.npy", np.zeros((0, 5), dtype="<f4"), (1, 0))
write("fortran.npy", np.asfortranarray(a.astype("<f4")), (1, 0))
write("i8.npy", np.arange(6, dtype="<i8").reshape(2, 3), (1, 0))
write("f2.npy", a.astype("<f2"), (1, 0))
