#pragma once
// Writes tiny random-weight checkpoints in exact Hugging Face layout with the project's own
// SafetensorsWriter, and keeps every value as stored, so naive references in the tests read
// the weights from here rather than through the reader under test.
#include <QDir>
#include <QFile>
#include <QString>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/io/DType.h"
#include "core/io/SafetensorsWriter.h"

namespace strata::test {

class FixtureWriter {
 public:
  explicit FixtureWriter(std::uint64_t seed) : rng_(seed) {}

  /// Normal(0, scale) values; stored as `dtype` (F32, F16 or BF16). Returns the values as
  /// stored (rounded to the dtype), which the reference must use.
  const std::vector<float>& add(const std::string& name, std::vector<std::int64_t> shape,
                                float scale = 0.1f, DType dtype = DType::F32, float offset = 0.0f) {
    std::normal_distribution<float> normal(0.0f, scale);
    std::vector<float> v(count(shape));
    for (float& x : v)
      x = offset + normal(rng_);
    return put(name, std::move(shape), std::move(v), dtype);
  }
  /// Explicit values.
  const std::vector<float>& put(const std::string& name, std::vector<std::int64_t> shape,
                                std::vector<float> v, DType dtype = DType::F32) {
    for (float& x : v) {
      if (dtype == DType::F16) x = halfToFloat(floatToHalf(x));
      if (dtype == DType::BF16) x = bf16ToFloat(floatToBf16(x));
    }
    writer_.addFloat(name, shape, v, dtype);
    return values_[name] = std::move(v);
  }
  const std::vector<float>& operator[](const std::string& name) const { return values_.at(name); }
  bool has(const std::string& name) const { return values_.count(name) != 0; }

  /// Writes dir/model.safetensors and dir/config.json (creating dir).
  void write(const QString& dir, const std::string& configJson) const {
    QDir().mkpath(dir);
    writer_.write((dir + "/model.safetensors").toStdString());
    QFile f(dir + "/config.json");
    f.open(QIODevice::WriteOnly | QIODevice::Truncate);
    f.write(configJson.data(), static_cast<qint64>(configJson.size()));
  }

  static std::size_t count(const std::vector<std::int64_t>& shape) {
    std::size_t n = 1;
    for (auto d : shape)
      n *= static_cast<std::size_t>(d);
    return n;
  }

 private:
  std::mt19937_64 rng_;
  SafetensorsWriter writer_;
  std::map<std::string, std::vector<float>> values_;
};

}  // namespace strata::test
