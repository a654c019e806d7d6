#pragma once

// A simulated device's power rails as sysfs-like files under a directory, in
// the two layouts the agent's readers discover (agents/power/ina3221_source.h
// and hwmon_source.h):
//
//   ina3221 (Jetson TX2):  <dir>/1-0040/iio:device0/rail_name_<N>
//                          <dir>/1-0040/iio:device0/in_power<N>_input   (mW)
//       N = 0 VDD_IN (board input: the published figure), 1 VDD_SYS_GPU,
//       2 VDD_SYS_CPU (shares of it, see `SplitTx2Power`).
//   hwmon (the others):    <dir>/hwmon0/name           (the chip, e.g. "ncs2")
//                          <dir>/hwmon0/power1_label   ("board")
//                          <dir>/hwmon0/power1_input   (µW)
//
// Values are decimal integers. Updates must never show a reader a partial
// value, and must reach readers that keep a value file open: the agent's
// `SysfsAttribute` opens each file once and preads it at offset 0 for every
// sample, so replacing a file by rename would leave it reading the old inode
// forever. Hence a value file is created once (written under a temporary name
// in the same directory, then renamed, so discovery never sees an empty file)
// and then rewritten in place by one pwrite(2) of a fixed-size record: the
// number left-justified, padded with spaces to `kValueRecordSize` - 1 bytes,
// then a newline. The size never changes, so nothing is ever truncated, and
// the agent's reader ignores trailing spaces. Name and label files are
// written once, the same temporary-then-rename way.
//
// Errors: INVALID_ARGUMENT for an empty directory or chip name; UNAVAILABLE
// when a directory or file cannot be created, opened or written.
// Thread-safety: one `PowerTree` is used by one thread at a time; any number
// of processes may read the files meanwhile. Two writers of one tree are not
// coordinated (the last write wins).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace benchd::sim {

enum class PowerLayout { kIna3221, kHwmon };

// "ina3221" or "hwmon"; nullopt otherwise.
std::optional<PowerLayout> ParsePowerLayout(std::string_view text);

// Bytes of every value file: up to 15 digits and padding, then '\n'.
inline constexpr size_t kValueRecordSize = 16;

// The Jetson TX2 rails for a board input power `board_w`, given the board's
// base power `base_w` (QuTiBench Base_Pwr_W). A plausible split, not a
// measurement: at base the GPU rail draws 8 % and the CPU rail 17 % of the
// board input (tegrastats on an idle TX2 shows about 0.15 W and 0.3 W of
// 1.8 W); of the power above base, inference adds 55 % on the GPU rail and
// 10 % on the CPU rail (the host thread feeding it); the rest of VDD_IN is
// SoC, memory and conversion losses, which this layout does not expose.
struct Tx2Rails {
  double in_w = 0;   // VDD_IN: `board_w` itself
  double gpu_w = 0;  // VDD_SYS_GPU
  double cpu_w = 0;  // VDD_SYS_CPU
};
Tx2Rails SplitTx2Power(double board_w, double base_w);

struct PowerTreeOptions {
  std::string dir;  // the root the agent's `path:` points at
  PowerLayout layout = PowerLayout::kHwmon;
  std::string chip;  // hwmon: the `name` file; ignored for ina3221
  // The board's base power: the value of value files created here, and the
  // reference of the TX2 split.
  double base_w = 0;
  // Rewrite name and label files that exist with other content (the rails
  // tool); a simulator leaves them, so the chip name a test or the demo chose
  // stays.
  bool replace_names = false;
};

class PowerTree {
 public:
  // Creates what is missing of the tree and opens the value files.
  [[nodiscard]] static absl::StatusOr<PowerTree> Open(const PowerTreeOptions& options);

  PowerTree(PowerTree&& other) noexcept;
  PowerTree& operator=(PowerTree&& other) noexcept;
  PowerTree(const PowerTree&) = delete;
  PowerTree& operator=(const PowerTree&) = delete;
  ~PowerTree();

  // Sets every rail for a board power of `board_w` watts (negative: 0).
  [[nodiscard]] absl::Status Write(double board_w);

  // The value files, in rail order (tests).
  const std::vector<std::string>& value_paths() const { return paths_; }

 private:
  PowerTree(PowerLayout layout, double base_w) : layout_(layout), base_w_(base_w) {}
  void Close();

  PowerLayout layout_;
  double base_w_;
  std::vector<int> fds_;
  std::vector<std::string> paths_;
  std::vector<double> units_per_watt_;
  std::vector<bool> resize_;  // the file had another size: truncate after the next write
};

}  // namespace benchd::sim
