#pragma once
// Pillow's Image.resize for 8-bit RGB images, reimplemented bit for bit (Pillow 9-11,
// src/libImaging/Resample.c), because Hugging Face image processors resize through Pillow and
// one grey level of difference moves a ViT's hidden states by ~5e-4.
//
// What makes it Pillow's and not a generic resize:
//   - separable convolution, horizontal pass first (only over the source rows the vertical
//     pass will read), then vertical; a pass is skipped when that side keeps its size, and an
//     unchanged size is a plain copy;
//   - output pixel i samples around centre (i + 0.5) * in / out in source coordinates; when
//     shrinking, the filter's support is stretched by in / out, so it antialiases;
//   - taps are rounded to [(int)(centre -/+ support + 0.5)], clamped to the image, weighed in
//     double, normalised to sum 1, then converted to 22-bit fixed point with rounding away
//     from zero;
//   - each pass accumulates pixel * weight in 32-bit integers starting from 0.5 (1 << 21),
//     shifts right by 22 and clips to 0..255, so the intermediate image is 8-bit too.
//
// Threading: pure function.
#include <cstdint>
#include <string>

#include "core/image/Image.h"

namespace strata {

/// PIL.Image.Resampling values, as `resample` appears in preprocessor_config.json.
enum class PilResample : std::uint8_t {
  Nearest = 0,
  Lanczos = 1,
  Bilinear = 2,
  Bicubic = 3,
  Box = 4,
  Hamming = 5
};

/// "NEAREST", "BILINEAR", ...
std::string pilResampleName(PilResample filter);

/// Image.resize((width, height), filter) of an RGB image. Nearest is not supported
/// (Pillow runs it through its affine transform code, not this convolution): it raises
/// strata::Error("image.unsupported_resample"); so does a non-positive size.
Image pillowResize(const Image& in, std::int32_t width, std::int32_t height, PilResample filter);

}  // namespace strata
