#include "agents/drivers/finn_driver.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "agents/drivers/driver_util.h"
#include "agents/drivers/fpga_driver_support.h"
#include "agents/drivers/fpga_topologies.h"
#include "agents/drivers/sha256.h"
#include "agents/drivers/tool_driver_support.h"
#include "agents/parsers/text_scan.h"
#include "common/statistics.h"
#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::agent {
namespace {

using std::chrono::milliseconds;
namespace fs = std::filesystem;

constexpr int64_t kMaxBatch = 1 << 20;
constexpr int kDefaultWarmup = 1;
constexpr int kDefaultIterations = 10;
constexpr milliseconds kDefaultTimeout = std::chrono::minutes(10);
constexpr milliseconds kProbeTimeout = std::chrono::seconds(60);
constexpr char kMetricsFile[] = "nw_metrics.txt";
constexpr size_t kStdoutTailBytes = 1024;

bool IsFile(const fs::path& path) {
  std::error_code error;
  return fs::is_regular_file(path, error);
}

// Package names under `dir`, for an error message that shows what exists.
std::string ListPackages(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
    if (entry.is_directory(error)) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "));
}

// Accumulates a figure over launches for its mean.
struct Mean {
  double sum = 0;
  int count = 0;
  void Add(double value) {
    sum += value;
    ++count;
  }
  double Value() const { return count > 0 ? sum / count : 0; }
};

}  // namespace

struct FinnDriver::Accelerator {
  std::string topology;
  std::string precision;
  double pruning = 100;
  int64_t batch = 1;
  std::string name;  // package directory name
  fs::path package;
  fs::path bitfile;
  fs::path driver_py;
  fs::path runtime_weights;
};

absl::StatusOr<std::unique_ptr<Driver>> FinnDriver::Create(const DriverOptions& options,
                                                           common::ProcessRunner& runner) {
  DriverOptions remaining = options;
  Options parsed;
  BENCHD_ASSIGN_OR_RETURN(parsed.env, fpga::TakeEnvOptions(kName, remaining));
  for (const auto& [key, value] : remaining) {
    if (value.empty()) return absl::InvalidArgumentError(std::string(kName) + " option '" + key + "' is empty");
    if (key == "bitstream_dir") {
      parsed.bitstream_dir = value;
    } else if (key == "python") {
      parsed.python = value;
    } else if (key == "platform") {
      if (value != "zynq-iodma" && value != "alveo") {
        return absl::InvalidArgumentError("finn option 'platform' must be zynq-iodma or alveo, got '" + value + "'");
      }
      parsed.platform = value;
    } else {
      return absl::InvalidArgumentError("finn option '" + key +
                                        "' is unknown: known are bitstream_dir, python, platform, env.<NAME>");
    }
  }
  if (parsed.bitstream_dir.empty()) return absl::InvalidArgumentError("finn option 'bitstream_dir' is required");
  return std::make_unique<FinnDriver>(std::move(parsed), runner);
}

FinnDriver::FinnDriver(Options options, common::ProcessRunner& runner)
    : options_(std::move(options)), runner_(runner) {}

