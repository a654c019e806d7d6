// sim-benchmark_model: acts like TensorFlow Lite's `benchmark_model` with a
// Coral Edge TPU as external delegate, for tests and demos. It accepts
// benchmark_model's arguments (--graph, --external_delegate_path,
// --external_delegate_options, --num_runs, --warmup_runs, --min_secs,
// --warmup_min_secs, --num_threads; others are ignored), checks the model and
// delegate files, and logs (on stderr, as TFLite does) the warm-up and
// measured runs with per-run times from QuTiBench's Edge TPU measurement of
// the model's topology at the delegate's clock (lat-comp per run, with
// noise; times are integer microseconds as in TFLite's Stat). Model files are
// `<topology>[-p<pruning>]_edgetpu.tflite`, as the edgetpu driver names them.
// Clock: "max" in the delegate's path means the fast clock (libedgetpu1-max),
// "std" the slow one; otherwise BENCHD_SIM_EDGETPU_CLOCK (fast|slow), default
// slow. `--help` prints the usage on stderr and exits 1, like the real tool.
//
// No real time passes unless BENCHD_SIM_POWER_DIR is set: then the run takes
// real time (agents/sim/common/power_playback.h) and an hwmon chip "edgetpu"
// under that directory follows it: the `Idle` column of the clock's supply
// trace (power_measur_fast/slow.csv, its median) while the delegate loads
// (BENCHD_SIM_LOAD_MS); during the warm-up and the measured runs (exactly the
// sum of the printed run times) the model's V x A trace, one row per 10 ms;
// then the QuTiBench row's Base_Pwr_W when the log is printed. A topology
// without a trace draws the row's Full_Pwr_W instead. The trace, not
// Full_Pwr_W, drives the warm-up too: both come from one measurement setup,
// while QuTiBench's Full_Pwr_W (0.54 W for GoogLeNet) lies below the traces'
// idle (0.79 W) and would make the warm-up draw less than an idle stick.
//
// Environment: BENCHD_SIM_TFLITE_FORMAT=legacy prints the TF <= 2.2 summary;
// BENCHD_SIM_NOISE / _SEED, BENCHD_SIM_FAILURE (simulation.h);
// BENCHD_SIM_POWER_DIR, BENCHD_SIM_LOAD_MS.

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "agents/sim/common/power_playback.h"
#include "agents/sim/common/reference_data.h"
#include "agents/sim/common/simulation.h"
#include "agents/sim/common/tool_args.h"

