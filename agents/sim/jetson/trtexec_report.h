#pragma once

// The timing model and report of sim-trtexec: a per-query trace built from a
// published latency (with noise), and trtexec's report over it in the TRT 8.x
// summary format or the TRT 7.1 block format, computed with trtexec's own
// rules (TensorRT samples/common/sampleReporting.cpp): warm-up queries are
// those whose compute starts before --warmUp ms; the median of an even count
// averages the two middle values; percentile P is the sorted value at index
// N - 1 - floor((1 - P/100) N); numbers print with 6 significant digits.

#include <string>
#include <vector>

#include "agents/sim/common/simulation.h"

namespace benchd::sim {

struct TraceQuery {
  double enq_start = 0, enq_end = 0;
  double h2d_start = 0, h2d_end = 0;
  double compute_start = 0, compute_end = 0;
  double d2h_start = 0, d2h_end = 0;
};

struct TraceConfig {
  double lat_sys_ms = 0;   // H2D + compute + D2H of one query
  double lat_comp_ms = 0;  // compute alone
  double warmup_ms = 200;
  double duration_s = 3;
  long iterations = 10;
};

// Queries back to back until both --iterations and --duration are met, the
// warm-up ones first. With zero noise every query's latency is exactly
// `lat_sys_ms` and its compute time `lat_comp_ms`.
std::vector<TraceQuery> SimulateTrace(const TraceConfig& config, Noise& noise);

// The two parts of a trace, in ms: the timed part runs from the H2D start of
// the first query whose compute starts at or after `warmup_ms` to the end of
// the last query (the report's host walltime); the warm-up is all before it.
struct TraceSpans {
  double warmup_ms = 0;
  double timed_ms = 0;
};
TraceSpans SpansOf(const std::vector<TraceQuery>& trace, double warmup_ms);

struct ReportConfig {
  bool legacy7 = false;
  int batch_factor = 1;  // the --batch of implicit-batch engines; 1 for explicit
  double warmup_ms = 200;
  double percentile = 99;
  int avg_runs = 10;
  std::string version_marker;  // "[TensorRT v8201] " or "" for 7.x
  std::string command_line;
};

// The report lines after the `&&&& RUNNING` line, each with its log prefix,
// ending with the `&&&& PASSED` line.
std::vector<std::string> FormatReport(const std::vector<TraceQuery>& trace, const ReportConfig& config);

// The --exportTimes JSON of every query, warm-up included (TRT 7.x names
// in/out where 8.x says h2d/d2h).
std::string FormatExportTimes(const std::vector<TraceQuery>& trace, bool legacy7);

// "[05/14/2023-10:21:33] [I] " for now.
std::string LogPrefix(char level);

}  // namespace benchd::sim
