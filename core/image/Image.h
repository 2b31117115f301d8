#pragma once
// A decoded image as the rest of core consumes it: 8-bit RGB, row-major, 3 bytes per pixel.
// A plain value (no LibTorch, no Qt); copies may be used on any thread.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace strata {

struct Image {
  std::int32_t width = 0;
  std::int32_t height = 0;
  /// height * width * 3 bytes: R, G, B of pixel (x, y) at (y * width + x) * 3.
  std::vector<std::uint8_t> rgb;

  Image() = default;
  Image(std::int32_t w, std::int32_t h)
      : width(w), height(h), rgb(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3) {}

  bool empty() const { return rgb.empty(); }
  std::uint8_t at(std::int32_t x, std::int32_t y, int channel) const {
    return rgb[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                static_cast<std::size_t>(x)) *
                   3 +
               static_cast<std::size_t>(channel)];
  }
};

}  // namespace strata
