#include "agents/drivers/vitis_dpu_driver.h"

#include <cmath>
#include <filesystem>
#include <vector>

#include "agents/drivers/driver_util.h"
#include "agents/drivers/fpga_driver_support.h"
#include "agents/drivers/tool_driver_support.h"
#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int64_t kMaxThreads = 64;
constexpr int64_t kMaxSeconds = 3600;
// Loading an xmodel and the images takes tens of seconds on an Ultra96.
constexpr seconds kStartupAllowance{120};
constexpr seconds kProbeTimeout{30};
constexpr std::string_view kModelPrefix = "model.";

// Vitis AI Model Zoo names of the QuTiBench networks.
std::map<std::string, std::string> DefaultModels() {
  return {{"ResNet-50", "resnet50"}, {"GoogLeNetv1", "inception_v1"}, {"MobileNetv1", "mobilenet_v1_1_0_224"}};
}

std::string KnownTopologies(const std::map<std::string, std::string>& models) {
  std::string known;
  for (const auto& [key, unused] : models) {
    if (key.find('@') != std::string::npos) continue;
    known += (known.empty() ? "" : ", ") + key;
  }
  return known;
}

}  // namespace

struct VitisDpuDriver::Plan {
  std::string topology;
  std::string model;
  int64_t threads = 1;
  int64_t seconds = 30;
  int repeats = 1;
  milliseconds timeout{0};
  std::vector<std::string> argv;
};

absl::StatusOr<std::unique_ptr<Driver>> VitisDpuDriver::Create(const DriverOptions& options,
                                                               common::ProcessRunner& runner) {
  DriverOptions remaining = options;
  Options parsed;
  BENCHD_ASSIGN_OR_RETURN(parsed.env, fpga::TakeEnvOptions(kName, remaining));
  parsed.models = DefaultModels();
  for (const auto& [key, value] : remaining) {
    if (value.empty() && key != "model_dir") {
      return absl::InvalidArgumentError(std::string(kName) + " option '" + key + "' is empty");
    }
    if (key == "tool") {
      parsed.tool = value;
    } else if (key == "xdputil") {
      parsed.xdputil = value;
    } else if (key == "image_list") {
      parsed.image_list = value;
    } else if (key == "model_dir") {
      parsed.model_dir = value;
    } else if (key == "seconds") {
      BENCHD_ASSIGN_OR_RETURN(int64_t seconds, IntOption(kName, key, value, 1, kMaxSeconds));
      parsed.seconds = static_cast<int>(seconds);
    } else if (key.starts_with(kModelPrefix) && key.size() > kModelPrefix.size()) {
      if (!fpga::IsSafePathComponent(value)) {
        return absl::InvalidArgumentError(std::string(kName) + " option '" + key + "': model name '" + value +
                                          "' must be one path component");
      }
      parsed.models[key.substr(kModelPrefix.size())] = value;
    } else {
      return absl::InvalidArgumentError(std::string(kName) + " option '" + key +
                                        "' is unknown: known are tool, xdputil, image_list, model_dir, seconds, "
                                        "model.<Topology>[@<pruning>], env.<NAME>");
    }
  }
  if (parsed.image_list.empty()) {
    return absl::InvalidArgumentError(std::string(kName) + " option 'image_list' is required");
  }
  return std::make_unique<VitisDpuDriver>(std::move(parsed), runner);
}

VitisDpuDriver::VitisDpuDriver(Options options, common::ProcessRunner& runner)
    : options_(std::move(options)), runner_(runner) {}

