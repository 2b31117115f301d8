#include "core/image/ImageDecoder.h"

// clang-format off
#include <cstdio>  // jpeglib.h needs FILE and size_t first
#include <jerror.h>
#include <jpeglib.h>
#include <png.h>
// clang-format on

#include <csetjmp>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "core/util/Error.h"

namespace strata {

namespace {

// -- shared ---------------------------------------------------------------------------------

/// Why a C decoder stopped; the message buffer is plain memory so that the callbacks that
/// fill it (called from inside libpng / libjpeg) never allocate or throw.
enum class Failure : std::uint8_t { None, Corrupt, TooLarge, Colorspace };

struct FailureInfo {
  Failure failure = Failure::None;
  char message[JMSG_LENGTH_MAX > 256 ? JMSG_LENGTH_MAX : 256] = {};
  std::int64_t width = 0, height = 0;

  void set(Failure f, const char* text) {
    failure = f;
    std::snprintf(message, sizeof(message), "%s", text ? text : "unknown error");
  }
};

bool tooLarge(std::int64_t w, std::int64_t h) {
  return w > kMaxImageSide || h > kMaxImageSide || w * h > kMaxImagePixels;
}

[[noreturn]] void raise(const FailureInfo& f, const std::string& source, const char* format) {
  switch (f.failure) {
    case Failure::TooLarge:
      throw Error("image.too_large",
                  source + ": the " + format + " declares " + std::to_string(f.width) + " x " +
                      std::to_string(f.height) + " pixels, more than the " +
                      std::to_string(kMaxImagePixels / 1000000) + " Mpx (or " +
                      std::to_string(kMaxImageSide) + " pixels per side) accepted");
    case Failure::Colorspace:
      throw Error("image.unsupported_colorspace",
                  source + ": " + f.message + "; only greyscale and RGB images are supported");
    case Failure::Corrupt:
    case Failure::None:
      break;
  }
  throw Error("image.corrupt", source + ": corrupt " + format + " data (" + f.message + ")");
}

// -- PNG ------------------------------------------------------------------------------------

struct PngJob {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  std::size_t pos = 0;
  FailureInfo info;
  png_structp png = nullptr;
  png_infop pngInfo = nullptr;
  // Decoded samples as libpng delivers them after the transforms below.
  std::vector<std::uint8_t> pixels;
  std::vector<png_bytep> rows;
  std::uint32_t width = 0, height = 0;
  int channels = 0, bitDepth = 0;
  std::size_t rowBytes = 0;

