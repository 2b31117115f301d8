#pragma once
// Reader for NumPy .npy files
// (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html), for point clouds handed
// to `strata-cli geometry` and for test fixtures.
//
// Layout: 6-byte magic "\x93NUMPY", major and minor version bytes, the header length
// (u16 little-endian for version 1, u32 for versions 2 and 3), the header (a Python dict
// literal, latin-1 for v1/v2, UTF-8 for v3, padded with spaces and '\n'), then the raw data.
// The header has exactly the keys 'descr', 'fortran_order' and 'shape'.
//
// Accepted: versions 1-3; descr '<f4', '<f8', '>f4', '>f8' ('=' taken as little-endian);
// C order. float64 values are rounded to float32 by readNpy. Refused, each with its own
// code and a message that names the file (strata::Error):
//   npy.open_failed         cannot open or stat the file; npy.not_a_file for a directory
//   npy.bad_magic           not an .npy file (fewer than 10 bytes or wrong magic)
//   npy.unsupported_version major version other than 1, 2, 3
//   npy.header_too_large    header length above 1 MiB
//   npy.header_truncated    the file ends inside the header
//   npy.header_malformed    the header is not a dict literal of the expected form
//   npy.missing_key / npy.unknown_key / npy.duplicate_key
//   npy.unsupported_dtype   any descr but float32/float64 (integers, float16, structured...)
//   npy.fortran_order       fortran_order is True (Fortran-ordered data is not supported)
//   npy.bad_shape           shape is not a tuple of non-negative integers
//   npy.size_overflow       element count or byte size overflows 64 bits
//   npy.data_truncated      the data is shorter than the shape requires
//   npy.trailing_data       bytes after the data
// Sizes are checked against the file size (overflow-safe) before anything is allocated.
// Threading: free functions, no shared state.
#include <cstdint>
#include <string>
#include <vector>

#include "core/util/FloatArray.h"

namespace strata {

struct NpyHeader {
  int major = 1;
  int minor = 0;
  std::string descr;  ///< as written, e.g. "<f4"
  bool fortranOrder = false;
  std::vector<std::int64_t> shape;
  int itemSize = 4;              ///< 4 (float32) or 8 (float64)
  bool bigEndian = false;        ///< descr starts with '>'
  std::uint64_t dataOffset = 0;  ///< byte offset of the data in the file
};

/// Parses and validates the header of `path` (and the data size against the file size).
NpyHeader readNpyHeader(const std::string& path);

/// The whole array as float32, in C order with the file's shape.
FloatArray readNpy(const std::string& path);

}  // namespace strata
