#pragma once
// Decodes PNG and JPEG files into 8-bit RGB, the way Pillow's `Image.open(path).convert("RGB")`
// does, because that is what Hugging Face image processors see (transformers' convert_to_rgb
// is PIL's convert("RGB")):
//   - PNG (libpng): grey, grey+alpha, palette, RGB, RGBA at 1..16 bits, interlaced or not.
//     Alpha is dropped, not composited (PIL's convert("RGB") drops it). 8-bit-per-sample
//     results of 16-bit colour / grey+alpha images keep the high byte (Pillow's ";16B"
//     raw modes). 16-bit greyscale is opened by Pillow as an integer image whose conversion
//     clips at 255, so values >= 255 become white; this is reproduced on purpose. No gamma or
//     colour-profile correction, as in Pillow.
//   - JPEG (libjpeg-turbo, default settings: accurate integer IDCT, fancy upsampling, as
//     Pillow): baseline, progressive, greyscale and YCbCr/RGB. CMYK and YCCK are refused.
//     EXIF orientation is not applied (the image processor does not apply it either).
// The format is chosen by the file's content, never by its extension.
//
// Errors are strata::Error naming the file:
//   image.read_failed            the file cannot be opened or read
//   image.unsupported_format     not a PNG or JPEG (wrong magic: GIF, WebP, text, ...)
//   image.unsupported_colorspace a JPEG in CMYK / YCCK
//   image.too_large              declared dimensions above kMaxImageSide per side or
//                                kMaxImagePixels in all; checked before any pixel buffer
//                                is allocated
//   image.corrupt                empty, truncated or malformed data (libpng / libjpeg message)
//
// libpng and libjpeg report errors by longjmp; the decoders keep every C++ object outside the
// jumped-over frames, so a corrupt file never crashes or leaks.
//
// Threading: stateless; any number of threads may decode at once.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/image/Image.h"

namespace strata {

enum class ImageFormat : std::uint8_t { Unknown, PNG, JPEG };

inline constexpr std::int64_t kMaxImageSide = 65535;
inline constexpr std::int64_t kMaxImagePixels = std::int64_t{16384} * 16384;  // 256 Mpx
inline constexpr std::int64_t kMaxImageFileBytes = std::int64_t{1} << 30;

class ImageDecoder {
 public:
  /// The format the first bytes announce (PNG signature, JPEG SOI marker), else Unknown.
  static ImageFormat sniff(const std::uint8_t* data, std::size_t size);
  /// Reads and decodes `path`.
  static Image decodeFile(const std::string& path);
  /// Decodes an encoded image held in memory; `source` names it in error messages.
  static Image decode(const std::uint8_t* data, std::size_t size, const std::string& source);
};

}  // namespace strata
