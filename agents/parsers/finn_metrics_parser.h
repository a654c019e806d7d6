#pragma once

// Parser of the metrics a FINN-generated PYNQ driver writes in
// `--exec_mode throughput_test` (nw_metrics.txt): Python's str() of a dict,
// single-quoted keys, one line. A pure function from text to values.
//
// Key sets (FINN's driver templates):
//   current (driver_base.py): runtime[ms], throughput[images/s],
//     DRAM_in_bandwidth[MB/s], DRAM_out_bandwidth[MB/s],
//     DRAM_extw_<dma>_bandwidth[MB/s] (external weights, optional), fclk[mhz],
//     batch_size, fold_input[ms], pack_input[ms], copy_input_data_to_device[ms],
//     copy_output_data_from_device[ms], unpack_output[ms], unfold_output[ms]
//   legacy (FINN <= 0.4, template_driver.py): runtime[ms],
//     throughput[images/s], DRAM_in_bandwidth[Mb/s], DRAM_out_bandwidth[Mb/s],
//     fclk[mhz], N
// The legacy "[Mb/s]" figures are computed exactly as the current "[MB/s]"
// ones (packed bytes x 1e-6 / s), so both are returned as MB/s. Values may be
// Python ints or floats, or NumPy >= 2 reprs such as `np.float64(9.37)`
// (the bandwidths are NumPy scalars). Key order does not matter. Unknown keys
// with numeric values are kept in `other`, so a newer driver's additions do
// not break parsing.
//
// Normalisation: `runtime` ("runtime[ms]", kCompute, mean_us and count 1) is
// one accelerator execution over the whole batch of `batch_size` items (DMA
// in, dataflow compute, DMA out; host packing excluded; QuTiBench's compute
// latency), in microseconds per batch. Host-side overheads for one batch are
// in microseconds under their key without the unit ("pack_input").
//
// Errors: DATA_LOSS with line and column for a syntax error (also garbage and
// truncated dicts; binary garbage is not quoted), with the key for a
// non-numeric or duplicated value;
// DATA_LOSS when runtime[ms], throughput[images/s] or the batch size (batch_size
// or N) is missing, the batch size is not a positive integer, runtime is not
// positive, or throughput disagrees with batch / runtime by more than 1 %.
// Thread-safety: pure functions.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "agents/parsers/latency_figures.h"

namespace benchd::agent {

struct FinnMetrics {
  enum class KeyStyle { kCurrent, kLegacy };
  KeyStyle key_style = KeyStyle::kCurrent;
  LatencyFigures runtime;                // kCompute, per batch
  double throughput_items_per_s = 0;     // batch_size / runtime, as FINN computed it
  int64_t batch_size = 0;
  std::optional<double> fclk_mhz;
  std::optional<double> dram_in_mb_s;
  std::optional<double> dram_out_mb_s;
  std::map<std::string, double> dram_extw_mb_s;  // by external-weight DMA name
  std::map<std::string, double> host_us;         // fold_input, pack_input, ...
  std::map<std::string, double> other;           // unknown keys, verbatim
};

[[nodiscard]] absl::StatusOr<FinnMetrics> ParseFinnMetrics(std::string_view text);

// What the agent's probe snippet prints through the board's Python:
// "python 3.10.12" and "pynq 3.0.1" lines. Errors: DATA_LOSS without a pynq line.
struct FinnRuntimeInfo {
  std::string python_version;
  std::string pynq_version;
};
[[nodiscard]] absl::StatusOr<FinnRuntimeInfo> ParseFinnProbe(std::string_view text);

}  // namespace benchd::agent
