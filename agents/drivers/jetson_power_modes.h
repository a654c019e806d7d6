#pragma once

// Power-mode control of a Jetson for the `jetson` driver: `nvpmodel -m <id>`,
// `jetson_clocks` to pin the clocks within the mode's caps, and read-back with
// `nvpmodel -q` (runtimes.md 1.3). Remembers what it changed so Restore can
// put the board back: the nvpmodel mode found before the first change, and
// the clocks saved with `jetson_clocks --store` before they were pinned.
//
// Both tools need root on a real board (run the agent as root, or give it
// sudo rules for exactly these commands and point the options at wrappers).
// Errors: FAILED_PRECONDITION for a power mode the board does not have (a
// property of the experiment); UNAVAILABLE when a tool cannot be run or fails,
// or when the mode read back differs from the one set (the run cannot be
// trusted; an infrastructure failure); DATA_LOSS for unreadable `nvpmodel -q`
// output; DEADLINE_EXCEEDED / CANCELLED as for any tool.
// Thread-safety: not thread-safe; the driver calls it from its run thread.

#include <atomic>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "agents/parsers/nvpmodel_parser.h"
#include "benchd/v1/common.pb.h"
#include "common/process_runner.h"

namespace benchd::agent {

struct JetsonModeOptions {
  std::string nvpmodel = "nvpmodel";
  std::string jetson_clocks = "jetson_clocks";
  bool pin_clocks = true;
  std::string clocks_store_file;  // empty: jetson_clocks' own default file
  // Sweep value of `power_mode` -> nvpmodel id. TX2 (nvpmodel_t186.conf):
  // MAXN = 0, MAXQ = 1, MAXP_CORE_ALL = 2 (QuTiBench's "maxp").
  std::map<std::string, int64_t> modes = {{"maxn", 0}, {"maxq", 1}, {"maxp", 2}};
  std::map<std::string, std::string> environment;
};

class JetsonPowerModes {
 public:
  JetsonPowerModes(JetsonModeOptions options, common::ProcessRunner& runner);

  // `nvpmodel -q`.
  [[nodiscard]] absl::StatusOr<NvpmodelMode> Query(const std::atomic<bool>* cancel, const std::string& work_dir);
  // Sets `power_mode` (a key of the mode table, any letter case), pins the
  // clocks when configured, reads the mode back and returns what was found:
  // power_mode, nvpmodel_id, nvpmodel_name, jetson_clocks.
  [[nodiscard]] absl::StatusOr<benchd::v1::Environment> Set(const std::string& power_mode,
                                                           const std::atomic<bool>& cancel,
                                                           const std::string& work_dir);
  // Restores the clocks and the mode found before the first Set; no-op when
  // Set never changed anything.
  [[nodiscard]] absl::Status Restore();

  const JetsonModeOptions& options() const { return options_; }

 private:
  [[nodiscard]] absl::StatusOr<common::ProcessOutcome> Tool(std::vector<std::string> argv,
                                                           const std::atomic<bool>* cancel,
                                                           const std::string& work_dir, const std::string& raw_name);

  JetsonModeOptions options_;
  common::ProcessRunner& runner_;
  std::optional<int64_t> original_mode_;
  bool clocks_stored_ = false;
  bool mode_changed_ = false;
};

}  // namespace benchd::agent
