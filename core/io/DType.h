#pragma once
// Element types of tensors in checkpoint and trace files, with their safetensors names.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace strata {

enum class DType : std::uint8_t { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

/// Size of one element in bytes.
std::size_t dtypeSize(DType t) noexcept;
/// Safetensors name ("F32", "BF16", ...).
std::string_view dtypeName(DType t) noexcept;
/// Parses a safetensors dtype name; nullopt for unknown names (including F8_*, U16..U64).
std::optional<DType> parseDType(std::string_view name) noexcept;
/// True for F64, F32, F16, BF16.
bool isFloating(DType t) noexcept;

/// IEEE half -> float (exact; handles subnormals, inf, NaN).
float halfToFloat(std::uint16_t h) noexcept;
/// bfloat16 -> float (exact).
float bf16ToFloat(std::uint16_t b) noexcept;
/// float -> IEEE half, round to nearest even (overflow -> inf).
std::uint16_t floatToHalf(float f) noexcept;
/// float -> bfloat16, round to nearest even (NaN stays NaN).
std::uint16_t floatToBf16(float f) noexcept;

/// Converts `count` elements of type `t` at `src` (any alignment, little-endian) to float32.
void convertToFloat(DType t, const void* src, std::size_t count, float* dst) noexcept;

}  // namespace strata
