#pragma once

// Parser of OpenVINO `benchmark_app` output (runtimes.md 2.2): the 2020.x to
// 2021.4 report (bare `Count:` / `Duration:` / `Latency:` / `Throughput:`
// lines, Latency being the median) and the 2022.x report (`[ INFO ]` prefix,
// a Latency block of Median or `NN percentile`, Average, Min and Max, with
// tab or space indentation). Keys match case-insensitively with flexible
// blanks; units are normalised to us. Pure functions.
//
// Latency semantics: per request (one batch of `-b` images). With `-api sync`,
// or one infer request, it is the request time (kRequest); with `-api async`
// and several requests it includes queueing (kQueued), since a request waits
// for the others (runtimes.md 2.2). When the Step 10 line that names the API
// is missing, async (the tool's default) is assumed.
// Throughput is FPS, i.e. images/s with the batch included; in 2021 sync mode
// the tool derives it from the median latency (`throughput_derived`).
//
// Errors: DATA_LOSS with the line number for binary garbage, a latency row
// outside the Latency block (reordered output), a figure given twice, a bad
// number or unit, and, without line, output missing Count, Duration, Latency
// or Throughput (truncated; `[ ERROR ]` text is quoted when there was some).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "agents/parsers/latency_figures.h"

namespace benchd::agent {

enum class BenchmarkAppFormat { k2021, k2022 };

struct BenchmarkAppOutput {
  BenchmarkAppFormat format = BenchmarkAppFormat::k2022;
  std::string openvino_version;  // build string, e.g. "2022.3.0-9052-9752fafe8eb-releases/2022/3"; may be empty
  std::string api;               // "sync" or "async"; empty when not printed
  std::optional<int64_t> infer_requests;
  std::optional<int64_t> streams;
  std::optional<double> first_inference_us;
  int64_t count = 0;  // measured iterations (requests)
  double duration_us = 0;
  // Median (or the requested percentile), average, min and max, as printed;
  // 2021 prints only the median.
  LatencyFigures latency;
  std::optional<double> latency_percentile;  // set when the row was `NN percentile:`
  double throughput_fps = 0;
  bool throughput_derived = false;  // 2021 sync: batch x 1000 / median latency
  std::vector<std::string> warnings;
};

[[nodiscard]] absl::StatusOr<BenchmarkAppOutput> ParseBenchmarkAppOutput(std::string_view text);

// The device names after `Available target devices:` in `benchmark_app -h`
// output, e.g. {"CPU", "GNA", "MYRIAD"}. Errors: DATA_LOSS when that line is
// missing.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> ParseBenchmarkAppDevices(std::string_view text);

}  // namespace benchd::agent
