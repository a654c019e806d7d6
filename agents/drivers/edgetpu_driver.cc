#include "agents/drivers/edgetpu_driver.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <vector>

#include "agents/drivers/driver_util.h"
#include "agents/drivers/tool_driver_support.h"
#include "agents/parsers/benchmark_model_parser.h"
#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::agent {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kProbeTimeout = std::chrono::seconds(30);

double MedianOf(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// "max" / "std" from a runtime's path, as the Coral packages name them.
std::string Variant(const std::string& path) {
  if (path.find("max") != std::string::npos) return "max";
  if (path.find("std") != std::string::npos) return "std";
  return "unknown";
}

// TFLite's std is the population one; benchd reports the sample std.
std::optional<double> PopulationToSampleStd(const LatencyFigures& figures) {
  const int64_t n = figures.count.value_or(0);
  if (!figures.std_us || n <= 1) return std::nullopt;
  return *figures.std_us * std::sqrt(static_cast<double>(n) / static_cast<double>(n - 1));
}

}  // namespace

struct EdgeTpuDriver::Plan {
  std::string clock;
  RunLimits limits;
  std::string model_path;
  std::vector<std::string> argv;
};

absl::StatusOr<std::unique_ptr<Driver>> EdgeTpuDriver::Create(const DriverOptions& options,
                                                              common::ProcessRunner& runner) {
  OptionReader reader(kName, options);
  Options parsed;
  parsed.benchmark_model = reader.String("benchmark_model", parsed.benchmark_model);
  BENCHD_ASSIGN_OR_RETURN(parsed.model_dir, reader.Required("model_dir"));
  parsed.delegate = reader.String("delegate", parsed.delegate);
  BENCHD_ASSIGN_OR_RETURN(parsed.installed_clock, reader.Choice("installed_clock", "slow", {"fast", "slow"}));
  for (const char* clock : {"fast", "slow"}) {
    if (std::string path = reader.String(std::string("delegate_") + clock, ""); !path.empty()) {
      parsed.clock_delegates[clock] = path;
    }
  }
  parsed.device = reader.String("device", parsed.device);
  BENCHD_ASSIGN_OR_RETURN(parsed.num_threads, reader.Int("num_threads", parsed.num_threads, 1, 64));
  parsed.environment = reader.Environment();
  BENCHD_RETURN_IF_ERROR(reader.CheckAllRead());
  return std::make_unique<EdgeTpuDriver>(std::move(parsed), runner);
}

EdgeTpuDriver::EdgeTpuDriver(Options options, common::ProcessRunner& runner)
    : options_(std::move(options)), runner_(runner) {}

absl::StatusOr<benchd::v1::Environment> EdgeTpuDriver::Prepare(const RunRequest& request,
                                                               const std::atomic<bool>& cancel) {
  const std::string context = fmt::format("edgetpu prepare run {}", request.run_id);
  absl::StatusOr<std::string> requested = RequiredString(request.parameters, "clock");
  if (!requested.ok()) return common::WithContext(requested.status(), context);
  const std::string clock = Lower(*requested);
  if (clock != "fast" && clock != "slow") {
    return absl::FailedPreconditionError(context + ": the Edge TPU clock is fast or slow, got '" + *requested + "'");
  }
  std::string delegate;
  if (auto it = options_.clock_delegates.find(clock); it != options_.clock_delegates.end()) {
    delegate = it->second;
  } else if (clock == options_.installed_clock) {
    delegate = options_.delegate;
  } else {
    return absl::FailedPreconditionError(fmt::format(
        "{}: no Edge TPU runtime for clock {} on this host (installed: {}); install libedgetpu1-{} or set "
        "option delegate_{}",
        context, clock, options_.installed_clock, clock == "fast" ? "max" : "std", clock));
  }
  benchd::v1::Environment environment;
  auto& entries = *environment.mutable_entries();
  // A bare library name is found by the dynamic loader at run time; a path
  // can be checked now, so a missing runtime fails here and not mid-sweep.
  if (delegate.find('/') != std::string::npos) {
    std::error_code error;
    const std::filesystem::path resolved = std::filesystem::canonical(delegate, error);
    if (error) {
      return absl::UnavailableError(
          fmt::format("{}: Edge TPU runtime '{}' for clock {}: {}", context, delegate, clock, error.message()));
    }
    entries["libedgetpu_resolved"] = resolved.string();
  }
  prepared_clock_ = clock;
  prepared_delegate_ = delegate;
  entries["clock"] = clock;
  entries["libedgetpu"] = delegate;
  entries["libedgetpu_variant"] = Variant(delegate);
  entries["clock_read_back"] = "none: the Edge TPU exposes no clock; selected by the runtime library";
  return environment;
}

