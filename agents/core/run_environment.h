#pragma once

// What every run's environment carries besides the driver's own entries, so
// a figure in a paper can be traced to exactly what produced it: the tool
// versions the driver's probe found, SHA-256 hashes of the model and tool
// files the run used, the agent's version and the host's kernel, and the
// device's sensors (clocks, temperatures: any sysfs file the agent config
// lists under `sensors:`) read when the run started and when it ended.
//
// Entries added (the driver's own win on a clash): every probe entry;
// `<key>_sha256` for the entries `model`, `bitstream`, `firmware`,
// `program` and the tool entries (`trtexec`, `benchmark_app`,
// `benchmark_model`, ...) whose value is a readable file or a program on
// PATH; `agent_version`, `kernel`, `clock` ("CLOCK_MONOTONIC", the clock of
// every t_ns); `sensor.<name>.start` and `sensor.<name>.end` (the file's
// first line, as read; "unreadable: ..." when it could not be read).
// Hashes are cached by path, size and modification time.
// Thread-safety: one device worker thread.

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>

#include "benchd/v1/common.pb.h"

namespace benchd::agent {

class RunEnvironment {
 public:
  RunEnvironment(benchd::v1::Environment probed, std::map<std::string, std::string> sensors);

  // The device was probed again (it had been unavailable): later runs carry
  // this probe's entries.
  void SetProbed(benchd::v1::Environment probed) { probed_ = std::move(probed); }
  // Reads the sensors as the run starts.
  void RunStarting();
  // Adds the entries above to `environment` (a finished run's).
  void Complete(benchd::v1::Environment& environment);

 private:
  std::string HashOf(const std::string& path);

  benchd::v1::Environment probed_;
  const std::map<std::string, std::string> sensors_;
  const std::string kernel_;  // read once: it cannot change under a running agent
  std::map<std::string, std::string> at_start_;
  std::map<std::tuple<std::string, uintmax_t, int64_t>, std::string> hashes_;
};

}  // namespace benchd::agent
