// sim-trtexec: acts like TensorRT's `trtexec` on a Jetson TX2 for tests and
// demos. It accepts trtexec's arguments (--onnx= / --loadEngine=, --fp16,
// --shapes= / --batch=, --warmUp=, --duration=, --iterations=,
// --percentile=, --avgRuns=, --exportTimes=; others are ignored), checks that
// the model file exists, and prints trtexec's report for a query trace drawn
// from QuTiBench's TX2 measurement of that topology, precision, batch and
// pruning in the current nvpmodel mode (set by sim-nvpmodel): lat-sys per
// query as Latency, lat-comp as GPU Compute Time, with noise. `--help`
// prints the start of the help text.
//
// The model file name carries the topology and pruning as the jetson driver
// names it (`<topology>[-p<pruning>].onnx`, `..._fp16.engine`). The batch is
// the first dimension of --shapes, else --batch (implicit batch, counted in
// queries x batch as trtexec does).
//
// No real time passes unless BENCHD_SIM_POWER_DIR is set: then the run takes
// real time (agents/sim/common/power_playback.h) and the TX2's INA3221 rails
// under that directory follow it: idle power while the engine loads
// (BENCHD_SIM_LOAD_MS), full power through the warm-up (up to the first
// timed query) and the timed part (exactly the printed host walltime), base
// power when the report is printed; the figures are the QuTiBench row's
// Base/Idle/Full_Pwr_W in the current nvpmodel mode.
//
// Environment: BENCHD_SIM_TRT_VERSION (default 8.2.1; 7.x prints the TRT 7.1
// block format and trace key names), BENCHD_SIM_NOISE / _SEED, and
// BENCHD_SIM_FAILURE (hang, crash, truncate, garbage, exit:N) as in
// agents/sim/common/simulation.h; BENCHD_SIM_POWER_DIR, BENCHD_SIM_LOAD_MS.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "agents/sim/common/power_playback.h"
#include "agents/sim/common/reference_data.h"
#include "agents/sim/common/simulation.h"
#include "agents/sim/common/tool_args.h"
#include "agents/sim/jetson/trtexec_report.h"
#include "agents/sim/jetson/tx2_state.h"

