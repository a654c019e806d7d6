#include "agents/drivers/fpga_topologies.h"

#include <cmath>

#include "agents/drivers/fpga_driver_support.h"

namespace benchd::agent::fpga {
namespace {

// `base` x pruning / 100 when that is a whole number >= 1.
bool Scale(int64_t base, double pruning, int64_t* scaled) {
  const double value = static_cast<double>(base) * pruning / 100;
  if (value < 1 || std::abs(value - std::round(value)) > 1e-9) return false;
  *scaled = static_cast<int64_t>(std::llround(value));
  return true;
}

absl::Status BadPruning(const std::string& topology, double pruning, const char* rule) {
  return absl::FailedPreconditionError("topology " + topology + " cannot be pruned to " + FormatNumber(pruning) +
                                       " %: " + rule);
}

}  // namespace

absl::StatusOr<TopologyShape> QutibenchTopology(const std::string& topology, double pruning) {
  if (!(pruning > 0 && pruning <= 100)) {
    return absl::FailedPreconditionError("pruning must be in (0, 100], got " + FormatNumber(pruning));
  }
  TopologyShape shape;
  shape.pruning = pruning;
  const std::string name = Upper(topology);
  if (name == "MLP") {
    int64_t h = 0;
    if (!Scale(2048, pruning, &h)) return BadPruning(topology, pruning, "2048 x pruning / 100 must be whole");
    shape.name = "MLP";
    shape.layers = {{h, 784, 1}, {h, h, 1}, {h, h, 1}, {10, h, 1}};
  } else if (name == "CNV") {
    int64_t c1 = 0, c2 = 0, c3 = 0, f = 0;
    if (!Scale(128, pruning, &c1) || !Scale(256, pruning, &c2) || !Scale(512, pruning, &c3) ||
        !Scale(1024, pruning, &f)) {
      return BadPruning(topology, pruning, "channel counts must stay whole (100, 50, 25, 12.5 ...)");
    }
    shape.name = "CNV";
    // im2col: rows = output channels, depth = 9 x input channels, columns =
    // output pixels (30x30, 28x28, pool, 12x12, 10x10, pool, 3x3, 1x1).
    shape.layers = {{c1, 27, 900},      {c1, 9 * c1, 784}, {c2, 9 * c1, 144}, {c2, 9 * c2, 100},
                    {c3, 9 * c2, 9},    {c3, 9 * c3, 1},   {f, c3, 1},        {f, f, 1},
                    {10, f, 1}};
  } else {
    return absl::FailedPreconditionError("no layer table for topology '" + topology + "': known are MLP, CNV");
  }
  for (const GemmShape& layer : shape.layers) {
    shape.ops_per_inference += 2 * layer.rows * layer.depth * layer.cols_per_item;
  }
  return shape;
}

}  // namespace benchd::agent::fpga