namespace {

using benchd::sim::FailureMode;

// TFLite's Stat<int64_t>: the same fields and output forms.
std::string StatLine(const std::vector<int64_t>& runs, bool percentiles) {
  std::ostringstream out;
  if (runs.empty()) return "count=0";
  const auto [min, max] = std::minmax_element(runs.begin(), runs.end());
  if (*min == *max) {
    out << "count=" << runs.size() << " curr=" << runs.back();
    if (runs.size() > 1) out << "(all same)";
    return out.str();
  }
  double sum = 0, squares = 0;
  for (int64_t us : runs) {
    sum += static_cast<double>(us);
    squares += static_cast<double>(us) * static_cast<double>(us);
  }
  const double n = static_cast<double>(runs.size());
  const double avg = sum / n;
  out << "count=" << runs.size() << " first=" << runs.front() << " curr=" << runs.back() << " min=" << *min
      << " max=" << *max << " avg=" << avg << " std=" << static_cast<int64_t>(std::sqrt(squares / n - avg * avg));
  if (percentiles) {
    std::vector<int64_t> sorted = runs;
    std::sort(sorted.begin(), sorted.end());
    auto at = [&](double q) { return sorted[std::min(sorted.size() - 1, static_cast<size_t>(q * n))]; };
    out << " p5=" << at(0.05) << " median=" << at(0.5) << " p95=" << at(0.95);
  }
  return out.str();
}

double SumMs(const std::vector<int64_t>& runs_us) {
  double sum = 0;
  for (int64_t us : runs_us) sum += static_cast<double>(us);
  return sum / 1000;
}

// Power levels from the QuTiBench row, idle and the running trace from the
// supply trace of the model at `clock`, where there is one.
std::optional<benchd::sim::PowerProfile> EdgeTpuProfile(const benchd::sim::QutibenchRow& row,
                                                        const std::string& clock) {
  const std::optional<benchd::sim::PowerFigures> figures = benchd::sim::PowerFiguresOf(row);
  if (!figures) return std::nullopt;
  benchd::sim::PowerProfile profile{*figures, {}};
  const std::optional<std::string_view> column = benchd::sim::EdgeTpuTraceModel(row.topology);
  if (const std::optional<benchd::sim::EdgeTpuTrace> trace =
          column ? benchd::sim::EdgeTpuPower(clock, std::string(*column)) : std::nullopt) {
    profile.trace_w = trace->watts;
    if (trace->idle_w > 0) profile.levels.idle_w = trace->idle_w;
  }
  return profile;
}

double Average(const std::vector<int64_t>& runs) {
  double sum = 0;
  for (int64_t us : runs) sum += static_cast<double>(us);
  return runs.empty() ? 0 : sum / static_cast<double>(runs.size());
}

int Error(const std::string& message) {
  std::cerr << "ERROR: " << message << std::endl;
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const benchd::sim::ToolArgs args = benchd::sim::ParseEqualsFlags(argc, argv);
  if (args.Has("help")) {
    std::cerr << "Flags:\n\t--num_runs=50\tint32\toptional\texpected number of runs\n"
                 "\t--warmup_runs=1\tint32\toptional\tminimum number of runs performed on initialization\n"
                 "\t--graph=\tstring\toptional\tgraph file name\n"
                 "\t--external_delegate_path=\tstring\toptional\tThe library path for the underlying external.\n";
    return 1;
  }
  const char* format = std::getenv("BENCHD_SIM_TFLITE_FORMAT");
  const bool legacy = format != nullptr && std::string(format) == "legacy";
  const std::string prefix = legacy ? "" : "INFO: ";
  std::vector<std::string> log;
  auto info = [&](const std::string& text) { log.push_back(prefix + text); };

  const std::string graph = args.Get("graph");
  const std::string delegate = args.Get("external_delegate_path");
  const std::optional<long long> num_runs = args.GetInt("num_runs", 50);
  const std::optional<long long> warmup_runs = args.GetInt("warmup_runs", 1);
  const std::optional<double> min_secs = args.GetDouble("min_secs", 1.0);
  const std::optional<double> warmup_min_secs = args.GetDouble("warmup_min_secs", 0.5);
  if (!num_runs || *num_runs < 0 || !warmup_runs || *warmup_runs < 0 || !min_secs || !warmup_min_secs) {
    return Error("Invalid value of --num_runs, --warmup_runs, --min_secs or --warmup_min_secs");
  }
  std::cerr << prefix << "STARTING!\n" << prefix << "Graph: [" << graph << "]\n";
  if (!delegate.empty()) std::cerr << prefix << "External delegate path: [" << delegate << "]\n";
  if (graph.empty() || !std::filesystem::exists(graph)) return Error("Could not open '" + graph + "'.");
  if (delegate.empty()) return Error("the Edge TPU needs --external_delegate_path=libedgetpu.so.1");
  if (delegate.find('/') != std::string::npos && !std::filesystem::exists(delegate)) {
    return Error("Failed to load delegate from " + delegate);
  }
  std::string clock = delegate.find("max") != std::string::npos   ? "fast"
                      : delegate.find("std") != std::string::npos ? "slow"
                                                                  : "";
  if (clock.empty()) {
    const char* configured = std::getenv("BENCHD_SIM_EDGETPU_CLOCK");
    clock = configured != nullptr && std::string(configured) == "fast" ? "fast" : "slow";
  }
  const std::optional<benchd::sim::ModelName> name = benchd::sim::ParseModelPath(graph, "_edgetpu.tflite");
  const std::optional<benchd::sim::QutibenchRow> row =
      name ? benchd::sim::FindQutibench("EdgeTPU-" + clock, name->topology, "INT8", clock, 1, name->pruning)
           : std::nullopt;
  if (!row || !(row->lat_comp_ms || row->lat_sys_ms)) {
    return Error("sim-benchmark_model: no QuTiBench Edge TPU measurement for " + graph);
  }
  const double run_us = row->lat_comp_ms.value_or(*row->lat_sys_ms) * 1000;

  benchd::sim::Noise noise;
  info("Loaded model " + graph);
  info("EXTERNAL delegate created.");
  info("Explicitly applied EXTERNAL delegate, and the model graph will be completely executed by the delegate.");
  const double init_ms = noise.Around(350);
  std::ostringstream init;
  init << "Initialized session in " << init_ms << "ms.";
  info(init.str());
  auto runs_for = [&](long long minimum, double seconds) {
    return std::max<long long>(minimum, static_cast<long long>(std::ceil(seconds * 1e6 / run_us)));
  };
  std::vector<int64_t> warmup, measured;
  for (long long i = 0, n = runs_for(*warmup_runs, *warmup_min_secs); i < n; ++i) {
    // The first run uploads the parameters to the TPU (runtimes.md 3.2).
    warmup.push_back(std::llround(i == 0 ? noise.Around(run_us * 4 + 5000) : noise.Around(run_us)));
  }
  for (long long i = 0, n = runs_for(std::max(*num_runs, 1LL), *min_secs); i < n; ++i) {
    measured.push_back(std::llround(noise.Around(run_us)));
  }
  auto running = [&](long long runs, double seconds) {
    std::ostringstream line;
    line << "Running benchmark for at least " << runs << " iterations and at least " << seconds
         << " seconds but terminate if exceeding 150 seconds.";
    info(line.str());
  };
  running(*warmup_runs, *warmup_min_secs);
  info(StatLine(warmup, false));
  running(*num_runs, *min_secs);
  info(StatLine(measured, !legacy));
  std::ostringstream summary;
  const auto init_us = std::llround(init_ms * 1000);
  if (legacy) {
    summary << "Average inference timings in us: Warmup: " << Average(warmup) << ", Init: " << init_us
            << ", Inference: " << Average(measured);
  } else {
    summary << "Inference timings in us: Init: " << init_us << ", First inference: "
            << (warmup.empty() ? 0 : warmup.front()) << ", Warmup (avg): " << Average(warmup)
            << ", Inference (avg): " << Average(measured);
  }
  info(summary.str());

  const benchd::sim::Failure failure = benchd::sim::FailureFromEnvironment();
  // A failure to start (exit:N) runs nothing, so it draws no power.
  const std::optional<benchd::sim::SimPowerSettings> power = benchd::sim::SimPowerFromEnvironment();
  if (power && failure.mode != FailureMode::kExit) {
    const std::optional<benchd::sim::PowerProfile> profile = EdgeTpuProfile(*row, clock);
    if (!profile) return Error("sim-benchmark_model: no QuTiBench power figures for EdgeTPU-" + clock);
    const absl::Status played =
        benchd::sim::PlayRunPower(*power, benchd::sim::PowerLayout::kHwmon, "edgetpu", *profile,
                                  {benchd::sim::FromMs(SumMs(warmup)), benchd::sim::FromMs(SumMs(measured))});
    if (!played.ok()) return Error("sim-benchmark_model: " + std::string(played.message()));
  }
  if (failure.mode == FailureMode::kGarbage) {
    benchd::sim::PrintGarbage(noise.engine(), 1024);
    return 0;
  }
  if (failure.mode == FailureMode::kExit) {
    Error("simulated failure (BENCHD_SIM_FAILURE=exit:" + std::to_string(failure.exit_code) + ")");
    return failure.exit_code;
  }
  const size_t shown = failure.mode == FailureMode::kNone ? log.size() : log.size() / 2;
  for (size_t i = 0; i < shown; ++i) std::cerr << log[i] << "\n";
  std::cerr.flush();
  if (failure.mode == FailureMode::kHang) benchd::sim::HangForever();
  if (failure.mode == FailureMode::kCrash) benchd::sim::CrashNow();
  return 0;
}
