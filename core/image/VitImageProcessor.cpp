#include "core/image/VitImageProcessor.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/util/Error.h"

namespace strata {

namespace {

using Json = nlohmann::json;

[[noreturn]] void invalid(const std::string& source, const std::string& what) {
  throw Error("image.processor_invalid", source + ": " + what);
}

bool boolOr(const Json& j, const char* key, bool fallback, const std::string& source) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_boolean()) invalid(source, std::string("'") + key + "' must be true or false");
  return j[key].get<bool>();
}

double numberOr(const Json& j, const char* key, double fallback, const std::string& source) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_number()) invalid(source, std::string("'") + key + "' must be a number");
  return j[key].get<double>();
}

std::int32_t side(const Json& v, const std::string& key, const std::string& source) {
  if (!v.is_number_integer() || v.get<std::int64_t>() <= 0 || v.get<std::int64_t>() > 65535)
    invalid(source, "'" + key + "' must be a positive integer number of pixels");
  return static_cast<std::int32_t>(v.get<std::int64_t>());
}

/// transformers' get_size_dict (default_to_square): n, [h, w] or {"height", "width"}.
void parseSize(const Json& j, const char* key, std::int32_t& height, std::int32_t& width,
               const std::string& source) {
  if (!j.contains(key) || j[key].is_null()) return;
  const Json& v = j[key];
  const std::string k = key;
  if (v.is_number()) {
    height = width = side(v, k, source);
  } else if (v.is_array() && v.size() == 2) {
    height = side(v[0], k, source);
    width = side(v[1], k, source);
  } else if (v.is_object() && v.contains("height") && v.contains("width")) {
    height = side(v["height"], k + ".height", source);
    width = side(v["width"], k + ".width", source);
  } else if (v.is_object() && (v.contains("shortest_edge") || v.contains("longest_edge"))) {
    throw Error("image.unsupported_processor",
                source + ": '" + k +
                    "' gives shortest_edge / longest_edge; ViTImageProcessor needs "
                    "{\"height\": h, \"width\": w}");
  } else {
    invalid(source, "'" + k + "' must be an integer or {\"height\": h, \"width\": w}");
  }
}

std::vector<double> channelValues(const Json& j, const char* key, std::vector<double> fallback,
                                  const std::string& source) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  const Json& v = j[key];
  if (v.is_number()) return std::vector<double>(3, v.get<double>());
  if (v.is_array() && v.size() == 3) {
    std::vector<double> out;
    for (const Json& x : v) {
      if (!x.is_number()) invalid(source, std::string("'") + key + "' must hold numbers");
      out.push_back(x.get<double>());
    }
    return out;
  }
  invalid(source, std::string("'") + key + "' must be a number or a list of 3 numbers");
}

std::string processorType(const Json& j) {
  for (const char* key : {"image_processor_type", "feature_extractor_type"})
    if (j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return {};
}

}  // namespace

VitImageProcessor::VitImageProcessor(Settings settings) : settings_(std::move(settings)) {
  if (settings_.doResize && settings_.resample == PilResample::Nearest)
    throw Error("image.unsupported_resample",
                "resample = 0 (NEAREST) is not supported; Pillow resizes it with different "
                "(affine-transform) code");
  if (settings_.imageMean.size() != 3 || settings_.imageStd.size() != 3)
    throw Error("image.processor_invalid", "image_mean and image_std need 3 values (RGB)");
}

VitImageProcessor VitImageProcessor::fromJson(const std::string& jsonText,
                                              const std::string& source) {
  Json j;
  try {
    j = Json::parse(jsonText);
  } catch (const Json::exception& e) {
    invalid(source, std::string("not valid JSON (") + e.what() + ")");
  }
  if (!j.is_object()) invalid(source, "not a JSON object");
  Settings s;
  s.processorType = processorType(j);
  if (!s.processorType.empty() && s.processorType.rfind("ViT", 0) != 0 &&
      s.processorType.rfind("DeiT", 0) != 0)
    throw Error("image.unsupported_processor",
                source + ": image processor '" + s.processorType +
                    "' is not supported; only ViTImageProcessor (and DeiT's) preprocessing is "
                    "implemented");
  s.doResize = boolOr(j, "do_resize", s.doResize, source);
  parseSize(j, "size", s.height, s.width, source);
  if (j.contains("resample") && !j["resample"].is_null()) {
    const Json& r = j["resample"];
    if (!r.is_number_integer() || r.get<std::int64_t>() < 0 || r.get<std::int64_t>() > 5)
      throw Error("image.unsupported_resample",
                  source + ": 'resample' must be a PIL filter number 0..5");
    s.resample = static_cast<PilResample>(r.get<std::int64_t>());
  }
  s.doCenterCrop = boolOr(j, "do_center_crop", s.doCenterCrop, source);
  parseSize(j, "crop_size", s.cropHeight, s.cropWidth, source);
  s.doRescale = boolOr(j, "do_rescale", s.doRescale, source);
  s.rescaleFactor = numberOr(j, "rescale_factor", s.rescaleFactor, source);
  s.doNormalize = boolOr(j, "do_normalize", s.doNormalize, source);
  s.imageMean = channelValues(j, "image_mean", s.imageMean, source);
  s.imageStd = channelValues(j, "image_std", s.imageStd, source);
  for (double v : s.imageStd)
    if (s.doNormalize && v == 0.0) invalid(source, "'image_std' must not contain 0");
  try {
    return VitImageProcessor(std::move(s));
  } catch (const Error& e) {
    throw Error(e.code(), source + ": " + e.what());
  }
}