namespace {

using benchd::sim::FailureMode;

struct Version {
  int major = 8, minor = 2, patch = 1;
  bool legacy7() const { return major < 8; }
  // TRT 7.x prints no version in its &&&& lines.
  std::string Marker() const {
    return legacy7() ? "" : "[TensorRT v" + std::to_string(major * 1000 + minor * 100 + patch) + "] ";
  }
};

Version VersionFromEnvironment() {
  Version version;
  const char* text = std::getenv("BENCHD_SIM_TRT_VERSION");
  if (text != nullptr && std::sscanf(text, "%d.%d.%d", &version.major, &version.minor, &version.patch) < 2) {
    std::fprintf(stderr, "sim-trtexec: ignoring BENCHD_SIM_TRT_VERSION='%s'\n", text);
    version = Version();
  }
  return version;
}

int Fail(const Version& version, const std::string& command, const std::string& message) {
  std::cout << benchd::sim::LogPrefix('E') << message << "\n"
            << "&&&& FAILED TensorRT.trtexec " << version.Marker() << "# " << command << std::endl;
  return 1;
}

// "input:4x3x224x224" -> 4.
std::optional<int> BatchOfShapes(const std::string& shapes) {
  const size_t colon = shapes.rfind(':');
  try {
    size_t used = 0;
    const int batch = std::stoi(shapes.substr(colon == std::string::npos ? 0 : colon + 1), &used);
    if (batch > 0) return batch;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

void PrintLines(const std::vector<std::string>& lines, size_t count) {
  for (size_t i = 0; i < count && i < lines.size(); ++i) std::cout << lines[i] << "\n";
  std::cout.flush();
}

}  // namespace

int main(int argc, char** argv) {
  const Version version = VersionFromEnvironment();
  std::string command = argv[0];
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
  std::cout << "&&&& RUNNING TensorRT.trtexec " << version.Marker() << "# " << command << "\n";
  const benchd::sim::ToolArgs args = benchd::sim::ParseEqualsFlags(argc, argv);
  if (args.Has("help") || args.Has("h")) {
    std::cout << "=== Model Options ===\n  --onnx=<file>               ONNX model\n"
                 "=== Inference Options ===\n  --batch=N                   Set batch size for implicit batch engines\n"
                 "  --iterations=N              Run at least N inference iterations (default = 10)\n";
    return 0;
  }

  const bool engine = args.Has("loadEngine");
  const std::string model = engine ? args.Get("loadEngine") : args.Get("onnx");
  if (model.empty()) return Fail(version, command, "Model missing or format not recognized");
  if (!std::filesystem::exists(model)) return Fail(version, command, "Could not open file " + model);
  std::optional<benchd::sim::ModelName> name;
  std::string precision = args.Has("fp16") ? "FP16" : "FP32";
  if (engine) {
    name = benchd::sim::ParseModelPath(model, "_fp16.engine");
    if (name) {
      precision = "FP16";
    } else {
      name = benchd::sim::ParseModelPath(model, "_fp32.engine");
    }
  } else {
    name = benchd::sim::ParseModelPath(model, ".onnx");
  }
  if (!name) return Fail(version, command, "sim-trtexec: cannot tell the topology from " + model);
  if (args.Has("int8")) return Fail(version, command, "Int8 not supported by the simulated TX2 (sm_62 has no fast INT8)");
  const bool implicit = args.Has("batch");
  const std::optional<int> batch =
      implicit ? std::optional<int>(static_cast<int>(args.GetInt("batch", 1).value_or(0)))
               : (args.Has("shapes") ? BatchOfShapes(args.Get("shapes")) : std::optional<int>(1));
  const std::optional<double> warmup_ms = args.GetDouble("warmUp", 200);
  const std::optional<double> duration_s = args.GetDouble("duration", 3);
  const std::optional<long long> iterations = args.GetInt("iterations", 10);
  const std::optional<double> percentile = args.GetDouble("percentile", 99);
  const std::optional<long long> avg_runs = args.GetInt("avgRuns", 10);
  if (!batch || *batch < 1 || !warmup_ms || !duration_s || !iterations || *iterations < 1 || !percentile ||
      !avg_runs || *avg_runs < 1) {
    return Fail(version, command, "Invalid argument: check --batch, --shapes, --warmUp, --duration, --iterations");
  }

  const benchd::sim::Tx2Mode mode = benchd::sim::CurrentTx2Mode();
  const std::string hardware = std::string("TX2-") + mode.qutibench_mode;
  const std::optional<benchd::sim::QutibenchRow> row =
      benchd::sim::FindQutibench(hardware, name->topology, precision, mode.qutibench_mode, *batch, name->pruning);
  if (!row || !row->lat_comp_ms) {
    return Fail(version, command,
                "sim-trtexec: no QuTiBench measurement of " + name->topology + " " + precision + " on " + hardware);
  }

  const benchd::sim::Failure failure = benchd::sim::FailureFromEnvironment();
  benchd::sim::Noise noise;
  benchd::sim::TraceConfig trace_config;
  trace_config.lat_comp_ms = *row->lat_comp_ms;
  trace_config.lat_sys_ms = row->lat_sys_ms.value_or(*row->lat_comp_ms * 1.3);
  trace_config.warmup_ms = *warmup_ms;
  trace_config.duration_s = *duration_s;
  trace_config.iterations = *iterations;
  const std::vector<benchd::sim::TraceQuery> trace = benchd::sim::SimulateTrace(trace_config, noise);

  benchd::sim::ReportConfig report;
  report.legacy7 = version.legacy7();
  report.batch_factor = implicit ? *batch : 1;
  report.warmup_ms = *warmup_ms;
  report.percentile = *percentile;
  report.avg_runs = static_cast<int>(*avg_runs);
  report.version_marker = version.Marker();
  report.command_line = command;
  const std::string info = benchd::sim::LogPrefix('I');
  std::vector<std::string> lines = {info + "=== Inference Options ===",
                                    info + "Batch: " + (implicit ? std::to_string(*batch) : "Explicit"),
                                    info + "Iterations: " + std::to_string(*iterations),
                                    info + "=== Device Information ===",
                                    info + "Selected Device: NVIDIA Tegra X2 (simulated, nvpmodel " + mode.name + ")"};
  for (std::string& line : benchd::sim::FormatReport(trace, report)) lines.push_back(std::move(line));

  // An engine that fails to set up never runs, so it draws no power.
  const std::optional<benchd::sim::SimPowerSettings> power = benchd::sim::SimPowerFromEnvironment();
  if (power && failure.mode != FailureMode::kExit) {
    const std::optional<benchd::sim::PowerFigures> figures = benchd::sim::PowerFiguresOf(*row);
    if (!figures) return Fail(version, command, "sim-trtexec: no QuTiBench power figures for " + hardware);
    const benchd::sim::TraceSpans spans = benchd::sim::SpansOf(trace, *warmup_ms);
    const absl::Status played =
        benchd::sim::PlayRunPower(*power, benchd::sim::PowerLayout::kIna3221, "", {*figures, {}},
                                  {benchd::sim::FromMs(spans.warmup_ms), benchd::sim::FromMs(spans.timed_ms)});
    if (!played.ok()) return Fail(version, command, "sim-trtexec: " + std::string(played.message()));
  }

  switch (failure.mode) {
    case FailureMode::kHang:
      PrintLines(lines, 3);
      benchd::sim::HangForever();
    case FailureMode::kCrash:
      PrintLines(lines, lines.size() / 2);
      benchd::sim::CrashNow();
    case FailureMode::kTruncate:
      PrintLines(lines, lines.size() / 2);
      return 0;
    case FailureMode::kGarbage:
      benchd::sim::PrintGarbage(noise.engine(), 2048);
      return 0;
    case FailureMode::kExit:
      std::cerr << "sim-trtexec: simulated failure (BENCHD_SIM_FAILURE=exit:" << failure.exit_code << ")\n";
      Fail(version, command, "Engine set up failed");
      return failure.exit_code;
    default:
      break;
  }
  if (args.Has("exportTimes")) {
    std::ofstream out(args.Get("exportTimes"), std::ios::trunc);
    out << benchd::sim::FormatExportTimes(trace, version.legacy7());
    if (!out) return Fail(version, command, "Cannot write " + args.Get("exportTimes"));
  }
  PrintLines(lines, lines.size());
  return 0;
}