absl::StatusOr<EdgeTpuDriver::Plan> EdgeTpuDriver::PlanRun(const RunRequest& request) const {
  const benchd::v1::Parameters& parameters = request.parameters;
  Plan plan;
  BENCHD_ASSIGN_OR_RETURN(std::string precision, RequiredString(parameters, "precision"));
  if (Upper(precision) != "INT8") {
    return absl::FailedPreconditionError("edgetpu cannot run precision " + precision +
                                         ": the Edge TPU runs INT8 (quantized) models only");
  }
  BENCHD_ASSIGN_OR_RETURN(int64_t batch, IntParam(parameters, "batch", 1, 1, std::numeric_limits<int32_t>::max()));
  if (batch != 1) {
    return absl::FailedPreconditionError(
        fmt::format("edgetpu cannot run batch {}: Edge TPU models are compiled for batch 1", batch));
  }
  BENCHD_ASSIGN_OR_RETURN(std::string topology, RequiredString(parameters, "topology"));
  BENCHD_ASSIGN_OR_RETURN(double pruning, NumberParam(parameters, "pruning", 100));
  BENCHD_ASSIGN_OR_RETURN(std::string stem, ModelStem(topology, pruning));
  BENCHD_ASSIGN_OR_RETURN(std::string clock, RequiredString(parameters, "clock"));
  plan.clock = Lower(clock);
  if (plan.clock != prepared_clock_) {
    return absl::InternalError("the device was prepared for clock '" + prepared_clock_ + "', the run asks for '" +
                               clock + "'");
  }
  BENCHD_ASSIGN_OR_RETURN(plan.limits, LimitsFrom(request.settings));
  BENCHD_ASSIGN_OR_RETURN(plan.model_path, DeployedModel(kName, options_.model_dir, stem + "_edgetpu.tflite"));
  plan.argv = {options_.benchmark_model,
               "--graph=" + plan.model_path,
               "--external_delegate_path=" + prepared_delegate_,
               "--external_delegate_options=device:" + options_.device,
               "--num_runs=" + std::to_string(plan.limits.iterations),
               "--warmup_runs=" + std::to_string(plan.limits.warmup),
               "--min_secs=0",
               "--warmup_min_secs=0",
               "--num_threads=" + std::to_string(options_.num_threads)};
  return plan;
}

