#pragma once
// Hugging Face's ViTImageProcessor (the "slow", Pillow-based one), from preprocessor_config.json:
//
//   pixel_values = normalize(rescale(center_crop?(resize(convert_rgb(image)))))   -> [3, H, W]
//
//   resize     Pillow's Image.resize((width, height), resample), bit-exact (PillowResample.h)
//   crop       only when do_center_crop (DeiT-style processors): transformers' center_crop,
//              zero padding where the crop is larger than the image
//   rescale    float32(double(pixel) * rescale_factor), as numpy's astype(float64) * scale
//   normalize  (x - float32(mean)) / float32(std), in float32 as numpy does
//
// Keys read (transformers defaults when absent): do_resize (true), size ({"height": 224,
// "width": 224}; a legacy plain int n means n x n; [h, w] lists too), resample (2, BILINEAR),
// do_rescale (true), rescale_factor (1/255), do_normalize (true), image_mean / image_std
// (IMAGENET_STANDARD 0.5 each; a number or one value per channel), do_convert_rgb (the
// decoder always delivers RGB, i.e. convert("RGB")), do_center_crop (false), crop_size.
// image_processor_type / feature_extractor_type, when present, must be a ViT or DeiT one.
//
// Errors (strata::Error, message names the file and the key):
//   image.processor_not_found   no preprocessor_config.json in the folder
//   image.processor_invalid     unreadable, not JSON, a key of the wrong type or value
//   image.unsupported_processor another processor type, or size given as shortest_edge
//   image.unsupported_resample  resample 0 (NEAREST) or an unknown value
//
// Threading: immutable after construction; preprocess() may run on any thread.
#include <cstdint>
#include <string>
#include <vector>

#include "core/image/Image.h"
#include "core/image/PillowResample.h"
#include "core/util/FloatArray.h"

namespace strata {

class VitImageProcessor {
 public:
  struct Settings {
    std::string processorType;  ///< as in the file, empty when absent
    bool doResize = true;
    std::int32_t height = 224;
    std::int32_t width = 224;
    PilResample resample = PilResample::Bilinear;
    bool doCenterCrop = false;
    std::int32_t cropHeight = 224;
    std::int32_t cropWidth = 224;
    bool doRescale = true;
    double rescaleFactor = 1.0 / 255.0;
    bool doNormalize = true;
    std::vector<double> imageMean = {0.5, 0.5, 0.5};
    std::vector<double> imageStd = {0.5, 0.5, 0.5};
  };

  /// transformers' defaults (google/vit-base-patch16-224's values).
  VitImageProcessor() = default;
  explicit VitImageProcessor(Settings settings);

  static VitImageProcessor fromJson(const std::string& jsonText, const std::string& source);
  static VitImageProcessor fromFile(const std::string& path);
  /// folder/preprocessor_config.json.
  static VitImageProcessor fromFolder(const std::string& folder);

  const Settings& settings() const { return settings_; }
  /// Size of the pixel_values this processor produces (after resize and crop).
  std::int32_t outputHeight() const;
  std::int32_t outputWidth() const;

  /// The 8-bit image the model sees: resized (and cropped) as Pillow / transformers do.
  Image resizeAndCrop(const Image& image) const;
  /// pixel_values [3, H, W] float32.
  FloatArray preprocess(const Image& image) const;
  /// rescale + normalize of an already resized 8-bit image.
  FloatArray toPixelValues(const Image& resized) const;

 private:
  Settings settings_;
};

}  // namespace strata