absl::StatusOr<FinnDriver::Accelerator> FinnDriver::SelectAccelerator(
    const benchd::v1::Parameters& parameters) const {
  Accelerator accelerator;
  BENCHD_ASSIGN_OR_RETURN(std::optional<std::string> topology, fpga::StringParam(parameters, "topology"));
  if (!topology) return absl::InvalidArgumentError("parameter 'topology' is required");
  // The topology becomes part of a path: one plain component, nothing that
  // could climb out of bitstream_dir.
  if (!fpga::IsSafePathComponent(*topology)) {
    return absl::InvalidArgumentError("parameter 'topology' must be a plain name, got '" + *topology + "'");
  }
  accelerator.topology = *topology;
  BENCHD_ASSIGN_OR_RETURN(accelerator.precision, fpga::PrecisionParam(parameters));
  if (!fpga::IntegerBits(accelerator.precision)) {
    return absl::FailedPreconditionError("finn cannot run precision " + accelerator.precision +
                                         ": FINN accelerators compute in INT<n>");
  }
  BENCHD_ASSIGN_OR_RETURN(accelerator.pruning, fpga::NumberParam(parameters, "pruning", 100));
  if (!(accelerator.pruning > 0 && accelerator.pruning <= 100)) {
    return absl::InvalidArgumentError("parameter 'pruning' must be in (0, 100], got " +
                                      fpga::FormatNumber(accelerator.pruning));
  }
  BENCHD_ASSIGN_OR_RETURN(accelerator.batch, fpga::IntParam(parameters, "batch", 1));
  if (accelerator.batch < 1 || accelerator.batch > kMaxBatch) {
    return absl::InvalidArgumentError(fmt::format("parameter 'batch' must be in [1, {}], got {}", kMaxBatch,
                                                  accelerator.batch));
  }
  accelerator.name = accelerator.topology + "-" + accelerator.precision + "-" + fpga::FormatNumber(accelerator.pruning);
  accelerator.package = fs::path(options_.bitstream_dir) / accelerator.name;
  accelerator.bitfile = accelerator.package / "bitfile" / "finn-accel.bit";
  accelerator.driver_py = accelerator.package / "driver" / "driver.py";
  accelerator.runtime_weights = accelerator.package / "driver" / "runtime_weights";
  return accelerator;
}

absl::StatusOr<FinnDriver::Prepared> FinnDriver::PrepareAccelerator(const Accelerator& accelerator) const {
  std::error_code error;
  if (!fs::is_directory(accelerator.package, error)) {
    return absl::FailedPreconditionError(
        fmt::format("finn has no accelerator for {} {} at pruning {}: no package {} (packages: {})",
                    accelerator.topology, accelerator.precision, fpga::FormatNumber(accelerator.pruning),
                    accelerator.package.string(), ListPackages(options_.bitstream_dir)));
  }
  for (const fs::path& needed : {accelerator.bitfile, accelerator.driver_py}) {
    if (!IsFile(needed)) {
      return absl::FailedPreconditionError("finn package " + accelerator.name + " is incomplete: no file " +
                                           needed.string());
    }
  }
  absl::StatusOr<std::string> sha256 = Sha256HexOfFile(accelerator.bitfile.string());
  if (!sha256.ok()) return absl::UnavailableError("hash bitfile: " + std::string(sha256.status().message()));
  Prepared prepared;
  prepared.package = accelerator.package.string();
  auto& env = *prepared.environment.mutable_entries();
  env["package"] = accelerator.name;
  env["bitfile"] = accelerator.bitfile.string();
  env["bitfile_sha256"] = *sha256;
  return prepared;
}

absl::StatusOr<benchd::v1::Environment> FinnDriver::Prepare(const RunRequest& request,
                                                            const std::atomic<bool>& cancel) {
  const std::string context = fmt::format("finn prepare '{}'", request.config_key);
  absl::StatusOr<Accelerator> accelerator = SelectAccelerator(request.parameters);
  if (!accelerator.ok()) return common::WithContext(accelerator.status(), context);
  absl::StatusOr<Prepared> prepared = PrepareAccelerator(*accelerator);
  if (!prepared.ok()) return common::WithContext(prepared.status(), context);
  prepared_ = *std::move(prepared);
  return prepared_->environment;
}

absl::StatusOr<FinnDriver::Launched> FinnDriver::RunOnce(const std::vector<std::string>& argv,
                                                         const std::string& work_dir, milliseconds timeout,
                                                         const std::atomic<bool>& cancel, std::string* log) {
  const fs::path metrics_path = fs::path(work_dir) / kMetricsFile;
  // driver.py removes a stale file itself, but a driver that dies before that
  // must not leave the previous launch's figures to be read again.
  std::error_code error;
  fs::remove(metrics_path, error);
  common::ProcessSpec spec;
  spec.argv = argv;
  spec.extra_env = options_.env;
  spec.working_dir = work_dir;
  spec.timeout = timeout;
  BENCHD_ASSIGN_OR_RETURN(const common::ProcessOutcome outcome, fpga::Launch(runner_, spec, &cancel));
  *log += "---- stdout\n" + outcome.stdout_text + "---- stderr\n" + outcome.stderr_text;
  BENCHD_RETURN_IF_ERROR(fpga::OutcomeStatus(outcome));
  absl::StatusOr<std::string> text = fpga::ReadFile(metrics_path.string());
  if (!text.ok()) {
    return absl::DataLossError("driver.py exited 0 but wrote no " + std::string(kMetricsFile) + "; stdout: " +
                               std::string(Trim(TailLines(outcome.stdout_text, kStdoutTailBytes))));
  }
  *log += "---- " + std::string(kMetricsFile) + "\n" + *text + "\n";
  BENCHD_ASSIGN_OR_RETURN(FinnMetrics metrics, ParseFinnMetrics(*text));
  // throughput_test times one execution and has no warm-up of its own.
  std::vector<PhaseMark> phases = ToolRunPhases(outcome, *metrics.runtime.mean_us * 1e-6, 0);
  return Launched{std::move(metrics), std::move(phases)};
}

