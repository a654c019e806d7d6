#include "agents/host_runtime/mlp_model.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <random>

namespace benchd::host_runtime {

std::optional<Precision> ParsePrecision(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper == "FP32") return Precision::kFp32;
  if (upper == "INT8") return Precision::kInt8;
  return std::nullopt;
}

const char* PrecisionName(Precision precision) {
  return precision == Precision::kInt8 ? "INT8" : "FP32";
}

std::optional<MlpShape> MlpShape::ForPruning(double pruning_percent) {
  if (!(pruning_percent > 0.0 && pruning_percent <= 100.0)) return std::nullopt;
  const auto hidden =
      static_cast<int64_t>(std::llround(kMlpFullHiddenWidth * pruning_percent / 100.0));
  if (hidden < 1) return std::nullopt;
  MlpShape shape;
  shape.widths.push_back(kMlpInputs);
  for (int i = 0; i < kMlpHiddenLayers; ++i) shape.widths.push_back(hidden);
  shape.widths.push_back(kMlpOutputs);
  return shape;
}

int64_t MlpShape::Params() const {
  int64_t params = 0;
  for (size_t i = 0; i + 1 < widths.size(); ++i) params += widths[i] * widths[i + 1];
  return params;
}

int64_t MlpShape::OpsPerInference() const { return 2 * Params(); }

MlpWeights MlpWeights::Random(const MlpShape& shape, uint64_t seed) {
  MlpWeights result;
  result.shape = shape;
  std::mt19937_64 generator(seed);
  for (int layer = 0; layer < shape.LayerCount(); ++layer) {
    const int64_t in = shape.widths[layer];
    const int64_t out = shape.widths[layer + 1];
    const double limit = std::sqrt(6.0 / static_cast<double>(in + out));
    std::uniform_real_distribution<float> weight(static_cast<float>(-limit),
                                                 static_cast<float>(limit));
    std::uniform_real_distribution<float> bias(-0.05f, 0.05f);
    std::vector<float> w(static_cast<size_t>(in * out));
    for (float& x : w) x = weight(generator);
    std::vector<float> b(static_cast<size_t>(out));
    for (float& x : b) x = bias(generator);
    result.weights.push_back(std::move(w));
    result.biases.push_back(std::move(b));
  }
  return result;
}

std::vector<float> RandomInputs(int64_t batch, uint64_t seed) {
  // A different stream from the weights', so changing the batch size does
  // not change the weights.
  std::mt19937_64 generator(seed ^ 0x9e3779b97f4a7c15ULL);
  std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
  std::vector<float> input(static_cast<size_t>(batch * kMlpInputs));
  for (float& x : input) x = pixel(generator);
  return input;
}

std::vector<std::vector<float>> ReferenceForward(const MlpWeights& weights,
                                                 std::span<const float> input, int64_t samples) {
  const MlpShape& shape = weights.shape;
  std::vector<std::vector<float>> outputs;
  std::vector<float> current(input.begin(), input.begin() + samples * shape.widths[0]);
  for (int layer = 0; layer < shape.LayerCount(); ++layer) {
    const int64_t in = shape.widths[layer];
    const int64_t out = shape.widths[layer + 1];
    const bool relu = layer + 1 < shape.LayerCount();
    const std::vector<float>& w = weights.weights[layer];
    std::vector<float> next(static_cast<size_t>(samples * out));
    for (int64_t n = 0; n < samples; ++n) {
      const float* x = &current[n * in];
      for (int64_t o = 0; o < out; ++o) {
        // Accumulate in double so the reference is more accurate than
        // anything it checks.
        double sum = weights.biases[layer][o];
        const float* row = &w[o * in];
        for (int64_t i = 0; i < in; ++i) sum += static_cast<double>(row[i]) * x[i];
        const auto value = static_cast<float>(sum);
        next[n * out + o] = relu ? std::max(value, 0.0f) : value;
      }
    }
    outputs.push_back(next);
    current = std::move(next);
  }
  return outputs;
}

}  // namespace benchd::host_runtime
