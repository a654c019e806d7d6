#include "agents/drivers/bismo_driver.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <numeric>
#include <vector>

#include "agents/drivers/driver_util.h"
#include "agents/drivers/fpga_driver_support.h"
#include "agents/drivers/fpga_topologies.h"
#include "agents/drivers/tool_driver_support.h"
#include "common/statistics.h"
#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::agent {
namespace {

using std::chrono::milliseconds;
namespace fs = std::filesystem;

constexpr int kMaxBits = 8;
constexpr int64_t kMaxBatch = 4096;
constexpr int kDefaultWarmup = 1;
constexpr int kDefaultIterations = 10;
constexpr milliseconds kDefaultTimeout = std::chrono::minutes(10);
constexpr milliseconds kProbeTimeout = std::chrono::seconds(60);
// One binary multiply of the overlay's native size: enough to make the
// runtime library report its clock, peak rate and buffers.
constexpr char kProbeInput[] = "8 256 8 1 1\n0\n";

absl::Status WriteInput(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) return absl::InternalError("write benchmark input '" + path + "'");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Driver>> BismoDriver::Create(const DriverOptions& options,
                                                            common::ProcessRunner& runner) {
  DriverOptions remaining = options;
  Options parsed;
  BENCHD_ASSIGN_OR_RETURN(parsed.env, fpga::TakeEnvOptions(kName, remaining));
  for (const auto& [key, value] : remaining) {
    if (value.empty()) return absl::InvalidArgumentError(std::string(kName) + " option '" + key + "' is empty");
    if (key == "app") {
      parsed.app = value;
    } else {
      return absl::InvalidArgumentError("bismo option '" + key + "' is unknown: known are app, env.<NAME>");
    }
  }
  if (parsed.app.empty()) return absl::InvalidArgumentError("bismo option 'app' is required");
  return std::make_unique<BismoDriver>(std::move(parsed), runner);
}

BismoDriver::BismoDriver(Options options, common::ProcessRunner& runner)
    : options_(std::move(options)), runner_(runner) {}

absl::StatusOr<BismoDriver::Batch> BismoDriver::RunBatch(const std::string& input_path, const std::string& work_dir,
                                                         const std::string& artifact_stem, milliseconds timeout,
                                                         const std::atomic<bool>* cancel) {
  common::ProcessSpec spec;
  spec.argv = {options_.app, "b"};
  spec.stdin_path = input_path;
  spec.extra_env = options_.env;
  spec.working_dir = work_dir;
  spec.timeout = timeout;
  BENCHD_ASSIGN_OR_RETURN(common::ProcessOutcome outcome, fpga::Launch(runner_, spec, cancel));
  if (!artifact_stem.empty()) {
    fpga::SaveArtifact(work_dir, artifact_stem + ".stdout", outcome.stdout_text);
    fpga::SaveArtifact(work_dir, artifact_stem + ".stderr", outcome.stderr_text);
  }
  BENCHD_RETURN_IF_ERROR(fpga::OutcomeStatus(outcome));
  BENCHD_ASSIGN_OR_RETURN(BismoReport report, ParseBismoOutput(outcome.stdout_text));
  return Batch{std::move(report), std::move(outcome)};
}

absl::StatusOr<RunResult> BismoDriver::Run(const RunRequest& request, const std::atomic<bool>& cancel) {
  const std::string context = fmt::format("bismo run {}", request.run_id);
  const auto fail = [&context](const absl::Status& status) { return common::WithContext(status, context); };
  if (request.work_dir.empty()) return absl::InternalError(context + ": no run directory");
  const benchd::v1::Parameters& parameters = request.parameters;
  absl::StatusOr<std::string> precision = fpga::PrecisionParam(parameters);
  if (!precision.ok()) return fail(precision.status());
  const std::optional<int> bits = fpga::IntegerBits(*precision);
  if (!bits || *bits > kMaxBits) {
    return fail(absl::FailedPreconditionError("bismo cannot run precision " + *precision +
                                              ": supported are INT1 to INT" + std::to_string(kMaxBits)));
  }
  absl::StatusOr<std::optional<std::string>> topology = fpga::StringParam(parameters, "topology");
  if (!topology.ok()) return fail(topology.status());
  if (!topology->has_value()) return fail(absl::InvalidArgumentError("parameter 'topology' is required"));
  absl::StatusOr<double> pruning = fpga::NumberParam(parameters, "pruning", 100);
  if (!pruning.ok()) return fail(pruning.status());
  absl::StatusOr<fpga::TopologyShape> shape = fpga::QutibenchTopology(**topology, *pruning);
  if (!shape.ok()) return fail(shape.status());
  absl::StatusOr<int64_t> batch = fpga::IntParam(parameters, "batch", 1);
  if (!batch.ok()) return fail(batch.status());
  if (*batch < 1 || *batch > kMaxBatch) {
    return fail(absl::InvalidArgumentError(
        fmt::format("parameter 'batch' must be in [1, {}], got {}", kMaxBatch, *batch)));
  }
  absl::StatusOr<fpga::Settings> settings = fpga::ReadSettings(request.settings, kDefaultWarmup, kDefaultIterations);
  if (!settings.ok()) return fail(settings.status());

  // The same inference, layer by layer, once per warm-up and timed iteration.
  std::string inference;
  for (const fpga::GemmShape& layer : shape->layers) {
    inference += fmt::format("{} {} {} {} {}\n", layer.rows, layer.depth, layer.cols_per_item * *batch, *bits, *bits);
  }
  const int inferences = settings->warmup + settings->iterations;
  std::string input;
  for (int i = 0; i < inferences; ++i) input += inference;
  input += "0\n";
  const size_t layers = shape->layers.size();

  const fpga::RunDeadline deadline(settings->timeout.value_or(kDefaultTimeout));
  RunResult result;
  std::vector<double> all_us;
  double host_us = 0, binops = 0, compute_us = 0, efficiency = 0;
  int efficiency_count = 0;
  BismoMatMul last;
  for (int repeat = 0; repeat < settings->repeats; ++repeat) {
    const std::string what = fmt::format("{} repeat {}", context, repeat);
    if (cancel.load()) return absl::CancelledError(what + ": cancelled");
    absl::StatusOr<milliseconds> remaining = deadline.Remaining(what);
    if (!remaining.ok()) return remaining.status();
    const std::string stem = fmt::format("bismo-repeat-{}", repeat);
    const std::string input_path = request.work_dir + "/" + stem + ".in";
    if (absl::Status written = WriteInput(input_path, input); !written.ok()) {
      return common::WithContext(written, what);
    }
    absl::StatusOr<Batch> batch_run = RunBatch(input_path, request.work_dir, stem, *remaining, &cancel);
    if (!batch_run.ok()) return common::WithContext(batch_run.status(), what);
    const BismoReport& report = batch_run->report;
    if (report.matmuls.size() != layers * inferences) {
      return absl::DataLossError(fmt::format("{}: {} results for {} multiplies (the benchmark stopped early?)", what,
                                             report.matmuls.size(), layers * inferences));
    }
    RepeatSamples samples;
    samples.repeat = repeat;
    samples.kind = benchd::v1::LATENCY_KIND_COMPUTE;
    double warmup_us = 0;
    for (size_t m = 0; m < static_cast<size_t>(settings->warmup) * layers; ++m) {
      warmup_us += report.matmuls[m].compute_us;
    }
    for (int i = settings->warmup; i < inferences; ++i) {
      double us = 0;
      for (size_t l = 0; l < layers; ++l) {
        const BismoMatMul& matmul = report.matmuls[i * layers + l];
        us += matmul.compute_us;
        host_us += matmul.host_us;
        compute_us += matmul.compute_us;
        if (auto it = matmul.values.find("workload_total_binops"); it != matmul.values.end()) binops += it->second;
        if (auto it = matmul.values.find("run_eff%_exec"); it != matmul.values.end()) {
          efficiency += it->second;
          ++efficiency_count;
        }
      }
      samples.latency_us.push_back(us);
    }
    last = report.matmuls.back();
    const double measured_us = std::accumulate(samples.latency_us.begin(), samples.latency_us.end(), 0.0);
    const std::vector<PhaseMark> marks = ToolRunPhases(batch_run->outcome, measured_us * 1e-6, warmup_us * 1e-6);
    result.phases.insert(result.phases.end(), marks.begin(), marks.end());
    all_us.insert(all_us.end(), samples.latency_us.begin(), samples.latency_us.end());
    result.repeats.push_back(std::move(samples));
  }

  benchd::v1::RunSummary& summary = result.summary;
  summary.set_latency_kind(benchd::v1::LATENCY_KIND_COMPUTE);
  *summary.mutable_latency() = common::ComputeLatencyStats(all_us);
  const double mean_us = summary.latency().mean_us();
  const auto batch_items = static_cast<double>(*batch);
  if (mean_us > 0) {
    summary.set_fps(batch_items * 1e6 / mean_us);
    summary.set_gops(static_cast<double>(shape->ops_per_inference) * batch_items / (mean_us * 1e-6) / 1e9);
  }
  summary.set_inferences(static_cast<int64_t>(all_us.size()) * *batch);
  const double timed = static_cast<double>(all_us.size());
  *summary.add_extra() = MakeMetric("batch", batch_items, "item");
  *summary.add_extra() = MakeMetric("bits", *bits, "bit");
  *summary.add_extra() = MakeMetric("layers", static_cast<double>(layers), "matmul");
  *summary.add_extra() = MakeMetric("host_overhead_us", timed > 0 ? host_us / timed : 0, "us");
  if (compute_us > 0 && binops > 0) {
    *summary.add_extra() = MakeMetric("achieved_binary_gops", binops / (compute_us * 1e3), "GOPS");
  }
  if (auto it = last.values.find("hw_peak_perf_binops"); it != last.values.end()) {
    *summary.add_extra() = MakeMetric("hw_peak_binary_gops", it->second, "GOPS");
  }
  *summary.add_extra() = MakeMetric("fclk_mhz", last.fclk_mhz, "MHz");
  if (efficiency_count > 0) {
    *summary.add_extra() = MakeMetric("exec_efficiency_pct", efficiency / efficiency_count, "%");
  }

  result.environment = probed_;
  auto& env = *result.environment.mutable_entries();
  env["driver"] = kName;
  env["app"] = options_.app;
  env["topology_layers"] = std::to_string(layers);
  return result;
}

absl::StatusOr<benchd::v1::Environment> BismoDriver::Probe() {
  const std::string context = "probe bismo with '" + options_.app + "'";
  // The probe has no run directory; its input goes to a private temporary file.
  const fs::path input = fs::temp_directory_path() / fmt::format("benchd-bismo-probe-{}.in", ::getpid());
  if (absl::Status written = WriteInput(input.string(), kProbeInput); !written.ok()) {
    return absl::UnavailableError(context + ": " + std::string(written.message()));
  }
  absl::StatusOr<Batch> probe = RunBatch(input.string(), "", "", kProbeTimeout, nullptr);
  std::error_code error;
  fs::remove(input, error);
  if (!probe.ok()) return absl::UnavailableError(context + ": " + std::string(probe.status().message()));
  const BismoMatMul& matmul = probe->report.matmuls.front();
  benchd::v1::Environment environment;
  auto& env = *environment.mutable_entries();
  env["driver"] = kName;
  env["hw_fclk_mhz"] = fpga::FormatNumber(matmul.fclk_mhz);
  for (const char* key : {"hw_peak_perf_binops", "hw_buf_size_bytes"}) {
    if (auto it = matmul.values.find(key); it != matmul.values.end()) env[key] = fpga::FormatNumber(it->second);
  }
  env["bismo_output"] = probe->report.format == BismoReport::Format::kInstrumentation ? "instrumentation" : "legacy";
  probed_ = environment;
  return environment;
}

}  // namespace benchd::agent