  ~PngJob() {
    if (png) png_destroy_read_struct(&png, pngInfo ? &pngInfo : nullptr, nullptr);
  }
};

void pngRead(png_structp png, png_bytep out, png_size_t n) {
  auto* job = static_cast<PngJob*>(png_get_io_ptr(png));
  if (n > job->size - job->pos) png_error(png, "the file ends early (truncated)");
  std::memcpy(out, job->data + job->pos, n);
  job->pos += n;
}

void pngError(png_structp png, png_const_charp message) {
  auto* job = static_cast<PngJob*>(png_get_error_ptr(png));
  job->info.set(Failure::Corrupt, message);
  png_longjmp(png, 1);
}

void pngWarning(png_structp, png_const_charp) {}  // ancillary-chunk noise; Pillow ignores it

/// The libpng part. Only plain data is touched between setjmp and a longjmp; the vectors live
/// in `job` (not in this frame), and a bad_alloc from them unwinds through this frame only.
bool runPng(PngJob& job) {
  if (setjmp(png_jmpbuf(job.png))) return false;
  png_set_read_fn(job.png, &job, pngRead);
  png_read_info(job.png, job.pngInfo);
  png_uint_32 w = 0, h = 0;
  int depth = 0, colorType = 0, interlace = 0;
  png_get_IHDR(job.png, job.pngInfo, &w, &h, &depth, &colorType, &interlace, nullptr, nullptr);
  if (tooLarge(w, h)) {
    job.info.failure = Failure::TooLarge;
    job.info.width = w;
    job.info.height = h;
    return false;
  }
  if (colorType == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(job.png);
  if (colorType == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(job.png);
  // 16-bit grey stays 16-bit: Pillow clips it to 255 rather than keeping the high byte.
  if (depth == 16 && colorType != PNG_COLOR_TYPE_GRAY) png_set_strip_16(job.png);
  png_set_interlace_handling(job.png);
  png_read_update_info(job.png, job.pngInfo);
  job.width = w;
  job.height = h;
  job.channels = png_get_channels(job.png, job.pngInfo);
  job.bitDepth = png_get_bit_depth(job.png, job.pngInfo);
  job.rowBytes = png_get_rowbytes(job.png, job.pngInfo);
  job.pixels.resize(job.rowBytes * h);
  job.rows.resize(h);
  for (png_uint_32 y = 0; y < h; ++y)
    job.rows[y] = job.pixels.data() + y * job.rowBytes;
  png_read_image(job.png, job.rows.data());
  return true;
}

Image decodePng(const std::uint8_t* data, std::size_t size, const std::string& source) {
  PngJob job;
  job.data = data;
  job.size = size;
  job.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &job, pngError, pngWarning);
  if (job.png) job.pngInfo = png_create_info_struct(job.png);
  if (!job.png || !job.pngInfo) throw Error("image.corrupt", source + ": cannot start libpng");
  if (!runPng(job)) raise(job.info, source, "PNG");

  Image out(static_cast<std::int32_t>(job.width), static_cast<std::int32_t>(job.height));
  const int c = job.channels;
  const bool wide = job.bitDepth == 16;  // only 16-bit greyscale reaches here unstripped
  for (std::uint32_t y = 0; y < job.height; ++y) {
    const std::uint8_t* row = job.rows[y];
    std::uint8_t* dst = out.rgb.data() + static_cast<std::size_t>(y) * job.width * 3;
    for (std::uint32_t x = 0; x < job.width; ++x, dst += 3) {
      if (wide) {
        const std::size_t at = static_cast<std::size_t>(x) * static_cast<std::size_t>(c) * 2;
        const unsigned v = (static_cast<unsigned>(row[at]) << 8) | row[at + 1];
        dst[0] = dst[1] = dst[2] = static_cast<std::uint8_t>(v > 255 ? 255 : v);
      } else if (c <= 2) {  // grey, grey + alpha (dropped)
        dst[0] = dst[1] = dst[2] = row[static_cast<std::size_t>(x) * static_cast<std::size_t>(c)];
      } else {  // RGB, RGBA (alpha dropped)
        const std::uint8_t* p = row + static_cast<std::size_t>(x) * static_cast<std::size_t>(c);
        dst[0] = p[0];
        dst[1] = p[1];
        dst[2] = p[2];
      }
    }
  }
  return out;
}

// -- JPEG -----------------------------------------------------------------------------------

struct JpegErrorManager {
  jpeg_error_mgr pub;  // first member: libjpeg hands back a pointer to it
  std::jmp_buf jump;
  FailureInfo* info;
};

void jpegErrorExit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  char text[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, text);
  err->info->set(Failure::Corrupt, text);
  std::longjmp(err->jump, 1);
}

// Warnings are ignored as Pillow ignores them, except a premature end of data: Pillow refuses
// truncated files ("image file is truncated"), while libjpeg would pad them with grey.
void jpegEmitMessage(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
    auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
    err->info->set(Failure::Corrupt, "the file ends early (truncated)");
    std::longjmp(err->jump, 1);
  }
}

struct JpegJob {
  jpeg_decompress_struct cinfo{};
  JpegErrorManager err{};
  FailureInfo info;
  bool created = false;
  std::vector<std::uint8_t> pixels;  // height * width * components
  std::uint32_t width = 0, height = 0;
  int components = 0;