absl::StatusOr<RunResult> FinnDriver::Run(const RunRequest& request, const std::atomic<bool>& cancel) {
  const std::string context = fmt::format("finn run {}", request.run_id);
  if (request.work_dir.empty()) return absl::InternalError(context + ": no run directory");
  absl::StatusOr<Accelerator> accelerator = SelectAccelerator(request.parameters);
  if (!accelerator.ok()) return common::WithContext(accelerator.status(), context);
  absl::StatusOr<fpga::Settings> settings = fpga::ReadSettings(request.settings, kDefaultWarmup, kDefaultIterations);
  if (!settings.ok()) return common::WithContext(settings.status(), context);
  if (!prepared_ || prepared_->package != accelerator->package.string()) {
    absl::StatusOr<Prepared> prepared = PrepareAccelerator(*accelerator);
    if (!prepared.ok()) return common::WithContext(prepared.status(), context);
    prepared_ = *std::move(prepared);
  }

  // clang-format off
  std::vector<std::string> argv = {options_.python, accelerator->driver_py.string(),
                                   "--exec_mode", "throughput_test",
                                   "--platform", options_.platform,
                                   "--batchsize", std::to_string(accelerator->batch),
                                   "--bitfile", accelerator->bitfile.string()};
  // clang-format on
  std::error_code error;
  if (fs::is_directory(accelerator->runtime_weights, error)) {
    argv.insert(argv.end(), {"--runtime_weight_dir", accelerator->runtime_weights.string() + "/"});
  }

  const fpga::RunDeadline deadline(settings->timeout.value_or(kDefaultTimeout));
  RunResult result;
  std::vector<double> all_us;
  Mean throughput, fclk, dram_in, dram_out;
  std::map<std::string, Mean> host_us;
  bool legacy_keys = false;
  for (int repeat = 0; repeat < settings->repeats; ++repeat) {
    RepeatSamples samples;
    samples.repeat = repeat;
    samples.kind = benchd::v1::LATENCY_KIND_COMPUTE;
    std::string log;
    const int launches = settings->warmup + settings->iterations;
    for (int launch = 0; launch < launches; ++launch) {
      const std::string what = fmt::format("{} repeat {} launch {}", context, repeat, launch);
      if (cancel.load()) return absl::CancelledError(what + ": cancelled");
      BENCHD_ASSIGN_OR_RETURN(const milliseconds remaining, deadline.Remaining(what));
      log += fmt::format("==== launch {}{}\n", launch, launch < settings->warmup ? " (warm-up)" : "");
      absl::StatusOr<Launched> launched = RunOnce(argv, request.work_dir, remaining, cancel, &log);
      if (!launched.ok()) {
        fpga::SaveArtifact(request.work_dir, fmt::format("finn-repeat-{}.log", repeat), log);
        return common::WithContext(launched.status(), what);
      }
      const FinnMetrics& metrics = launched->metrics;
      if (metrics.batch_size != accelerator->batch) {
        return absl::InternalError(
            fmt::format("{}: driver.py measured batch {}, asked for {}", what, metrics.batch_size, accelerator->batch));
      }
      for (PhaseMark mark : launched->phases) {
        if (mark.phase == power::Phase::kMeasure && launch < settings->warmup) mark.phase = power::Phase::kWarmup;
        result.phases.push_back(mark);
      }
      if (launch < settings->warmup) continue;
      samples.latency_us.push_back(*metrics.runtime.mean_us);
      throughput.Add(metrics.throughput_items_per_s);
      if (metrics.fclk_mhz) fclk.Add(*metrics.fclk_mhz);
      if (metrics.dram_in_mb_s) dram_in.Add(*metrics.dram_in_mb_s);
      if (metrics.dram_out_mb_s) dram_out.Add(*metrics.dram_out_mb_s);
      for (const auto& [step, us] : metrics.host_us) host_us[step].Add(us);
      legacy_keys = legacy_keys || metrics.key_style == FinnMetrics::KeyStyle::kLegacy;
    }
    fpga::SaveArtifact(request.work_dir, fmt::format("finn-repeat-{}.log", repeat), log);
    all_us.insert(all_us.end(), samples.latency_us.begin(), samples.latency_us.end());
    result.repeats.push_back(std::move(samples));
  }

  benchd::v1::RunSummary& summary = result.summary;
  summary.set_latency_kind(benchd::v1::LATENCY_KIND_COMPUTE);
  *summary.mutable_latency() = common::ComputeLatencyStats(all_us);
  const double mean_us = summary.latency().mean_us();
  const auto batch = static_cast<double>(accelerator->batch);
  if (mean_us > 0) {
    summary.set_fps(batch * 1e6 / mean_us);
    // GOPS only for networks with a layer table; others have no op count here.
    absl::StatusOr<fpga::TopologyShape> shape = fpga::QutibenchTopology(accelerator->topology, accelerator->pruning);
    if (shape.ok()) {
      summary.set_gops(static_cast<double>(shape->ops_per_inference) * batch / (mean_us * 1e-6) / 1e9);
    }
  }
  summary.set_inferences(static_cast<int64_t>(all_us.size()) * accelerator->batch);
  *summary.add_extra() = MakeMetric("batch", batch, "item");
  *summary.add_extra() = MakeMetric("throughput_tool", throughput.Value(), "item/s");
  if (fclk.count > 0) *summary.add_extra() = MakeMetric("fclk_mhz", fclk.Value(), "MHz");
  if (dram_in.count > 0) *summary.add_extra() = MakeMetric("dram_in_mb_s", dram_in.Value(), "MB/s");
  if (dram_out.count > 0) *summary.add_extra() = MakeMetric("dram_out_mb_s", dram_out.Value(), "MB/s");
  for (const auto& [step, mean] : host_us) *summary.add_extra() = MakeMetric(step + "_us", mean.Value(), "us");

  result.environment = probed_;
  auto& env = *result.environment.mutable_entries();
  for (const auto& [key, value] : prepared_->environment.entries()) env[key] = value;
  env["driver"] = kName;
  env["platform_flag"] = options_.platform;
  env["metrics_keys"] = legacy_keys ? "legacy" : "current";
  return result;
}

absl::StatusOr<benchd::v1::Environment> FinnDriver::Probe() {
  const std::string context = "probe finn with '" + options_.python + "'";
  std::error_code error;
  if (!fs::is_directory(options_.bitstream_dir, error)) {
    return absl::UnavailableError(context + ": bitstream_dir '" + options_.bitstream_dir + "' is not a directory");
  }
  absl::StatusOr<common::ProcessOutcome> outcome =
      fpga::RunProbe(runner_, {options_.python, "-c", kProbeCode}, options_.env, kProbeTimeout, context);
  if (!outcome.ok()) return outcome.status();
  absl::StatusOr<FinnRuntimeInfo> info = ParseFinnProbe(outcome->stdout_text);
  if (!info.ok()) return absl::UnavailableError(context + ": " + std::string(info.status().message()));
  benchd::v1::Environment environment;
  auto& env = *environment.mutable_entries();
  env["driver"] = kName;
  env["python_version"] = info->python_version;
  env["pynq_version"] = info->pynq_version;
  env["packages"] = ListPackages(options_.bitstream_dir);
  probed_ = environment;
  return environment;
}

}  // namespace benchd::agent