VitImageProcessor VitImageProcessor::fromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path))
      throw Error("image.processor_not_found", path + ": no such file");
    invalid(path, "cannot read the file");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return fromJson(text.str(), path);
}

VitImageProcessor VitImageProcessor::fromFolder(const std::string& folder) {
  const std::filesystem::path path = std::filesystem::path(folder) / "preprocessor_config.json";
  if (!std::filesystem::exists(path))
    throw Error("image.processor_not_found",
                folder + ": no preprocessor_config.json, so the image preprocessing is unknown");
  return fromFile(path.string());
}

std::int32_t VitImageProcessor::outputHeight() const {
  return settings_.doCenterCrop ? settings_.cropHeight : settings_.height;
}
std::int32_t VitImageProcessor::outputWidth() const {
  return settings_.doCenterCrop ? settings_.cropWidth : settings_.width;
}

Image VitImageProcessor::resizeAndCrop(const Image& image) const {
  Image out = settings_.doResize
                  ? pillowResize(image, settings_.width, settings_.height, settings_.resample)
                  : image;
  if (!settings_.doCenterCrop) return out;
  // transformers' center_crop: top = (h - crop_h) // 2 (floor), on an image zero-padded to at
  // least the crop size with ceil((new - old) / 2) rows / columns before it.
  const std::int32_t ch = settings_.cropHeight, cw = settings_.cropWidth;
  auto floorDiv2 = [](std::int32_t v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); };
  const std::int32_t padTop = ch > out.height ? (ch - out.height + 1) / 2 : 0;
  const std::int32_t padLeft = cw > out.width ? (cw - out.width + 1) / 2 : 0;
  const std::int32_t top = floorDiv2(out.height - ch) + padTop;
  const std::int32_t left = floorDiv2(out.width - cw) + padLeft;
  Image crop(cw, ch);
  for (std::int32_t y = 0; y < ch; ++y)
    for (std::int32_t x = 0; x < cw; ++x) {
      const std::int32_t sy = top + y - padTop, sx = left + x - padLeft;
      if (sy < 0 || sy >= out.height || sx < 0 || sx >= out.width) continue;
      for (int c = 0; c < 3; ++c)
        crop.rgb[(static_cast<std::size_t>(y) * static_cast<std::size_t>(cw) +
                  static_cast<std::size_t>(x)) *
                     3 +
                 static_cast<std::size_t>(c)] = out.at(sx, sy, c);
    }
  return crop;
}

FloatArray VitImageProcessor::toPixelValues(const Image& resized) const {
  const std::int64_t H = resized.height, W = resized.width;
  FloatArray out({3, H, W});
  float mean[3], stdv[3];
  for (int c = 0; c < 3; ++c) {
    mean[c] = static_cast<float>(settings_.imageMean[static_cast<std::size_t>(c)]);
    stdv[c] = static_cast<float>(settings_.imageStd[static_cast<std::size_t>(c)]);
  }
  // Each step rounds to float32 where numpy does: the rescale is computed in float64 and then
  // cast, the normalisation runs in float32.
  for (int c = 0; c < 3; ++c)
    for (std::int64_t y = 0; y < H; ++y)
      for (std::int64_t x = 0; x < W; ++x) {
        const std::uint8_t u =
            resized.at(static_cast<std::int32_t>(x), static_cast<std::int32_t>(y), c);
        float v = settings_.doRescale
                      ? static_cast<float>(static_cast<double>(u) * settings_.rescaleFactor)
                      : static_cast<float>(u);
        if (settings_.doNormalize) {
          const float centred = v - mean[c];
          v = centred / stdv[c];
        }
        out.data[static_cast<std::size_t>((c * H + y) * W + x)] = v;
      }
  return out;
}

FloatArray VitImageProcessor::preprocess(const Image& image) const {
  if (image.empty()) throw Error("image.corrupt", "cannot preprocess an empty image");
  return toPixelValues(resizeAndCrop(image));
}

}  // namespace strata
