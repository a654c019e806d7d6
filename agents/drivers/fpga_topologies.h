#pragma once

// The QuTiBench networks the FPGA drivers can describe layer by layer, as
// matrix multiplies (fully connected layers, and convolutions lowered with
// im2col), at a pruning factor. BISMO runs them GEMM by GEMM; every FPGA
// driver uses the operation count for its GOPS figure.
//
// MLP: 784 -> h -> h -> h -> 10 with h = 2048 x pruning / 100 (10 014 720
// parameters unpruned). CNV (QuTiBench's, the BNN-PYNQ CNV at double width):
// six 3x3 valid convolutions on a 32x32x3 image with 128, 128, 256, 256, 512,
// 512 channels (2x2 max pooling after the second and fourth), then fully
// connected 512 -> 1024 -> 1024 -> 10; pruning scales every channel count.
// Both agree with QuTiBench's topology_details.csv (parameters and forward
// operations, 2 per multiply-accumulate).
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace benchd::agent::fpga {

// One matrix multiply of an inference: a `rows` x `depth` weight matrix
// times a `depth` x (`cols_per_item` x batch) activation matrix.
struct GemmShape {
  int64_t rows = 0;
  int64_t depth = 0;
  int64_t cols_per_item = 1;
};

struct TopologyShape {
  std::string name;   // "MLP", "CNV"
  double pruning = 100;
  std::vector<GemmShape> layers;
  int64_t ops_per_inference = 0;  // 2 x multiply-accumulates
};

// Errors: FAILED_PRECONDITION for a topology without a layer table, or a
// pruning factor that does not give whole channel counts (CNV: 100, 50, 25,
// 12.5; MLP: any with 2048 x pruning / 100 whole).
[[nodiscard]] absl::StatusOr<TopologyShape> QutibenchTopology(const std::string& topology, double pruning);

}  // namespace benchd::agent::fpga
