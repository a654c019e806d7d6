#pragma once

// Parsers for power tools that print one line per reading, chosen by name
// from an explicit table. A parser is a pure function from one line to the
// rail readings on it; a line with none (a header, garbage, a line cut short)
// is INVALID_ARGUMENT, which the sampler counts and skips.
//
//   tegrastats      "... VDD_IN 12342/12190 VDD_SYS_CPU 1832/1795 ..." (TX2, mW
//                   current/average), "POM_5V_IN 2140/2140" (Nano), "GPU 0/0
//                   CPU 311/311" (Xavier), "VDD_GPU_SOC 2345mW/2345mW" (Orin,
//                   r35+). Any upper-case token followed by "<n>[mW]/<n>[mW]"
//                   is a rail; the current value is used (the average runs
//                   since tegrastats started). RAM/SWAP "a/bMB" pairs do not
//                   match. A pair cut short before its "/" is skipped.
//   nvidia-smi-csv  `--query-gpu=power.draw --format=csv,noheader,nounits`
//                   ("287.45", rail "gpu") or `--query-gpu=index,power.draw`
//                   ("0, 287.45", rail "gpu0"); a " W" unit is tolerated,
//                   "[N/A]" and headers are not readings.
//   meter-csv       "<t_ms>,<volts>,<amps>" from a power meter, rail "meter",
//                   watts = volts * amps.
//
// Thread-safety: pure functions.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace benchd::agent::power {

struct LineReading {
  std::string rail;
  double watts = 0;
};

using LineParser = std::function<absl::StatusOr<std::vector<LineReading>>(std::string_view line)>;

[[nodiscard]] absl::StatusOr<std::vector<LineReading>> ParseTegrastatsLine(std::string_view line);
[[nodiscard]] absl::StatusOr<std::vector<LineReading>> ParseNvidiaSmiCsvLine(std::string_view line);
[[nodiscard]] absl::StatusOr<std::vector<LineReading>> ParseMeterCsvLine(std::string_view line);

// The parser called `name`; NOT_FOUND lists the known names.
[[nodiscard]] absl::StatusOr<LineParser> FindLineParser(std::string_view name);
std::vector<std::string> LineParserNames();

}  // namespace benchd::agent::power
