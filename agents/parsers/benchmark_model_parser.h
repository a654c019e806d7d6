#pragma once

// Parser of TensorFlow Lite `benchmark_model` output (runtimes.md 3.2), as
// run with the Edge TPU as external delegate: lines with or without the
// `INFO:` prefix, the warm-up and the measured `count=` lines (with or without
// p5/median/p95, and the `count=N curr=X(all same)` form of identical runs),
// and either summary: `Inference timings in us: Init: .., First inference:
// .., Warmup (avg): .., Inference (avg): ..` (TF 2.3+) or `Average inference
// timings in us: Warmup: .., Init: .., Inference: ..` (TF <= 2.2). All times
// are us as printed. Pure functions.
//
// Scopes: the measured runs are kRequest (Invoke time on the host, USB
// transfers included, per run of the model's fixed batch); warm-up, init and
// first inference are kStartup. `std` is the population standard deviation,
// as TFLite computes it.
//
// Errors: DATA_LOSS with the line number for binary garbage, a bad field, a
// third `count=` line or one after the summary (reordered output), and a
// summary whose averages contradict the count= lines; without line, output
// missing the measured `count=` line or the summary (truncated; the first
// `ERROR:` text is quoted when there was one).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "agents/parsers/latency_figures.h"

namespace benchd::agent {

struct BenchmarkModelOutput {
  bool legacy_summary = false;  // the TF <= 2.2 "Average inference timings" line
  std::optional<double> model_size_mb;
  double init_us = 0;
  std::optional<double> first_inference_us;  // the first warm-up run (model upload to the TPU)
  LatencyFigures warmup;     // scope kStartup
  LatencyFigures inference;  // scope kRequest; the headline latency is mean_us
  bool delegate_created = false;
  std::optional<bool> fully_delegated;  // from "Explicitly applied ... delegate" when printed
  std::optional<int64_t> delegated_nodes;
  std::optional<int64_t> total_nodes;  // when printed as "N out of M node(s)"
  std::vector<std::string> warnings;
};

[[nodiscard]] absl::StatusOr<BenchmarkModelOutput> ParseBenchmarkModelOutput(std::string_view text);

}  // namespace benchd::agent
