#include "agents/drivers/openvino_driver.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "agents/drivers/driver_util.h"
#include "agents/drivers/tool_driver_support.h"
#include "agents/parsers/benchmark_app_parser.h"
#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::agent {
namespace {

using std::chrono::milliseconds;

constexpr int64_t kMaxBatch = 256;
constexpr int64_t kMaxRequests = 64;
constexpr milliseconds kProbeTimeout = std::chrono::seconds(60);

double MedianOf(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace

struct OpenVinoDriver::Plan {
  int64_t batch = 1;
  std::string api;
  RunLimits limits;
  std::string model_path;
  std::vector<std::string> argv;
};

absl::StatusOr<std::unique_ptr<Driver>> OpenVinoDriver::Create(const DriverOptions& options,
                                                               common::ProcessRunner& runner) {
  OptionReader reader(kName, options);
  Options parsed;
  parsed.benchmark_app = reader.String("benchmark_app", parsed.benchmark_app);
  BENCHD_ASSIGN_OR_RETURN(parsed.model_dir, reader.Required("model_dir"));
  BENCHD_ASSIGN_OR_RETURN(std::string format, reader.Choice("model_format", "xml", {"xml", "onnx"}));
  parsed.model_extension = "." + format;
  parsed.device = reader.String("device", parsed.device);
  BENCHD_ASSIGN_OR_RETURN(parsed.api, reader.Choice("api", parsed.api, {"sync", "async"}));
  BENCHD_ASSIGN_OR_RETURN(int64_t nireq, reader.Int("nireq", 0, 0, kMaxRequests));
  BENCHD_ASSIGN_OR_RETURN(int64_t nstreams, reader.Int("nstreams", 0, 0, kMaxRequests));
  if (nireq > 0) parsed.nireq = nireq;
  if (nstreams > 0) parsed.nstreams = nstreams;
  parsed.environment = reader.Environment();
  BENCHD_RETURN_IF_ERROR(reader.CheckAllRead());
  return std::make_unique<OpenVinoDriver>(std::move(parsed), runner);
}

OpenVinoDriver::OpenVinoDriver(Options options, common::ProcessRunner& runner)
    : options_(std::move(options)), runner_(runner) {}

absl::StatusOr<OpenVinoDriver::Plan> OpenVinoDriver::PlanRun(const RunRequest& request) const {
  const benchd::v1::Parameters& parameters = request.parameters;
  Plan plan;
  BENCHD_ASSIGN_OR_RETURN(std::string precision, RequiredString(parameters, "precision"));
  if (Upper(precision) != "FP16") {
    return absl::FailedPreconditionError("openvino (MYRIAD) cannot run precision " + precision +
                                         ": the Myriad X runs FP16 only");
  }
  BENCHD_ASSIGN_OR_RETURN(std::string topology, RequiredString(parameters, "topology"));
  BENCHD_ASSIGN_OR_RETURN(double pruning, NumberParam(parameters, "pruning", 100));
  BENCHD_ASSIGN_OR_RETURN(std::string stem, ModelStem(topology, pruning));
  BENCHD_ASSIGN_OR_RETURN(plan.batch, IntParam(parameters, "batch", 1, 1, kMaxBatch));
  BENCHD_ASSIGN_OR_RETURN(std::optional<std::string> api, OptionalString(parameters, "api"));
  plan.api = api ? Lower(*api) : options_.api;
  if (plan.api != "sync" && plan.api != "async") {
    return absl::InvalidArgumentError("parameter 'api' must be sync or async, got '" + *api + "'");
  }
  BENCHD_ASSIGN_OR_RETURN(int64_t nireq, IntParam(parameters, "nireq", options_.nireq.value_or(0), 1, kMaxRequests));
  BENCHD_ASSIGN_OR_RETURN(int64_t nstreams,
                          IntParam(parameters, "nstreams", options_.nstreams.value_or(0), 1, kMaxRequests));
  BENCHD_ASSIGN_OR_RETURN(plan.limits, LimitsFrom(request.settings));

  BENCHD_ASSIGN_OR_RETURN(plan.model_path, DeployedModel(kName, options_.model_dir, stem + options_.model_extension));
  // clang-format off
  plan.argv = {options_.benchmark_app,
               "-m", plan.model_path,
               "-d", options_.device,
               "-b", std::to_string(plan.batch),
               "-api", plan.api,
               "-niter", std::to_string(plan.limits.iterations)};
  // clang-format on
  if (nireq > 0) plan.argv.insert(plan.argv.end(), {"-nireq", std::to_string(nireq)});
  if (nstreams > 0) plan.argv.insert(plan.argv.end(), {"-nstreams", std::to_string(nstreams)});
  return plan;
}

absl::Status OpenVinoDriver::Check(const RunRequest& request) const {
  return common::WithContext(PlanRun(request).status(), fmt::format("openvino run {}", request.run_id));
}

absl::StatusOr<RunResult> OpenVinoDriver::Run(const RunRequest& request, const std::atomic<bool>& cancel) {
  const std::string context = fmt::format("openvino run {}", request.run_id);
  absl::StatusOr<Plan> plan = PlanRun(request);
  if (!plan.ok()) return common::WithContext(plan.status(), context);

  std::vector<PhaseMark> phases;
  absl::StatusOr<std::vector<BenchmarkAppOutput>> repeated = RunParsedRepeats<BenchmarkAppOutput>(
      runner_, plan->argv, options_.environment, request.work_dir, plan->limits, context, "benchmark_app", cancel,
      [&phases](const common::ProcessOutcome& outcome) {
        absl::StatusOr<BenchmarkAppOutput> output = ParseBenchmarkAppOutput(outcome.stdout_text);
        if (output.ok()) {
          const std::vector<PhaseMark> marks =
              ToolRunPhases(outcome, output->duration_us * 1e-6, output->first_inference_us.value_or(0) * 1e-6);
          phases.insert(phases.end(), marks.begin(), marks.end());
        }
        return output;
      });
  if (!repeated.ok()) return repeated.status();
  const std::vector<BenchmarkAppOutput>& outputs = *repeated;

  // Summary statistics only (see the header): combine the repeats' figures.
  int64_t count = 0;
  double weighted_mean = 0, fps = 0, min_us = std::numeric_limits<double>::infinity(), max_us = 0;
  bool mean_known = true, min_max_known = true;
  std::vector<double> medians;
  RunResult result;
  for (const BenchmarkAppOutput& out : outputs) {
    count += out.count;
    std::optional<double> mean = out.latency.mean_us;
    if (!mean && out.api == "sync" && out.count > 0) mean = out.duration_us / static_cast<double>(out.count);
    LatencyFigures repeat = out.latency;
    repeat.count = out.count;
    repeat.mean_us = mean;
    result.repeat_stats.push_back(StatsFromFigures(repeat, std::nullopt));
    mean_known = mean_known && mean.has_value();
    if (mean) weighted_mean += *mean * static_cast<double>(out.count);
    min_max_known = min_max_known && out.latency.min_us && out.latency.max_us;
    if (out.latency.min_us) min_us = std::min(min_us, *out.latency.min_us);
    if (out.latency.max_us) max_us = std::max(max_us, *out.latency.max_us);
    if (out.latency.median_us) medians.push_back(*out.latency.median_us);
    fps += out.throughput_fps;
  }
  const BenchmarkAppOutput& last = outputs.back();
  LatencyFigures figures = last.latency;
  figures.count = count;
  figures.mean_us = mean_known && count > 0 ? std::optional<double>(weighted_mean / static_cast<double>(count))
                                            : std::nullopt;
  figures.min_us = min_max_known ? std::optional<double>(min_us) : std::nullopt;
  figures.max_us = min_max_known ? std::optional<double>(max_us) : std::nullopt;
  figures.median_us = medians.empty() ? std::nullopt : std::optional<double>(MedianOf(medians));
  if (outputs.size() > 1) figures.percentiles_us.clear();  // not combinable

  result.phases = std::move(phases);
  benchd::v1::RunSummary& summary = result.summary;
  summary.set_latency_kind(benchd::v1::LATENCY_KIND_SYSTEM);
  *summary.mutable_latency() = StatsFromFigures(figures, std::nullopt);
  summary.set_fps(fps / static_cast<double>(outputs.size()));
  summary.set_inferences(count * plan->batch);
  if (last.first_inference_us) *summary.add_extra() = MakeMetric("first_inference_us", *last.first_inference_us, "us");
  *summary.add_extra() = MakeMetric("throughput_fps", summary.fps(), "item/s");
  *summary.add_extra() = MakeMetric("iterations", static_cast<double>(count), "request");
  *summary.add_extra() = MakeMetric("batch", static_cast<double>(plan->batch), "item");

  auto& entries = *result.environment.mutable_entries();
  entries["driver"] = kName;
  entries["benchmark_app"] = options_.benchmark_app;
  entries["openvino_version"] = last.openvino_version.empty() ? "unknown" : last.openvino_version;
  entries["report_format"] = last.format == BenchmarkAppFormat::k2021 ? "2021" : "2022";
  entries["device"] = options_.device;
  entries["model"] = plan->model_path;
  entries["api"] = last.api.empty() ? plan->api : last.api;
  if (last.infer_requests) entries["infer_requests"] = std::to_string(*last.infer_requests);
  if (last.streams) entries["streams"] = std::to_string(*last.streams);
  entries["latency_scope"] = ScopeName(last.latency.scope);
  entries["latency_definition"] = last.latency.scope == LatencyScope::kQueued
                                      ? "per request, including waiting for the other requests (async)"
                                      : "per request (one batch), host-measured";
  entries["mean_source"] = !figures.mean_us             ? "not reported"
                           : last.latency.mean_us       ? "reported"
                                                        : "duration/count (sync)";
  entries["per_inference_samples"] = "none: benchmark_app reports summary statistics only";
  if (last.throughput_derived) entries["throughput_derived"] = "true (2021 sync: batch x 1000 / median latency)";
  return result;
}

absl::StatusOr<benchd::v1::Environment> OpenVinoDriver::Probe() {
  common::ProcessSpec spec;
  spec.argv = {options_.benchmark_app, "-h"};
  spec.extra_env = options_.environment;
  spec.timeout = kProbeTimeout;
  absl::StatusOr<common::ProcessOutcome> help = RunTool(runner_, spec, nullptr, "", "");
  if (!help.ok()) return common::WithContext(help.status(), "probe openvino");
  absl::StatusOr<std::vector<std::string>> devices = ParseBenchmarkAppDevices(help->stdout_text);
  if (!devices.ok()) return absl::UnavailableError("probe openvino: " + std::string(devices.status().message()));
  // "MYRIAD.1.2-ma2480" is listed as MYRIAD; MULTI/HETERO are virtual devices.
  const std::string device_type = options_.device.substr(0, options_.device.find_first_of(".:"));
  const bool virtual_device = device_type == "MULTI" || device_type == "HETERO" || device_type == "AUTO";
  if (!virtual_device && std::find(devices->begin(), devices->end(), device_type) == devices->end()) {
    return absl::UnavailableError(fmt::format("probe openvino: device {} is not among the available target devices: {}",
                                              device_type, fmt::join(*devices, " ")));
  }
  benchd::v1::Environment environment;
  auto& entries = *environment.mutable_entries();
  entries["driver"] = kName;
  entries["benchmark_app"] = options_.benchmark_app;
  entries["device"] = options_.device;
  entries["available_devices"] = fmt::format("{}", fmt::join(*devices, " "));
  entries["model_dir"] = options_.model_dir;
  return environment;
}

}  // namespace benchd::agent
