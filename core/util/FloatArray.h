#pragma once
// Dense row-major float32 array: how numeric results cross the core boundary (no LibTorch in
// public headers). A plain value; treat results handed out by core as immutable.
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

namespace strata {

struct FloatArray {
  std::vector<std::int64_t> shape;
  std::vector<float> data;

  FloatArray() = default;
  FloatArray(std::vector<std::int64_t> s, std::vector<float> d)
      : shape(std::move(s)), data(std::move(d)) {}
  /// Zero-filled array of the given shape.
  explicit FloatArray(std::vector<std::int64_t> s) : shape(std::move(s)), data(countOf(shape)) {}

  std::size_t numel() const { return data.size(); }
  std::int64_t dim(std::size_t i) const { return shape.at(i); }
  bool empty() const { return data.empty(); }
  /// Element at a row-major multi-index (no bounds checks beyond the vector's).
  float at(std::initializer_list<std::int64_t> index) const { return data[offset(index)]; }
  float& at(std::initializer_list<std::int64_t> index) { return data[offset(index)]; }

  static std::size_t countOf(const std::vector<std::int64_t>& s) {
    return static_cast<std::size_t>(
        std::accumulate(s.begin(), s.end(), std::int64_t{1}, std::multiplies<>()));
  }

 private:
  std::size_t offset(std::initializer_list<std::int64_t> index) const {
    std::size_t off = 0, k = 0;
    for (std::int64_t i : index)
      off = off * static_cast<std::size_t>(shape[k++]) + static_cast<std::size_t>(i);
    return off;
  }
};

}  // namespace strata
