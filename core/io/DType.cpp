#include "core/io/DType.h"

#include <array>
#include <bit>
#include <cstring>

namespace strata {

namespace {

struct DTypeDesc {
  DType type;
  std::string_view name;
  std::size_t size;
};

constexpr std::array<DTypeDesc, 10> kDTypes{{
    {DType::F64, "F64", 8},
    {DType::F32, "F32", 4},
    {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2},
    {DType::I64, "I64", 8},
    {DType::I32, "I32", 4},
    {DType::I16, "I16", 2},
    {DType::I8, "I8", 1},
    {DType::U8, "U8", 1},
    {DType::BOOL, "BOOL", 1},
}};

const DTypeDesc& desc(DType t) noexcept {
  const auto i = static_cast<std::size_t>(t);
  return kDTypes[i < kDTypes.size() ? i : 1];
}

// Element loads through memcpy: the source may be unaligned (safetensors does not promise
// alignment) and the host is little-endian like the format.
template <typename T>
T load(const unsigned char* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <typename T>
void convertInts(const unsigned char* src, std::size_t count, float* dst) noexcept {
  for (std::size_t i = 0; i < count; ++i)
    dst[i] = static_cast<float>(load<T>(src + i * sizeof(T)));
}

}  // namespace

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; a big-endian host needs byte swapping");

std::size_t dtypeSize(DType t) noexcept {
  return desc(t).size;
}

std::string_view dtypeName(DType t) noexcept {
  return desc(t).name;
}

std::optional<DType> parseDType(std::string_view name) noexcept {
  for (const auto& d : kDTypes) {
    if (d.name == name) return d.type;
  }
  return std::nullopt;
}

bool isFloating(DType t) noexcept {
  return t == DType::F64 || t == DType::F32 || t == DType::F16 || t == DType::BF16;
}

float halfToFloat(std::uint16_t h) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1Fu;
  const std::uint32_t mant = h & 0x3FFu;
  if (exp == 0) {
    // Zero or subnormal: mant x 2^-24 is exact in float32.
    const float mag = static_cast<float>(mant) * 0x1p-24f;
    return sign ? -mag : mag;
  }
  if (exp == 0x1F) return std::bit_cast<float>(sign | 0x7F800000u | (mant << 13));
  return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
}

float bf16ToFloat(std::uint16_t b) noexcept {
  return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

std::uint16_t floatToHalf(float f) noexcept {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const std::uint32_t sign = (x >> 16) & 0x8000u;
  std::uint32_t ax = x & 0x7FFFFFFFu;
  if (ax >= 0x7F800000u) {  // inf or NaN; NaN keeps its top payload bits and stays quiet
    const std::uint32_t nan = ax > 0x7F800000u ? (0x200u | ((ax >> 13) & 0x3FFu)) : 0u;
    return static_cast<std::uint16_t>(sign | 0x7C00u | nan);
  }
  if (ax >= 0x477FF000u) return static_cast<std::uint16_t>(sign | 0x7C00u);  // >= 65520 -> inf
  if (ax >= 0x38800000u) {
    // Normal half: rebias the exponent (-112) and round the 13 dropped bits to nearest even.
    const std::uint32_t odd = (ax >> 13) & 1u;
    ax += 0xC8000FFFu + odd;
    return static_cast<std::uint16_t>(sign | (ax >> 13));
  }
  // Subnormal half (or zero): adding 0.5f aligns the value so that the FPU's own
  // round-to-nearest-even drops exactly the bits below 2^-24.
  const float t = std::bit_cast<float>(ax) + 0.5f;
  return static_cast<std::uint16_t>(sign | (std::bit_cast<std::uint32_t>(t) - 0x3F000000u));
}

std::uint16_t floatToBf16(float f) noexcept {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<std::uint16_t>((x >> 16) | 0x40u);
  const std::uint32_t rounded = x + 0x7FFFu + ((x >> 16) & 1u);
  return static_cast<std::uint16_t>(rounded >> 16);
}

void convertToFloat(DType t, const void* src, std::size_t count, float* dst) noexcept {
  const auto* p = static_cast<const unsigned char*>(src);
  switch (t) {
    case DType::F64:
      for (std::size_t i = 0; i < count; ++i)
        dst[i] = static_cast<float>(load<double>(p + i * 8));
      return;
    case DType::F32:
      if (count) std::memcpy(dst, p, count * sizeof(float));
      return;
    case DType::F16:
      for (std::size_t i = 0; i < count; ++i)
        dst[i] = halfToFloat(load<std::uint16_t>(p + i * 2));
      return;
    case DType::BF16:
      for (std::size_t i = 0; i < count; ++i)
        dst[i] = bf16ToFloat(load<std::uint16_t>(p + i * 2));
      return;
    case DType::I64:
      convertInts<std::int64_t>(p, count, dst);
      return;
    case DType::I32:
      convertInts<std::int32_t>(p, count, dst);
      return;
    case DType::I16:
      convertInts<std::int16_t>(p, count, dst);
      return;
    case DType::I8:
      convertInts<std::int8_t>(p, count, dst);
      return;
    case DType::U8:
      convertInts<std::uint8_t>(p, count, dst);
      return;
    case DType::BOOL:
      for (std::size_t i = 0; i < count; ++i)
        dst[i] = p[i] != 0 ? 1.0f : 0.0f;
      return;
  }
}

}  // namespace strata
