#include "agents/drivers/command_driver.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <string_view>

#include "agents/drivers/driver_util.h"
#include "agents/parsers/text_scan.h"
#include "common/proto_json.h"
#include "common/statistics.h"
#include "common/status_util.h"
#include "nlohmann/json.hpp"
#include "spdlog/fmt/fmt.h"

namespace benchd::agent {
namespace {

using std::chrono::milliseconds;

constexpr int kDefaultWarmup = 10;
constexpr int kDefaultIterations = 100;
constexpr milliseconds kDefaultTimeout = std::chrono::minutes(10);
constexpr milliseconds kProbeTimeout = std::chrono::seconds(30);
// The placeholders Run fills from the run rather than from its parameters.
constexpr std::array<std::string_view, 6> kRunPlaceholders = {"warmup", "iterations", "run_id",
                                                              "work_dir", "idle_ms", "repeat"};

}  // namespace

absl::StatusOr<std::unique_ptr<Driver>> CommandDriver::Create(const DriverOptions& options,
                                                              common::ProcessRunner& runner) {
  const auto get = [&](const std::string& key) -> std::string {
    const auto found = options.find(key);
    return found == options.end() ? std::string() : found->second;
  };
  for (const auto& [key, value] : options) {
    if (key != "argv" && key != "parser" && key != "fields" && key != "pattern" && key != "latency_kind" &&
        key != "unsupported_exit_code" && key != "probe_argv") {
      return absl::InvalidArgumentError(
          "command option '" + key +
          "' is unknown: known are argv, parser, fields, pattern, latency_kind, unsupported_exit_code, probe_argv");
    }
  }
  if (get("argv").empty()) return absl::InvalidArgumentError("command option 'argv' is required");
  if (get("parser").empty()) return absl::InvalidArgumentError("command option 'parser' is required");
  BENCHD_ASSIGN_OR_RETURN(ArgvTemplate argv, ArgvTemplate::Parse(get("argv"), "argv"));
  BENCHD_ASSIGN_OR_RETURN(CommandOutputSpec output,
                          ParseCommandOutputSpec(get("parser"), get("fields"), get("pattern")));
  Options parsed;
  parsed.argv = std::move(argv);
  parsed.output = std::move(output);
  const std::string kind = get("latency_kind");
  if (kind == "compute") {
    parsed.latency_kind = benchd::v1::LATENCY_KIND_COMPUTE;
  } else if (!kind.empty() && kind != "system") {
    return absl::InvalidArgumentError("command option 'latency_kind' must be compute or system, got '" + kind + "'");
  }
  if (const std::string code = get("unsupported_exit_code"); !code.empty()) {
    BENCHD_ASSIGN_OR_RETURN(int64_t value, IntOption("command", "unsupported_exit_code", code, 1, 255));
    parsed.unsupported_exit_code = static_cast<int>(value);
  }
  if (const std::string probe = get("probe_argv"); !probe.empty()) {
    BENCHD_ASSIGN_OR_RETURN(ArgvTemplate probe_argv, ArgvTemplate::Parse(probe, "probe_argv"));
    if (!probe_argv.Placeholders().empty()) {
      return absl::InvalidArgumentError("command option 'probe_argv' cannot use placeholders");
    }
    parsed.probe_argv = std::move(probe_argv);
  }
  return std::make_unique<CommandDriver>(std::move(parsed), runner);
}

CommandDriver::CommandDriver(Options options, common::ProcessRunner& runner)
    : options_(std::move(options)), runner_(runner) {}

absl::StatusOr<benchd::v1::Environment> CommandDriver::Probe() {
  const std::string context = "probe command '" + options_.argv.Program() + "'";
  benchd::v1::Environment environment;
  auto& entries = *environment.mutable_entries();
  entries["driver"] = kName;
  entries["program"] = options_.argv.Program();
  entries["argv_template"] = options_.argv.ToString();
  if (!options_.probe_argv) {
    if (!IsExecutable(options_.argv.Program())) {
      return absl::UnavailableError(context + ": not found or not executable");
    }
    return environment;
  }
  common::ProcessSpec spec;
  BENCHD_ASSIGN_OR_RETURN(spec.argv, options_.probe_argv->Expand({}));
  spec.timeout = kProbeTimeout;
  absl::StatusOr<common::ProcessOutcome> outcome = runner_.Run(spec);
  if (!outcome.ok()) return absl::UnavailableError(context + ": " + std::string(outcome.status().message()));
  if (!outcome->Succeeded()) return absl::UnavailableError(context + ": " + FailureDetail(*outcome));
  const std::vector<TextLine> lines = SplitLines(outcome->stdout_text);
  tool_version_ = lines.empty() ? "" : std::string(Trim(lines.front().text));
  entries["tool_version"] = tool_version_;
  return environment;
}

absl::StatusOr<CommandOutput> CommandDriver::RunOnce(const std::vector<std::string>& argv, int repeat,
                                                     milliseconds timeout, const std::string& work_dir,
                                                     const std::atomic<bool>& cancel) {
  common::ProcessSpec spec;
  spec.argv = argv;
  spec.working_dir = work_dir;
  spec.timeout = timeout;
  absl::StatusOr<common::ProcessOutcome> outcome = runner_.Run(spec, &cancel);
  if (!outcome.ok()) {
    return absl::UnavailableError("launch '" + argv.front() + "': " + std::string(outcome.status().message()));
  }
  if (!work_dir.empty()) {
    const std::string stem = work_dir + "/command-repeat-" + std::to_string(repeat);
    SaveText(stem + ".stdout", outcome->stdout_text);
    SaveText(stem + ".stderr", outcome->stderr_text);
  }
  if (outcome->cancelled) return absl::CancelledError("cancelled: " + FailureDetail(*outcome));
  if (outcome->timed_out) return absl::DeadlineExceededError(FailureDetail(*outcome));
  if (options_.unsupported_exit_code && outcome->exit_code == options_.unsupported_exit_code) {
    return absl::FailedPreconditionError("the program cannot run this configuration: " + FailureDetail(*outcome));
  }
  if (!outcome->Succeeded()) return absl::UnavailableError(FailureDetail(*outcome));
  absl::StatusOr<CommandOutput> parsed = ParseCommandOutput(options_.output, outcome->stdout_text);
  if (!parsed.ok()) {
    std::string message(parsed.status().message());
    if (outcome->output_truncated) message += " (output was truncated by the process runner)";
    return absl::InternalError(message);
  }
  return parsed;
}

std::vector<std::string> CommandDriver::RequiredParameters() const {
  std::vector<std::string> required;
  for (const std::string& name : options_.argv.Placeholders()) {
    if (std::find(kRunPlaceholders.begin(), kRunPlaceholders.end(), name) == kRunPlaceholders.end()) {
      required.push_back(name);
    }
  }
  return required;
}

absl::StatusOr<RunResult> CommandDriver::Run(const RunRequest& request, const std::atomic<bool>& cancel) {
  const std::string context = fmt::format("command run {}", request.run_id);
  const benchd::v1::RunSettings& settings = request.settings;
  if (settings.warmup() < 0 || settings.iterations() < 0 || settings.repeats() < 0 || settings.timeout_ms() < 0) {
    return absl::InvalidArgumentError(context + ": run settings must not be negative");
  }
  const int warmup = settings.warmup() > 0 ? settings.warmup() : kDefaultWarmup;
  const int iterations = settings.iterations() > 0 ? settings.iterations() : kDefaultIterations;
  const int repeats = settings.repeats() > 0 ? settings.repeats() : 1;
  const milliseconds timeout = settings.timeout_ms() > 0 ? milliseconds(settings.timeout_ms()) : kDefaultTimeout;

  std::map<std::string, std::string> values = ParameterValues(request.parameters);
  values["warmup"] = std::to_string(warmup);
  values["iterations"] = std::to_string(iterations);
  values["run_id"] = std::to_string(request.run_id);
  values["work_dir"] = request.work_dir;
  values["idle_ms"] = std::to_string(settings.power().idle_ms());

  const RepeatBudget budget(context, timeout);
  RunResult result;
  std::vector<double> all_latency_us;
  std::vector<std::string> last_argv;
  // Extra figures: each repeat contributes its mean; the summary holds the
  // mean over the repeats that printed the figure.
  struct ExtraAccumulator {
    std::string unit;
    double sum = 0;
    int repeats = 0;
  };
  std::map<std::string, ExtraAccumulator> extras;
  std::vector<std::string> extra_order;
  for (int repeat = 0; repeat < repeats; ++repeat) {
    const std::string repeat_context = budget.ContextOf(repeat);
    absl::StatusOr<milliseconds> remaining_or = budget.Next(repeat, cancel);
    if (!remaining_or.ok()) return remaining_or.status();
    values["repeat"] = std::to_string(request.first_repeat + repeat);
    absl::StatusOr<std::vector<std::string>> argv = options_.argv.Expand(values);
    if (!argv.ok()) return common::WithContext(argv.status(), repeat_context);
    const milliseconds remaining = *remaining_or;
    absl::StatusOr<CommandOutput> output = RunOnce(*argv, repeat, remaining, request.work_dir, cancel);
    if (!output.ok()) return common::WithContext(output.status(), repeat_context);
    RepeatSamples samples;
    samples.repeat = repeat;
    samples.kind = options_.latency_kind;
    samples.latency_us = output->latency_us;
    samples.t_ns = output->t_ns;
    all_latency_us.insert(all_latency_us.end(), output->latency_us.begin(), output->latency_us.end());
    if (output->phases.empty()) {
      const std::vector<PhaseMark> window = MeasureWindowOf(samples);
      result.phases.insert(result.phases.end(), window.begin(), window.end());
    }
    for (const CommandPhaseMark& mark : output->phases) {
      const std::optional<power::Phase> phase = power::PhaseFromName(mark.phase);
      if (!phase || *phase == power::Phase::kBase) {
        return absl::InternalError(fmt::format("{}: unknown phase '{}' (expected idle, warmup, measure, cooldown or end)",
                                               repeat_context, mark.phase));
      }
      result.phases.push_back(PhaseMark{*phase, mark.t_ns});
    }
    result.repeats.push_back(std::move(samples));
    for (const CommandExtraFigure& figure : output->extras) {
      auto [entry, inserted] = extras.try_emplace(figure.metric, ExtraAccumulator{figure.unit});
      if (inserted) extra_order.push_back(figure.metric);
      entry->second.sum += figure.mean;
      ++entry->second.repeats;
    }
    last_argv = *std::move(argv);
  }

  benchd::v1::RunSummary& summary = result.summary;
  summary.set_latency_kind(options_.latency_kind);
  *summary.mutable_latency() = common::ComputeLatencyStats(all_latency_us);
  const double mean_us = summary.latency().mean_us();
  double batch = 1;
  if (const benchd::v1::ParamValue* value = common::FindParam(request.parameters, "batch");
      value != nullptr && value->kind_case() == benchd::v1::ParamValue::kIntValue && value->int_value() > 0) {
    batch = static_cast<double>(value->int_value());
  }
  if (mean_us > 0) summary.set_fps(batch * 1e6 / mean_us);
  summary.set_inferences(static_cast<int64_t>(all_latency_us.size() * static_cast<size_t>(batch)));
  for (const std::string& metric : extra_order) {
    const ExtraAccumulator& extra = extras.at(metric);
    *summary.add_extra() = MakeMetric(metric, extra.sum / extra.repeats, extra.unit);
  }

  auto& entries = *result.environment.mutable_entries();
  entries["driver"] = kName;
  entries["program"] = options_.argv.Program();
  entries["argv_template"] = options_.argv.ToString();
  entries["argv"] = nlohmann::json(last_argv).dump();
  if (!tool_version_.empty()) entries["tool_version"] = tool_version_;
  return result;
}

}  // namespace benchd::agent
