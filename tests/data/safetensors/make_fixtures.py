#!/usr/bin/python3
"""Writes the safetensors fixtures for tests/core/io, independently of Strata's C++ code.

The format is written by hand with struct + json (no `safetensors` package), and the
expected float32 values come from numpy's own conversions (float16 -> float32, float64 ->
float32, int -> float32) or, for bfloat16, from placing the 16 bits on top of a float32.

Run from anywhere:  /usr/bin/python3 tests/data/safetensors/make_fixtures.py
Outputs (committed; the C++ tests never run Python):
  dtypes.safetensors     one tensor per dtype, header keys in a different order than the
                         data, __metadata__, space padding to an 8-byte aligned data start
  unaligned.safetensors  unpadded header and odd-sized tensors: data not aligned for its dtype
  sharded/               model.safetensors.index.json + two shards
  expected.json          per file: data start, metadata and per tensor dtype, shape,
                         offsets, raw bytes (hex) and expected float32 bit patterns (hex)
"""
import json
import os
import struct
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

# name -> (safetensors dtype, shape, little-endian numpy array in that dtype)
def u16(bits):
    return np.array(bits, dtype="<u2")


F16_BITS = [
    0x0000,  # +0
    0x8000,  # -0
    0x0001,  # smallest subnormal 2^-24
    0x8001,  # -smallest subnormal
    0x03FF,  # largest subnormal
    0x0400,  # smallest normal 2^-14
    0x3C00,  # 1
    0xBC00,  # -1
    0x3555,  # ~0.333
    0x7BFF,  # 65504, largest finite
    0x7C00,  # +inf
    0xFC00,  # -inf
    0x7E00,  # NaN
    0x4248,  # 3.140625
]
BF16_BITS = [
    0x3F80,  # 1
    0xC000,  # -2
    0x8000,  # -0
    0x0001,  # smallest subnormal
    0x4049,  # 3.140625
    0x7F7F,  # largest finite
    0x7F80,  # +inf
    0xFF80,  # -inf
    0x7FC0,  # NaN
    0x3DCD,  # ~0.1
]


def tensors_dtypes():
    f32 = np.array([0.0, -0.0, 1.5, -2.25, 3.4028235e38, 1e-45, np.inf, np.nan, np.pi],
                   dtype="<f4").reshape(3, 3)
    f64 = np.array([0.0, -0.0, 1.0 / 3.0, 1e300, -1e-50, 2.5, np.nan, 1e-40],
                   dtype="<f8").reshape(2, 2, 2)
    return [
        ("f16", "F16", [2, 7], u16(F16_BITS).view("<f2").reshape(2, 7)),
        ("bf16", "BF16", [10], u16(BF16_BITS)),
        ("f32", "F32", [3, 3], f32),
        ("f64", "F64", [2, 2, 2], f64),
        ("i64", "I64", [6], np.array([0, -1, 2**53 + 1, -(2**63), 2**63 - 1, 123456789],
                                     dtype="<i8")),
        ("i32", "I32", [5], np.array([0, -1, 2**31 - 1, -(2**31), 16777217], dtype="<i4")),
        ("i16", "I16", [2, 2], np.array([[-32768, 32767], [0, -5]], dtype="<i2")),
        ("i8", "I8", [4], np.array([-128, 127, 0, -1], dtype="i1")),
        ("u8", "U8", [4], np.array([0, 255, 128, 7], dtype="u1")),
        ("bool", "BOOL", [4], np.array([True, False, True, True], dtype="?")),
        ("scalar", "F32", [], np.array(42.5, dtype="<f4")),
        ("empty", "F32", [0, 4], np.zeros((0, 4), dtype="<f4")),
    ]


def expected_f32(st_dtype, arr):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # F64 1e300 -> inf is intended
        if st_dtype == "BF16":
            f = (arr.view("<u2").astype("<u4") << 16).view("<f4")
        else:
            f = arr.astype("<f4")
    return ["0x%08x" % b for b in f.reshape(-1).view("<u4").tolist()]


def write_file(path, tensors, metadata=None, header_order=None, pad=True):
    """tensors in data order; header_order lists names in the header's key order."""
    entries = {}
    offset = 0
    blobs = []
    for name, st_dtype, shape, arr in tensors:
        raw = arr.tobytes(order="C")
        entries[name] = {"dtype": st_dtype, "shape": shape,
                         "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in header_order or [t[0] for t in tensors]:
        header[name] = entries[name]
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if pad:
        text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    return {
        "data_start": 8 + len(text),
        "metadata": metadata or {},
        "tensors": [
            {"name": name, "dtype": st_dtype, "shape": shape,
             "begin": entries[name]["data_offsets"][0], "end": entries[name]["data_offsets"][1],
             "raw": arr.tobytes(order="C").hex(), "f32": expected_f32(st_dtype, arr)}
            for name, st_dtype, shape, arr in tensors
        ],
    }


def main():
    expected = {}
    dt = tensors_dtypes()
    # Header keys in reverse data order: the reader must order tensors by offset itself.
    expected["dtypes.safetensors"] = write_file(
        os.path.join(HERE, "dtypes.safetensors"), dt,
        metadata={"format": "pt", "note": "fixture \u00e9\u4e2d"},
        header_order=[t[0] for t in reversed(dt)])

    unaligned = [
        ("odd", "U8", [3], np.array([1, 2, 3], dtype="u1")),
        ("f32", "F32", [2], np.array([1.25, -7.0], dtype="<f4")),
        ("f16", "F16", [3], u16([0x3C00, 0x0001, 0xFC00]).view("<f2")),
        ("i64", "I64", [2], np.array([-5, 1 << 40], dtype="<i8")),
        ("f64", "F64", [1], np.array([0.1], dtype="<f8")),
    ]
    expected["unaligned.safetensors"] = write_file(
        os.path.join(HERE, "unaligned.safetensors"), unaligned, pad=False)
    assert expected["unaligned.safetensors"]["data_start"] % 8 != 0

    sharded = os.path.join(HERE, "sharded")
    os.makedirs(sharded, exist_ok=True)
    shard1 = [
        ("model.embed.weight", "F32", [2, 3], np.arange(6, dtype="<f4").reshape(2, 3) / 4),
        ("model.layers.0.w", "F16", [2], np.array([0.5, -1.0], dtype="<f2")),
    ]
    shard2 = [
        ("model.layers.1.w", "BF16", [3], u16([0x3F80, 0x4000, 0xC040])),
        ("lm_head.bias", "F32", [1], np.array([-3.5], dtype="<f4")),
    ]
    names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    e1 = write_file(os.path.join(sharded, names[0]), shard1, metadata={"format": "pt"})
    e2 = write_file(os.path.join(sharded, names[1]), shard2, metadata={"format": "pt"})
    weight_map = {t[0]: names[0] for t in shard1}
    weight_map.update({t[0]: names[1] for t in shard2})
    total = sum(t["end"] - t["begin"] for t in e1["tensors"] + e2["tensors"])
    with open(os.path.join(sharded, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total},
                   "weight_map": dict(sorted(weight_map.items()))}, f, indent=2)
        f.write("\n")
    expected["sharded/" + names[0]] = e1
    expected["sharded/" + names[1]] = e2

    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
