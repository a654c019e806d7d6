#pragma once

// The QuTiBench MLP topology (784 -> 3 x hidden with ReLU -> 10) and its
// reference weights, independent of any kernel library so that both the oneDNN
// network and the plain C++ reference forward pass are built from the same data.
//
// Sizes follow shared/data/qutibench/topology_details.csv: the hidden width is
// round(2048 * pruning / 100), the parameter count counts weights only (MLP:
// 10,014,720; MLP-50%: 2,910,208; MLP-25%: 930,816) and one inference costs
// 2 x parameters operations (one multiply and one add per weight).
// Thread-safety: values; the functions are pure.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace benchd::host_runtime {

inline constexpr int64_t kMlpInputs = 784;
inline constexpr int64_t kMlpOutputs = 10;
inline constexpr int64_t kMlpFullHiddenWidth = 2048;
inline constexpr int kMlpHiddenLayers = 3;

enum class Precision { kFp32, kInt8 };

// Accepts "FP32" and "INT8" in any letter case; anything else is nullopt (the
// host cannot run it, which callers must report rather than substitute).
std::optional<Precision> ParsePrecision(std::string_view text);
const char* PrecisionName(Precision precision);

struct MlpShape {
  // widths[0] is the input size, widths.back() the output size; layer `i`
  // maps widths[i] to widths[i + 1].
  std::vector<int64_t> widths;

  // nullopt unless 0 < pruning_percent <= 100 gives a hidden width >= 1.
  static std::optional<MlpShape> ForPruning(double pruning_percent);

  int LayerCount() const { return static_cast<int>(widths.size()) - 1; }
  int64_t HiddenWidth() const { return widths[1]; }
  int64_t Params() const;           // weights only, as in topology_details.csv
  int64_t OpsPerInference() const;  // 2 x multiply-accumulates
};

// Row-major weights (out x in, "oi") and biases of each layer, in f32.
struct MlpWeights {
  MlpShape shape;
  std::vector<std::vector<float>> weights;
  std::vector<std::vector<float>> biases;

  // Glorot-uniform weights and small biases from a deterministic generator, so
  // that activations stay in a range where int8 quantisation is meaningful.
  static MlpWeights Random(const MlpShape& shape, uint64_t seed);
};

// Uniform [0, 1) inputs, like normalised MNIST pixels: batch x kMlpInputs.
std::vector<float> RandomInputs(int64_t batch, uint64_t seed);

// Plain-loop f32 forward pass of `samples` rows of `input`; returns every
// layer's output (ReLU applied on hidden layers), layer by layer, each
// samples x width. Used to calibrate int8 scales and to check the results.
std::vector<std::vector<float>> ReferenceForward(const MlpWeights& weights,
                                                 std::span<const float> input, int64_t samples);

}  // namespace benchd::host_runtime
