#include "agents/drivers/host_cpu_driver.h"

#include "agents/drivers/driver_util.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <fstream>
#include <thread>
#include <vector>

#include "agents/parsers/text_scan.h"
#include "common/proto_json.h"
#include "common/statistics.h"
#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"
#include "spdlog/spdlog.h"

namespace benchd::agent {
namespace {

using std::chrono::milliseconds;

constexpr std::array<std::string_view, 2> kSupportedPrecisions = {"FP32", "INT8"};
constexpr int kDefaultWarmup = 10;
constexpr int kDefaultIterations = 100;
constexpr int64_t kMaxBatch = 4096;
constexpr milliseconds kDefaultTimeout = std::chrono::minutes(10);
constexpr milliseconds kProbeTimeout = std::chrono::seconds(30);
// Exit codes of benchd-host-mlp (agents/host_runtime/main.cc).
constexpr int kRuntimeExitUnsupportedPrecision = 2;
constexpr int kRuntimeExitUsage = 64;

std::string Upper(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return upper;
}

std::string SupportedPrecisionList() {
  std::string list;
  for (std::string_view precision : kSupportedPrecisions) {
    if (!list.empty()) list += ", ";
    list += precision;
  }
  return list;
}

absl::StatusOr<int64_t> IntParam(const benchd::v1::Parameters& parameters, const std::string& name,
                                 int64_t default_value) {
  const benchd::v1::ParamValue* value = common::FindParam(parameters, name);
  if (value == nullptr) return default_value;
  if (value->kind_case() != benchd::v1::ParamValue::kIntValue) {
    return absl::InvalidArgumentError("parameter '" + name + "' must be an integer, got '" +
                                      common::ParamValueToString(*value) + "'");
  }
  return value->int_value();
}

absl::StatusOr<double> NumberParam(const benchd::v1::Parameters& parameters,
                                   const std::string& name, double default_value) {
  const benchd::v1::ParamValue* value = common::FindParam(parameters, name);
  if (value == nullptr) return default_value;
  if (value->kind_case() == benchd::v1::ParamValue::kIntValue) {
    return static_cast<double>(value->int_value());
  }
  if (value->kind_case() == benchd::v1::ParamValue::kDoubleValue) return value->double_value();
  return absl::InvalidArgumentError("parameter '" + name + "' must be a number, got '" +
                                    common::ParamValueToString(*value) + "'");
}

// Keeps the raw output next to the run's other artifacts, so a surprising
// figure can be traced to what the runtime printed. Losing it is not worth
// failing a measurement for.
void SaveRawOutput(const std::string& work_dir, int repeat, const common::ProcessOutcome& outcome) {
  if (work_dir.empty()) return;
  const std::string stem = work_dir + "/host-mlp-repeat-" + std::to_string(repeat);
  for (const auto& [suffix, text] :
       {std::pair{".stdout", &outcome.stdout_text}, std::pair{".stderr", &outcome.stderr_text}}) {
    std::ofstream file(stem + suffix, std::ios::binary | std::ios::trunc);
    file << *text;
    if (!file) spdlog::warn("host-cpu: could not write raw output {}{}", stem, suffix);
  }
}

}  // namespace

struct HostCpuDriver::Plan {
  std::string precision;  // canonical, upper case
  int64_t batch = 1;
  int warmup = kDefaultWarmup;
  int iterations = kDefaultIterations;
  int repeats = 1;
  milliseconds timeout = kDefaultTimeout;
  std::vector<std::string> argv;
};

absl::StatusOr<std::unique_ptr<Driver>> HostCpuDriver::Create(const DriverOptions& options,
                                                              common::ProcessRunner& runner) {
  Options parsed;
  const unsigned cores = std::thread::hardware_concurrency();
  parsed.threads = cores > 0 ? static_cast<int>(cores) : 1;
  for (const auto& [key, value] : options) {
    if (key == "runtime") {
      if (value.empty()) return absl::InvalidArgumentError("host-cpu option 'runtime' is empty");
      parsed.runtime = value;
    } else if (key == "threads") {
      absl::StatusOr<int64_t> threads = ParseInt64(value);
      if (!threads.ok() || *threads < 1 || *threads > 4096) {
        return absl::InvalidArgumentError(
            "host-cpu option 'threads' must be an integer in [1, 4096], got '" + value + "'");
      }
      parsed.threads = static_cast<int>(*threads);
    } else {
      return absl::InvalidArgumentError("host-cpu option '" + key +
                                        "' is unknown: known are runtime, threads");
    }
  }
  return std::make_unique<HostCpuDriver>(std::move(parsed), runner);
}

HostCpuDriver::HostCpuDriver(Options options, common::ProcessRunner& runner)
    : options_(std::move(options)), runner_(runner), host_info_(ReadHostInfo()) {}

absl::StatusOr<HostCpuDriver::Plan> HostCpuDriver::PlanRun(const RunRequest& request) const {
  const benchd::v1::Parameters& parameters = request.parameters;
  const benchd::v1::ParamValue* precision = common::FindParam(parameters, "precision");
  if (precision == nullptr || precision->kind_case() != benchd::v1::ParamValue::kStringValue) {
    return absl::InvalidArgumentError("parameter 'precision' is required and must be a string");
  }
  Plan plan;
  plan.precision = Upper(precision->string_value());
  if (std::find(kSupportedPrecisions.begin(), kSupportedPrecisions.end(), plan.precision) ==
      kSupportedPrecisions.end()) {
    return absl::FailedPreconditionError("host-cpu cannot run precision " +
                                         precision->string_value() + ": supported are " +
                                         SupportedPrecisionList());
  }
  BENCHD_ASSIGN_OR_RETURN(double pruning, NumberParam(parameters, "pruning", 100));
  if (!(pruning > 0 && pruning <= 100)) {
    return absl::InvalidArgumentError(
        fmt::format("parameter 'pruning' must be in (0, 100], got {}", pruning));
  }
  BENCHD_ASSIGN_OR_RETURN(plan.batch, IntParam(parameters, "batch", 1));
  if (plan.batch < 1 || plan.batch > kMaxBatch) {
    return absl::InvalidArgumentError(
        fmt::format("parameter 'batch' must be in [1, {}], got {}", kMaxBatch, plan.batch));
  }
  BENCHD_ASSIGN_OR_RETURN(int64_t threads, IntParam(parameters, "threads", options_.threads));
  if (threads < 1 || threads > 4096) {
    return absl::InvalidArgumentError(
        fmt::format("parameter 'threads' must be in [1, 4096], got {}", threads));
  }

  const benchd::v1::RunSettings& settings = request.settings;
  if (settings.warmup() < 0 || settings.iterations() < 0 || settings.repeats() < 0 ||
      settings.timeout_ms() < 0) {
    return absl::InvalidArgumentError("run settings must not be negative");
  }
  if (settings.warmup() > 0) plan.warmup = settings.warmup();
  if (settings.iterations() > 0) plan.iterations = settings.iterations();
  if (settings.repeats() > 0) plan.repeats = settings.repeats();
  if (settings.timeout_ms() > 0) plan.timeout = milliseconds(settings.timeout_ms());

  // One element per value and no shell: nothing in a parameter can become a
  // second argument or a command. Flag and value pairs kept on one line.
  // clang-format off
  plan.argv = {options_.runtime,
               "--precision", plan.precision,
               "--pruning", fmt::format("{}", pruning),
               "--batch", std::to_string(plan.batch),
               "--threads", std::to_string(threads),
               "--warmup", std::to_string(plan.warmup),
               "--iterations", std::to_string(plan.iterations)};
  // clang-format on
  return plan;
}

absl::StatusOr<HostMlpOutput> HostCpuDriver::RunOnce(const Plan& plan, int repeat,
                                                     milliseconds timeout,
                                                     const std::string& work_dir,
                                                     const std::atomic<bool>& cancel) {
  common::ProcessSpec spec;
  spec.argv = plan.argv;
  spec.working_dir = work_dir;
  spec.timeout = timeout;
  absl::StatusOr<common::ProcessOutcome> outcome = runner_.Run(spec, &cancel);
  if (!outcome.ok()) {
    return absl::UnavailableError("launch '" + options_.runtime +
                                  "': " + std::string(outcome.status().message()));
  }
  SaveRawOutput(work_dir, repeat, *outcome);
  if (outcome->cancelled) return absl::CancelledError("cancelled: " + FailureDetail(*outcome));
  if (outcome->timed_out) return absl::DeadlineExceededError(FailureDetail(*outcome));
  if (outcome->exit_code == kRuntimeExitUnsupportedPrecision) {
    return absl::FailedPreconditionError("host runtime rejected precision " + plan.precision +
                                         ": " + FailureDetail(*outcome));
  }
  if (outcome->exit_code == kRuntimeExitUsage) {
    // The driver built a command line the runtime does not accept: a bug here
    // or a runtime of another version, not a property of the experiment.
    return absl::InternalError("runtime rejected its arguments: " + FailureDetail(*outcome));
  }
  if (!outcome->Succeeded()) return absl::UnavailableError(FailureDetail(*outcome));

  absl::StatusOr<HostMlpOutput> output = ParseHostMlpOutput(outcome->stdout_text);
  if (!output.ok()) {
    std::string message(output.status().message());
    if (outcome->output_truncated) message += " (output was truncated by the process runner)";
    return absl::InternalError(message);
  }
  const HostMlpConfig& config = output->config;
  if (config.precision != plan.precision || config.batch != plan.batch ||
      config.iterations != plan.iterations) {
    return absl::InternalError(fmt::format(
        "runtime ran precision={} batch={} iterations={}, asked for precision={} batch={} "
        "iterations={}",
        config.precision, config.batch, config.iterations, plan.precision, plan.batch,
        plan.iterations));
  }
  return output;
}

absl::StatusOr<RunResult> HostCpuDriver::Run(const RunRequest& request,
                                             const std::atomic<bool>& cancel) {
  const std::string context = fmt::format("host-cpu run {}", request.run_id);
  absl::StatusOr<Plan> plan = PlanRun(request);
  if (!plan.ok()) return common::WithContext(plan.status(), context);

  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + plan->timeout;
  RunResult result;
  std::vector<double> all_latency_us;
  HostMlpOutput last;
  for (int repeat = 0; repeat < plan->repeats; ++repeat) {
    const std::string repeat_context = fmt::format("{} repeat {}", context, repeat);
    if (cancel.load()) return absl::CancelledError(repeat_context + ": cancelled");
    const auto remaining = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (remaining <= milliseconds::zero()) {
      return absl::DeadlineExceededError(
          fmt::format("{}: run timeout of {} ms used up by earlier repeats", repeat_context,
                      plan->timeout.count()));
    }
    absl::StatusOr<HostMlpOutput> output =
        RunOnce(*plan, repeat, remaining, request.work_dir, cancel);
    if (!output.ok()) return common::WithContext(output.status(), repeat_context);

    RepeatSamples samples;
    samples.repeat = repeat;
    samples.kind = benchd::v1::LATENCY_KIND_SYSTEM;
    samples.latency_us = output->latency_us;
    samples.t_ns = output->t_ns;
    // The runtime stamps completions on this machine's monotonic clock, so
    // its measure window is exact.
    const std::vector<PhaseMark> window = MeasureWindowOf(samples);
    result.phases.insert(result.phases.end(), window.begin(), window.end());
    all_latency_us.insert(all_latency_us.end(), output->latency_us.begin(),
                          output->latency_us.end());
    result.repeats.push_back(std::move(samples));
    last = *std::move(output);
  }

  benchd::v1::RunSummary& summary = result.summary;
  summary.set_latency_kind(benchd::v1::LATENCY_KIND_SYSTEM);
  *summary.mutable_latency() = common::ComputeLatencyStats(all_latency_us);
  const double mean_us = summary.latency().mean_us();
  const auto batch = static_cast<double>(plan->batch);
  const auto ops = static_cast<double>(last.config.ops_per_inference);
  if (mean_us > 0) {
    summary.set_fps(batch * 1e6 / mean_us);
    summary.set_gops(ops * batch / (mean_us * 1e-6) / 1e9);
  }
  summary.set_inferences(static_cast<int64_t>(all_latency_us.size()) * plan->batch);
  *summary.add_extra() = MakeMetric("params", static_cast<double>(last.config.params), "count");
  *summary.add_extra() = MakeMetric("ops_per_inference", ops, "op");
  *summary.add_extra() = MakeMetric("batch", batch, "item");
  *summary.add_extra() = MakeMetric("threads", static_cast<double>(last.runtime.threads), "thread");

  result.environment = BaseEnvironment(last.runtime);
  std::vector<std::string> implementations;
  for (const HostMlpLayer& layer : last.layers) {
    if (std::find(implementations.begin(), implementations.end(), layer.implementation) ==
        implementations.end()) {
      implementations.push_back(layer.implementation);
    }
  }
  (*result.environment.mutable_entries())["onednn_impl"] =
      fmt::format("{}", fmt::join(implementations, ","));
  return result;
}

absl::StatusOr<benchd::v1::Environment> HostCpuDriver::Probe() {
  const std::string context = "probe host-cpu runtime '" + options_.runtime + "'";
  common::ProcessSpec spec;
  spec.argv = {options_.runtime, "--version"};
  spec.timeout = kProbeTimeout;
  absl::StatusOr<common::ProcessOutcome> outcome = runner_.Run(spec);
  if (!outcome.ok()) {
    return absl::UnavailableError(context + ": " + std::string(outcome.status().message()));
  }
  if (!outcome->Succeeded())
    return absl::UnavailableError(context + ": " + FailureDetail(*outcome));
  absl::StatusOr<HostMlpRuntime> runtime = ParseHostMlpVersion(outcome->stdout_text);
  if (!runtime.ok()) {
    return absl::UnavailableError(context + ": " + std::string(runtime.status().message()));
  }
  benchd::v1::Environment environment = BaseEnvironment(*runtime);
  // `--version` reports the runtime's default; runs will use the option.
  (*environment.mutable_entries())["threads"] = std::to_string(options_.threads);
  return environment;
}

benchd::v1::Environment HostCpuDriver::BaseEnvironment(const HostMlpRuntime& runtime) const {
  benchd::v1::Environment environment;
  auto& entries = *environment.mutable_entries();
  entries["driver"] = kName;
  entries["runtime"] = options_.runtime;
  entries["runtime_version"] = runtime.version;
  entries["runtime_format"] = std::to_string(runtime.format);
  entries["onednn"] = runtime.onednn;
  entries["threading"] = runtime.threading;
  entries["isa"] = runtime.isa;
  entries["threads"] = std::to_string(runtime.threads);
  AddHostInfo(host_info_, environment);
  return environment;
}

}  // namespace benchd::agent