  ~JpegJob() {
    if (created) jpeg_destroy_decompress(&cinfo);
  }
};

/// The libjpeg part; same rules as runPng.
bool runJpeg(JpegJob& job, const std::uint8_t* data, std::size_t size) {
  job.cinfo.err = jpeg_std_error(&job.err.pub);
  job.err.pub.error_exit = jpegErrorExit;
  job.err.pub.emit_message = jpegEmitMessage;
  job.err.info = &job.info;
  if (setjmp(job.err.jump)) return false;
  jpeg_CreateDecompress(&job.cinfo, JPEG_LIB_VERSION, sizeof(job.cinfo));
  job.created = true;
  jpeg_mem_src(&job.cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&job.cinfo, TRUE);
  if (tooLarge(job.cinfo.image_width, job.cinfo.image_height)) {
    job.info.failure = Failure::TooLarge;
    job.info.width = job.cinfo.image_width;
    job.info.height = job.cinfo.image_height;
    return false;
  }
  switch (job.cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
      job.cinfo.out_color_space = JCS_GRAYSCALE;
      break;
    case JCS_YCbCr:
    case JCS_RGB:
      job.cinfo.out_color_space = JCS_RGB;
      break;
    case JCS_CMYK:
      job.info.set(Failure::Colorspace, "the JPEG is in CMYK");
      return false;
    case JCS_YCCK:
      job.info.set(Failure::Colorspace, "the JPEG is in YCCK (Adobe CMYK)");
      return false;
    default:
      job.info.set(Failure::Colorspace, "the JPEG has an unknown colour space");
      return false;
  }
  jpeg_start_decompress(&job.cinfo);
  job.width = job.cinfo.output_width;
  job.height = job.cinfo.output_height;
  job.components = job.cinfo.output_components;
  const std::size_t stride = static_cast<std::size_t>(job.width) * job.components;
  job.pixels.resize(stride * job.height);
  while (job.cinfo.output_scanline < job.cinfo.output_height) {
    JSAMPROW row = job.pixels.data() + job.cinfo.output_scanline * stride;
    jpeg_read_scanlines(&job.cinfo, &row, 1);
  }
  jpeg_finish_decompress(&job.cinfo);
  return true;
}

Image decodeJpeg(const std::uint8_t* data, std::size_t size, const std::string& source) {
  JpegJob job;
  if (!runJpeg(job, data, size)) raise(job.info, source, "JPEG");
  Image out(static_cast<std::int32_t>(job.width), static_cast<std::int32_t>(job.height));
  const std::size_t n = static_cast<std::size_t>(job.width) * job.height;
  if (job.components == 3) {
    out.rgb = std::move(job.pixels);
  } else {
    for (std::size_t i = 0; i < n; ++i)
      out.rgb[i * 3] = out.rgb[i * 3 + 1] = out.rgb[i * 3 + 2] = job.pixels[i];
  }
  return out;
}

std::string describeUnknown(const std::uint8_t* d, std::size_t n) {
  auto starts = [&](const char* magic) {
    const std::size_t m = std::strlen(magic);
    return n >= m && std::memcmp(d, magic, m) == 0;
  };
  if (starts("GIF8")) return "a GIF image";
  if (starts("BM")) return "a BMP image";
  if (n >= 12 && starts("RIFF") && std::memcmp(d + 8, "WEBP", 4) == 0) return "a WebP image";
  if (starts("II*") || starts("MM")) return "a TIFF image";
  return "not an image format that is recognised";
}

}  // namespace

ImageFormat ImageDecoder::sniff(const std::uint8_t* data, std::size_t size) {
  static const std::uint8_t png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (size >= 8 && std::memcmp(data, png, 8) == 0) return ImageFormat::PNG;
  if (size >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff) return ImageFormat::JPEG;
  return ImageFormat::Unknown;
}

Image ImageDecoder::decode(const std::uint8_t* data, std::size_t size, const std::string& source) {
  if (size == 0) throw Error("image.corrupt", source + ": the file is empty");
  switch (sniff(data, size)) {
    case ImageFormat::PNG:
      return decodePng(data, size, source);
    case ImageFormat::JPEG:
      return decodeJpeg(data, size, source);
    case ImageFormat::Unknown:
      break;
  }
  throw Error("image.unsupported_format", source + ": " + describeUnknown(data, size) +
                                              "; only PNG and JPEG images can be read");
}

Image ImageDecoder::decodeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw Error("image.read_failed", path + ": cannot open the file");
  const std::streamoff size = in.tellg();
  if (size < 0) throw Error("image.read_failed", path + ": cannot read the file");
  if (size > kMaxImageFileBytes)
    throw Error("image.too_large", path + ": the file is " + std::to_string(size) +
                                       " bytes, more than the " +
                                       std::to_string(kMaxImageFileBytes >> 20) + " MiB accepted");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw Error("image.read_failed", path + ": cannot read the file");
  return decode(bytes.data(), bytes.size(), path);
}

}  // namespace strata