absl::StatusOr<VitisDpuDriver::Plan> VitisDpuDriver::PlanRun(const RunRequest& request) const {
  const benchd::v1::Parameters& parameters = request.parameters;
  Plan plan;
  BENCHD_ASSIGN_OR_RETURN(const std::string precision, fpga::PrecisionParam(parameters));
  if (precision != "INT8") {
    return absl::FailedPreconditionError("vitis-dpu cannot run precision " + precision +
                                         ": the DPUCZDX8G computes in INT8 only");
  }
  BENCHD_ASSIGN_OR_RETURN(std::optional<std::string> topology, fpga::StringParam(parameters, "topology"));
  if (!topology) return absl::InvalidArgumentError("parameter 'topology' is required");
  plan.topology = *topology;
  BENCHD_ASSIGN_OR_RETURN(const double pruning, fpga::NumberParam(parameters, "pruning", 100));
  if (!(pruning > 0 && pruning <= 100)) {
    return absl::InvalidArgumentError("parameter 'pruning' must be in (0, 100], got " + fpga::FormatNumber(pruning));
  }
  const std::string key = pruning == 100 ? plan.topology : plan.topology + "@" + fpga::FormatNumber(pruning);
  auto model = options_.models.find(key);
  if (model == options_.models.end()) {
    return absl::FailedPreconditionError("vitis-dpu has no model for topology '" + key +
                                         "' (set option model." + key + "; known: " +
                                         KnownTopologies(options_.models) + ")");
  }
  plan.model = model->second;

  BENCHD_ASSIGN_OR_RETURN(const int64_t batch, fpga::IntParam(parameters, "batch", 0));
  BENCHD_ASSIGN_OR_RETURN(plan.threads, fpga::IntParam(parameters, "threads", batch > 0 ? batch : 1));
  if (batch > 0 && batch != plan.threads) {
    return absl::InvalidArgumentError(fmt::format(
        "parameters 'threads' ({}) and 'batch' ({}) both name the thread count and disagree", plan.threads, batch));
  }
  if (plan.threads < 1 || plan.threads > kMaxThreads) {
    return absl::InvalidArgumentError(fmt::format("threads must be in [1, {}], got {}", kMaxThreads, plan.threads));
  }
  BENCHD_ASSIGN_OR_RETURN(plan.seconds, fpga::IntParam(parameters, "seconds", options_.seconds));
  if (plan.seconds < 1 || plan.seconds > kMaxSeconds) {
    return absl::InvalidArgumentError(fmt::format("seconds must be in [1, {}], got {}", kMaxSeconds, plan.seconds));
  }
  BENCHD_ASSIGN_OR_RETURN(const fpga::Settings settings, fpga::ReadSettings(request.settings, 0, 0));
  plan.repeats = settings.repeats;
  plan.timeout = settings.timeout.value_or(plan.repeats * (seconds(plan.seconds) + kStartupAllowance));

  std::string model_argument = plan.model;
  if (!options_.model_dir.empty()) {
    model_argument = options_.model_dir + "/" + plan.model + "/" + plan.model + ".xmodel";
    std::error_code error;
    if (!std::filesystem::is_regular_file(model_argument, error)) {
      return absl::FailedPreconditionError("vitis-dpu: model '" + plan.model + "' is not deployed: no file " +
                                           model_argument);
    }
  }
  // clang-format off
  plan.argv = {options_.tool, model_argument, options_.image_list,
               "-t", std::to_string(plan.threads),
               "-s", std::to_string(plan.seconds)};
  // clang-format on
  return plan;
}

absl::Status VitisDpuDriver::Check(const RunRequest& request) const {
  return common::WithContext(PlanRun(request).status(), fmt::format("vitis-dpu run {}", request.run_id));
}