absl::StatusOr<RunResult> EdgeTpuDriver::Run(const RunRequest& request, const std::atomic<bool>& cancel) {
  const std::string context = fmt::format("edgetpu run {}", request.run_id);
  absl::StatusOr<Plan> plan = PlanRun(request);
  if (!plan.ok()) return common::WithContext(plan.status(), context);

  std::vector<PhaseMark> phases;
  absl::StatusOr<std::vector<BenchmarkModelOutput>> repeated = RunParsedRepeats<BenchmarkModelOutput>(
      runner_, plan->argv, options_.environment, request.work_dir, plan->limits, context, "benchmark_model", cancel,
      [&phases](const common::ProcessOutcome& outcome) {
        // TFLite logs to stderr; some builds to stdout. Parse both, in that order.
        absl::StatusOr<BenchmarkModelOutput> output =
            ParseBenchmarkModelOutput(outcome.stderr_text + "\n" + outcome.stdout_text);
        if (output.ok()) {
          // Runs back to back: the timed part lasts count x mean.
          const auto span_s = [](const LatencyFigures& f) {
            return static_cast<double>(f.count.value_or(0)) * f.mean_us.value_or(0) * 1e-6;
          };
          const std::vector<PhaseMark> marks = ToolRunPhases(outcome, span_s(output->inference), span_s(output->warmup));
          phases.insert(phases.end(), marks.begin(), marks.end());
        }
        return output;
      });
  if (!repeated.ok()) return repeated.status();
  const std::vector<BenchmarkModelOutput>& outputs = *repeated;

  LatencyFigures figures = outputs.front().inference;
  std::optional<double> sample_std;
  if (outputs.size() == 1) {
    sample_std = PopulationToSampleStd(figures);
  } else {
    int64_t count = 0;
    double weighted = 0, min_us = std::numeric_limits<double>::infinity(), max_us = 0;
    std::vector<double> medians;
    for (const BenchmarkModelOutput& out : outputs) {
      const int64_t n = out.inference.count.value_or(0);
      count += n;
      weighted += out.inference.mean_us.value_or(0) * static_cast<double>(n);
      min_us = std::min(min_us, out.inference.min_us.value_or(min_us));
      max_us = std::max(max_us, out.inference.max_us.value_or(0));
      if (out.inference.median_us) medians.push_back(*out.inference.median_us);
    }
    figures.count = count;
    figures.mean_us = count > 0 ? weighted / static_cast<double>(count) : 0;
    figures.min_us = min_us;
    figures.max_us = max_us;
    figures.median_us = medians.size() == outputs.size() ? std::optional<double>(MedianOf(medians)) : std::nullopt;
    figures.percentiles_us.clear();
  }

  const BenchmarkModelOutput& first = outputs.front();
  RunResult result;
  result.phases = std::move(phases);
  for (const BenchmarkModelOutput& out : outputs) {
    result.repeat_stats.push_back(StatsFromFigures(out.inference, PopulationToSampleStd(out.inference)));
  }
  benchd::v1::RunSummary& summary = result.summary;
  summary.set_latency_kind(benchd::v1::LATENCY_KIND_SYSTEM);
  *summary.mutable_latency() = StatsFromFigures(figures, sample_std);
  const double mean_us = figures.mean_us.value_or(0);
  if (mean_us > 0) summary.set_fps(1e6 / mean_us);
  summary.set_inferences(figures.count.value_or(0));
  *summary.add_extra() = MakeMetric("init_us", first.init_us, "us");
  if (first.first_inference_us) *summary.add_extra() = MakeMetric("first_inference_us", *first.first_inference_us, "us");
  if (first.warmup.mean_us) *summary.add_extra() = MakeMetric("warmup_mean_us", *first.warmup.mean_us, "us");
  *summary.add_extra() = MakeMetric("warmup_runs", static_cast<double>(first.warmup.count.value_or(0)), "run");
  if (outputs.size() == 1) {
    if (std::optional<double> p5 = figures.Percentile(5)) *summary.add_extra() = MakeMetric("p5_us", *p5, "us");
  }

  auto& entries = *result.environment.mutable_entries();
  entries["driver"] = kName;
  entries["benchmark_model"] = options_.benchmark_model;
  entries["model"] = plan->model_path;
  entries["clock"] = plan->clock;
  entries["libedgetpu"] = prepared_delegate_;
  entries["tflite_summary"] = first.legacy_summary ? "legacy (TF <= 2.2)" : "current";
  entries["latency_definition"] = "Invoke time per run on the host, USB transfers included (batch 1)";
  entries["per_inference_samples"] = "none: benchmark_model reports aggregates only";
  if (first.delegated_nodes) {
    entries["delegated_nodes"] = first.total_nodes
                                     ? fmt::format("{} of {}", *first.delegated_nodes, *first.total_nodes)
                                     : std::to_string(*first.delegated_nodes);
  }
  if (first.fully_delegated) entries["fully_delegated"] = *first.fully_delegated ? "true" : "false";
  return result;
}

absl::StatusOr<benchd::v1::Environment> EdgeTpuDriver::Probe() {
  common::ProcessSpec spec;
  spec.argv = {options_.benchmark_model, "--help"};
  spec.extra_env = options_.environment;
  spec.timeout = kProbeTimeout;
  absl::StatusOr<common::ProcessOutcome> help = runner_.Run(spec, nullptr);
  if (!help.ok()) {
    return absl::UnavailableError("probe edgetpu: launch '" + options_.benchmark_model +
                                  "': " + std::string(help.status().message()));
  }
  // benchmark_model prints its usage to stderr and exits 1 on --help on
  // purpose; what matters is that it is the tool that knows --graph.
  const bool usage = (help->stderr_text + help->stdout_text).find("--graph") != std::string::npos;
  if (help->timed_out || !help->exit_code || *help->exit_code > 1 || !usage) {
    return absl::UnavailableError("probe edgetpu: '" + options_.benchmark_model +
                                  " --help' printed no usage: " + FailureDetail(*help));
  }
  benchd::v1::Environment environment;
  auto& entries = *environment.mutable_entries();
  entries["driver"] = kName;
  entries["benchmark_model"] = options_.benchmark_model;
  entries["delegate"] = options_.delegate;
  entries["installed_clock"] = options_.installed_clock;
  entries["model_dir"] = options_.model_dir;
  return environment;
}

}  // namespace benchd::agent