absl::StatusOr<RunResult> VitisDpuDriver::Run(const RunRequest& request, const std::atomic<bool>& cancel) {
  const std::string context = fmt::format("vitis-dpu run {}", request.run_id);
  absl::StatusOr<Plan> plan = PlanRun(request);
  if (!plan.ok()) return common::WithContext(plan.status(), context);

  const fpga::RunDeadline deadline(plan->timeout);
  std::vector<PhaseMark> phases;
  double fps_sum = 0;
  double calls = 0;
  double e2e_weighted = 0;
  double dpu_weighted = 0;
  double dpu_calls = 0;
  bool fps_only = false;
  for (int repeat = 0; repeat < plan->repeats; ++repeat) {
    const std::string what = fmt::format("{} repeat {}", context, repeat);
    if (cancel.load()) return absl::CancelledError(what + ": cancelled");
    BENCHD_ASSIGN_OR_RETURN(const milliseconds remaining, deadline.Remaining(what));
    common::ProcessSpec spec;
    spec.argv = plan->argv;
    spec.extra_env = options_.env;
    spec.working_dir = request.work_dir;
    spec.timeout = remaining;
    absl::StatusOr<common::ProcessOutcome> outcome = fpga::Launch(runner_, spec, &cancel);
    if (!outcome.ok()) return common::WithContext(outcome.status(), what);
    const std::string stem = fmt::format("test_performance-repeat-{}", repeat);
    fpga::SaveArtifact(request.work_dir, stem + ".stdout", outcome->stdout_text);
    fpga::SaveArtifact(request.work_dir, stem + ".stderr", outcome->stderr_text);
    BENCHD_RETURN_IF_ERROR(common::WithContext(fpga::OutcomeStatus(*outcome), what));
    absl::StatusOr<VitisPerformance> report = ParseVitisPerformance(outcome->stdout_text);
    if (!report.ok()) return common::WithContext(report.status(), what);
    const std::vector<PhaseMark> marks = ToolRunPhases(*outcome, static_cast<double>(plan->seconds), 0);
    phases.insert(phases.end(), marks.begin(), marks.end());

    // One image per call on a DPUCZDX8G: the calls behind each mean are the
    // images the run processed.
    const double repeat_calls = std::round(report->fps * static_cast<double>(plan->seconds));
    fps_sum += report->fps;
    if (report->e2e_mean) {
      calls += repeat_calls;
      e2e_weighted += repeat_calls * *report->e2e_mean->mean_us;
    } else {
      fps_only = true;
    }
    if (report->dpu_mean) {
      dpu_calls += repeat_calls;
      dpu_weighted += repeat_calls * *report->dpu_mean->mean_us;
    }
  }

  RunResult result;
  result.phases = std::move(phases);
  benchd::v1::RunSummary& summary = result.summary;
  summary.set_fps(fps_sum / plan->repeats);
  if (!fps_only && calls > 0) {
    summary.set_latency_kind(benchd::v1::LATENCY_KIND_SYSTEM);
    summary.mutable_latency()->set_count(static_cast<int64_t>(calls));
    summary.mutable_latency()->set_mean_us(e2e_weighted / calls);
    summary.set_inferences(static_cast<int64_t>(calls));
  }
  if (!fps_only && dpu_calls > 0) {
    *summary.add_extra() = MakeMetric("dpu_mean_us", dpu_weighted / dpu_calls, "us");
  }
  *summary.add_extra() = MakeMetric("threads", static_cast<double>(plan->threads), "thread");
  *summary.add_extra() = MakeMetric("seconds", static_cast<double>(plan->seconds), "s");

  result.environment = probed_;
  auto& env = *result.environment.mutable_entries();
  env["driver"] = kName;
  env["tool"] = options_.tool;
  env["model"] = plan->model;
  env["model_argument"] = plan->argv[1];
  env["image_list"] = options_.image_list;
  env["report"] = fps_only ? "fps-only" : "fps+means";
  return result;
}

absl::StatusOr<benchd::v1::Environment> VitisDpuDriver::Probe() {
  const std::string context = "probe vitis-dpu with '" + options_.xdputil + " query'";
  std::error_code error;
  if (!std::filesystem::is_regular_file(options_.image_list, error)) {
    return absl::UnavailableError(context + ": image list '" + options_.image_list + "' is not a file");
  }
  absl::StatusOr<common::ProcessOutcome> outcome =
      fpga::RunProbe(runner_, {options_.xdputil, "query"}, options_.env, kProbeTimeout, context);
  if (!outcome.ok()) return outcome.status();
  absl::StatusOr<XdputilInfo> info = ParseXdputilQuery(outcome->stdout_text);
  if (!info.ok()) return absl::UnavailableError(context + ": " + std::string(info.status().message()));

  benchd::v1::Environment environment;
  auto& env = *environment.mutable_entries();
  env["driver"] = kName;
  env["dpu_arch"] = info->dpu_arch;
  env["dpu_frequency_mhz"] = fpga::FormatNumber(info->dpu_frequency_mhz);
  env["dpu_cores"] = std::to_string(info->dpu_cores);
  env["dpu_ip_version"] = info->ip_version;
  env["vitis_ai_version"] = info->vitis_ai_version;
  env["vart_version"] = info->vart_version;
  probed_ = environment;
  return environment;
}

}  // namespace benchd::agent
