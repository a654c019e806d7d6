#include "agents/drivers/jetson_driver.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "agents/drivers/driver_util.h"
#include "agents/drivers/tool_driver_support.h"
#include "agents/parsers/text_scan.h"
#include "common/statistics.h"
#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::agent {
namespace {

using std::chrono::milliseconds;

constexpr int64_t kMaxBatch = 4096;
constexpr milliseconds kProbeTimeout = std::chrono::seconds(30);

absl::StatusOr<std::map<std::string, int64_t>> ParsePowerModes(const std::string& text) {
  std::map<std::string, int64_t> modes;
  std::stringstream items(text);
  for (std::string item; std::getline(items, item, ',');) {
    const size_t equals = item.find('=');
    absl::StatusOr<int64_t> id =
        equals == std::string::npos ? absl::InvalidArgumentError("") : ParseInt64(Trim(item.substr(equals + 1)));
    const std::string name = Lower(std::string(Trim(item.substr(0, equals))));
    if (!id.ok() || *id < 0 || name.empty()) {
      return absl::InvalidArgumentError("jetson option 'power_modes' must look like 'maxn=0,maxq=1', got '" + text +
                                        "'");
    }
    modes[name] = *id;
  }
  if (modes.empty()) return absl::InvalidArgumentError("jetson option 'power_modes' is empty");
  return modes;
}

bool ValidDims(const std::string& dims) {
  if (dims.empty() || dims.front() == 'x' || dims.back() == 'x') return false;
  return dims.find_first_not_of("0123456789x") == std::string::npos && dims.find("xx") == std::string::npos;
}

std::string DefaultDims(const std::string& topology) {
  const std::string lower = Lower(topology);
  if (lower == "mlp") return "784";         // MNIST, flattened
  if (lower == "cnv") return "3x32x32";     // CIFAR-10
  return "3x224x224";                       // ImageNet CNNs
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::DataLossError("trtexec wrote no --exportTimes file '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

struct JetsonDriver::Plan {
  std::string precision;  // FP16 or FP32
  int64_t batch = 1;
  RunLimits limits;
  std::string model_path;
  std::vector<std::string> argv;  // without --exportTimes, which differs per repeat
};

struct JetsonDriver::RepeatOutcome {
  TrtexecOutput output;
  std::vector<double> latency_us;
  std::vector<double> compute_us;
  std::vector<double> end_to_end_us;
  std::vector<PhaseMark> phases;  // from the report's walltime (ToolRunPhases)
};

absl::StatusOr<std::unique_ptr<Driver>> JetsonDriver::Create(const DriverOptions& options,
                                                             common::ProcessRunner& runner) {
  OptionReader reader(kName, options);
  Options parsed;
  parsed.trtexec = reader.String("trtexec", parsed.trtexec);
  BENCHD_ASSIGN_OR_RETURN(parsed.model_dir, reader.Required("model_dir"));
  BENCHD_ASSIGN_OR_RETURN(std::string format, reader.Choice("model_format", "onnx", {"onnx", "engine"}));
  parsed.engine_files = format == "engine";
  BENCHD_ASSIGN_OR_RETURN(std::string batch_mode, reader.Choice("batch_mode", "explicit", {"explicit", "implicit"}));
  parsed.implicit_batch = batch_mode == "implicit";
  parsed.input_name = reader.String("input_name", parsed.input_name);
  parsed.input_dims = reader.String("input_dims", "");
  if (!parsed.input_dims.empty() && !ValidDims(parsed.input_dims)) {
    return absl::InvalidArgumentError("jetson option 'input_dims' must look like 3x224x224, got '" +
                                      parsed.input_dims + "'");
  }
  BENCHD_ASSIGN_OR_RETURN(parsed.warmup_ms, reader.Int("warmup_ms", parsed.warmup_ms, 0, 600000));
  BENCHD_ASSIGN_OR_RETURN(parsed.duration_s, reader.Int("duration_s", parsed.duration_s, 0, 86400));
  JetsonModeOptions& modes = parsed.modes;
  modes.nvpmodel = reader.String("nvpmodel", modes.nvpmodel);
  modes.jetson_clocks = reader.String("jetson_clocks", modes.jetson_clocks);
  BENCHD_ASSIGN_OR_RETURN(modes.pin_clocks, reader.Bool("jetson_clocks_pin", modes.pin_clocks));
  modes.clocks_store_file = reader.String("jetson_clocks_store", "");
  if (std::string table = reader.String("power_modes", ""); !table.empty()) {
    BENCHD_ASSIGN_OR_RETURN(modes.modes, ParsePowerModes(table));
  }
  modes.environment = reader.Environment();
  BENCHD_RETURN_IF_ERROR(reader.CheckAllRead());
  return std::make_unique<JetsonDriver>(std::move(parsed), runner);
}

JetsonDriver::JetsonDriver(Options options, common::ProcessRunner& runner)
    : options_(std::move(options)), runner_(runner), modes_(options_.modes, runner) {}

absl::StatusOr<JetsonDriver::Plan> JetsonDriver::PlanRun(const RunRequest& request) const {
  const benchd::v1::Parameters& parameters = request.parameters;
  Plan plan;
  BENCHD_ASSIGN_OR_RETURN(std::string precision, RequiredString(parameters, "precision"));
  plan.precision = Upper(precision);
  if (plan.precision != "FP16" && plan.precision != "FP32") {
    return absl::FailedPreconditionError("jetson cannot run precision " + precision +
                                         ": supported are FP16, FP32 (the TX2 GPU has no fast INT8 path)");
  }
  BENCHD_ASSIGN_OR_RETURN(std::string topology, RequiredString(parameters, "topology"));
  BENCHD_ASSIGN_OR_RETURN(double pruning, NumberParam(parameters, "pruning", 100));
  BENCHD_ASSIGN_OR_RETURN(std::string stem, ModelStem(topology, pruning));
  BENCHD_ASSIGN_OR_RETURN(plan.batch, IntParam(parameters, "batch", 1, 1, kMaxBatch));
  BENCHD_ASSIGN_OR_RETURN(plan.limits, LimitsFrom(request.settings));

  const bool fp16 = plan.precision == "FP16";
  plan.argv = {options_.trtexec};
  if (options_.engine_files) {
    BENCHD_ASSIGN_OR_RETURN(plan.model_path, DeployedModel(kName, options_.model_dir,
                                                           stem + (fp16 ? "_fp16.engine" : "_fp32.engine")));
    plan.argv.push_back("--loadEngine=" + plan.model_path);
  } else {
    BENCHD_ASSIGN_OR_RETURN(plan.model_path, DeployedModel(kName, options_.model_dir, stem + ".onnx"));
    plan.argv.push_back("--onnx=" + plan.model_path);
    if (fp16) plan.argv.push_back("--fp16");  // FP32 is trtexec's default
  }
  if (options_.implicit_batch) {
    plan.argv.push_back("--batch=" + std::to_string(plan.batch));
  } else {
    const std::string dims = options_.input_dims.empty() ? DefaultDims(topology) : options_.input_dims;
    plan.argv.push_back(fmt::format("--shapes={}:{}x{}", options_.input_name, plan.batch, dims));
  }
  plan.argv.push_back("--warmUp=" + std::to_string(options_.warmup_ms));
  plan.argv.push_back("--duration=" + std::to_string(options_.duration_s));
  plan.argv.push_back("--iterations=" + std::to_string(plan.limits.iterations));
  plan.argv.push_back("--percentile=99");
  return plan;
}

absl::StatusOr<JetsonDriver::RepeatOutcome> JetsonDriver::RunRepeat(const Plan& plan, int repeat,
                                                                    milliseconds timeout,
                                                                    const std::string& work_dir,
                                                                    const std::atomic<bool>& cancel) {
  if (work_dir.empty()) return absl::InternalError("no run directory for trtexec's --exportTimes file");
  const std::string times_path = fmt::format("{}/trtexec-times-{}.json", work_dir, repeat);
  // A file left from an earlier attempt must not pass for this run's trace.
  std::error_code ignored;
  std::filesystem::remove(times_path, ignored);

  common::ProcessSpec spec;
  spec.argv = plan.argv;
  spec.argv.push_back("--exportTimes=" + times_path);
  spec.extra_env = options_.modes.environment;
  spec.working_dir = work_dir;
  spec.timeout = timeout;
  BENCHD_ASSIGN_OR_RETURN(common::ProcessOutcome outcome,
                          RunTool(runner_, spec, &cancel, work_dir, fmt::format("trtexec-repeat-{}", repeat)));

  RepeatOutcome result;
  absl::StatusOr<TrtexecOutput> output = ParseTrtexecOutput(outcome.stdout_text);
  if (!output.ok()) {
    if (!outcome.output_truncated) return output.status();
    return common::WithContext(output.status(), "output truncated by the process runner");
  }
  result.output = *std::move(output);
  BENCHD_ASSIGN_OR_RETURN(std::string json, ReadFile(times_path));
  BENCHD_ASSIGN_OR_RETURN(std::vector<TrtexecQuery> trace, ParseTrtexecTimes(json));
  // trtexec's own rule: queries whose compute starts within the warm-up time
  // are warm-up. The trace prints times with 6 significant digits, so a query
  // at the boundary may round across it; when the summary gives the count,
  // it decides (the timed queries are the trace's last ones), and the rule
  // only has to agree within that one query.
  const auto by_rule = static_cast<int64_t>(
      std::count_if(trace.begin(), trace.end(), [&](const TrtexecQuery& query) {
        return query.start_compute_ms >= static_cast<double>(options_.warmup_ms);
      }));
  int64_t timed = by_rule;
  if (result.output.timed_queries) {
    // trtexec counts items, not queries, for implicit-batch engines.
    const int64_t summary = *result.output.timed_queries / (options_.implicit_batch ? plan.batch : 1);
    if (std::abs(summary - by_rule) > 1 || summary > static_cast<int64_t>(trace.size())) {
      return absl::InternalError(fmt::format("trtexec's trace has {} queries after warm-up, its summary {}",
                                             by_rule, summary));
    }
    timed = summary;
  }
  if (timed <= 0) return absl::DataLossError("trtexec's trace has no query after warm-up");
  if (result.output.walltime_s) {
    result.phases = ToolRunPhases(outcome, *result.output.walltime_s, static_cast<double>(options_.warmup_ms) / 1e3);
  }
  for (auto query = trace.end() - timed; query != trace.end(); ++query) {
    result.latency_us.push_back(query->latency_ms * 1e3);
    result.compute_us.push_back(query->compute_ms * 1e3);
    result.end_to_end_us.push_back(query->end_to_end_ms * 1e3);
  }
  return result;
}

absl::Status JetsonDriver::Check(const RunRequest& request) const {
  return common::WithContext(PlanRun(request).status(), fmt::format("jetson run {}", request.run_id));
}

absl::StatusOr<RunResult> JetsonDriver::Run(const RunRequest& request, const std::atomic<bool>& cancel) {
  const std::string context = fmt::format("jetson run {}", request.run_id);
  absl::StatusOr<Plan> plan = PlanRun(request);
  if (!plan.ok()) return common::WithContext(plan.status(), context);

  const RepeatBudget budget(context, plan->limits.timeout);
  RunResult result;
  std::vector<double> all_latency, all_compute;
  double end_to_end_sum = 0, qps_sum = 0;
  bool recomputed = false;
  std::vector<std::string> warnings;
  TrtexecOutput last;
  for (int repeat = 0; repeat < plan->limits.repeats; ++repeat) {
    const std::string repeat_context = budget.ContextOf(repeat);
    absl::StatusOr<milliseconds> remaining_or = budget.Next(repeat, cancel);
    if (!remaining_or.ok()) return remaining_or.status();
    const milliseconds remaining = *remaining_or;
    absl::StatusOr<RepeatOutcome> outcome = RunRepeat(*plan, repeat, remaining, request.work_dir, cancel);
    if (!outcome.ok()) return common::WithContext(outcome.status(), repeat_context);
    RepeatSamples samples;
    samples.repeat = repeat;
    samples.kind = benchd::v1::LATENCY_KIND_SYSTEM;
    samples.latency_us = outcome->latency_us;
    all_latency.insert(all_latency.end(), outcome->latency_us.begin(), outcome->latency_us.end());
    all_compute.insert(all_compute.end(), outcome->compute_us.begin(), outcome->compute_us.end());
    for (double us : outcome->end_to_end_us) end_to_end_sum += us;
    qps_sum += outcome->output.throughput_qps;
    recomputed = recomputed || outcome->output.throughput_recomputed;
    warnings.insert(warnings.end(), outcome->output.warnings.begin(), outcome->output.warnings.end());
    result.repeats.push_back(std::move(samples));
    result.phases.insert(result.phases.end(), outcome->phases.begin(), outcome->phases.end());
    last = std::move(outcome->output);
  }

  const auto repeats = static_cast<double>(plan->limits.repeats);
  const auto batch = static_cast<double>(plan->batch);
  const double qps = qps_sum / repeats;
  benchd::v1::RunSummary& summary = result.summary;
  summary.set_latency_kind(benchd::v1::LATENCY_KIND_SYSTEM);
  *summary.mutable_latency() = common::ComputeLatencyStats(all_latency);
  // Implicit-batch throughput is already items/s; explicit counts batches.
  summary.set_fps(options_.implicit_batch ? qps : qps * batch);
  summary.set_inferences(static_cast<int64_t>(all_latency.size()) * plan->batch);
  const benchd::v1::LatencyStats compute = common::ComputeLatencyStats(all_compute);
  *summary.add_extra() = MakeMetric("compute_mean_us", compute.mean_us(), "us");
  *summary.add_extra() = MakeMetric("compute_median_us", compute.median_us(), "us");
  *summary.add_extra() = MakeMetric("compute_p99_us", compute.p99_us(), "us");
  *summary.add_extra() = MakeMetric("compute_min_us", compute.min_us(), "us");
  *summary.add_extra() = MakeMetric("compute_max_us", compute.max_us(), "us");
  *summary.add_extra() = MakeMetric("end_to_end_mean_us", end_to_end_sum / static_cast<double>(all_latency.size()), "us");
  *summary.add_extra() = MakeMetric("throughput_qps", qps, "query/s");
  *summary.add_extra() = MakeMetric("batch", batch, "item");
  *summary.add_extra() = MakeMetric("timed_queries", static_cast<double>(all_latency.size()), "query");

  auto& entries = *result.environment.mutable_entries();
  entries["driver"] = kName;
  entries["trtexec"] = options_.trtexec;
  entries["tensorrt_version"] = last.tensorrt_version.empty() ? "unknown" : last.tensorrt_version;
  entries["trtexec_format"] = last.format == TrtexecFormat::kSummary8 ? "summary-8" : "legacy-7";
  entries["model"] = plan->model_path;
  entries["batch_mode"] = options_.implicit_batch ? "implicit" : "explicit";
  entries["latency_definition"] = "trtexec Latency: H2D + GPU compute + D2H of one query (one batch)";
  entries["warmup_ms"] = std::to_string(options_.warmup_ms);
  if (recomputed) entries["throughput_recomputed"] = "true";
  if (!warnings.empty()) entries["trtexec_warnings"] = fmt::format("{}", fmt::join(warnings, " | ")).substr(0, 1000);
  return result;
}

absl::StatusOr<benchd::v1::Environment> JetsonDriver::Prepare(const RunRequest& request,
                                                              const std::atomic<bool>& cancel) {
  const std::string context = fmt::format("jetson prepare run {}", request.run_id);
  absl::StatusOr<std::string> mode = RequiredString(request.parameters, "power_mode");
  if (!mode.ok()) return common::WithContext(mode.status(), context);
  absl::StatusOr<benchd::v1::Environment> environment = modes_.Set(*mode, cancel, request.work_dir);
  if (!environment.ok()) return common::WithContext(environment.status(), context + " power_mode=" + *mode);
  return environment;
}

absl::Status JetsonDriver::Teardown() { return common::WithContext(modes_.Restore(), "jetson teardown"); }

absl::StatusOr<benchd::v1::Environment> JetsonDriver::Probe() {
  common::ProcessSpec spec;
  spec.argv = {options_.trtexec, "--help"};
  spec.extra_env = options_.modes.environment;
  spec.timeout = kProbeTimeout;
  absl::StatusOr<common::ProcessOutcome> help = RunTool(runner_, spec, nullptr, "", "");
  if (!help.ok()) return common::WithContext(help.status(), "probe jetson");
  absl::StatusOr<std::string> version = ParseTrtexecVersion(help->stdout_text);
  if (!version.ok()) return absl::UnavailableError("probe jetson: " + std::string(version.status().message()));
  absl::StatusOr<NvpmodelMode> mode = modes_.Query(nullptr, "");
  if (!mode.ok()) return common::WithContext(mode.status(), "probe jetson");

  benchd::v1::Environment environment;
  auto& entries = *environment.mutable_entries();
  entries["driver"] = kName;
  entries["trtexec"] = options_.trtexec;
  entries["tensorrt_version"] = version->empty() ? "unknown" : *version;
  entries["nvpmodel_name"] = mode->name;
  entries["nvpmodel_id"] = std::to_string(mode->id);
  entries["model_dir"] = options_.model_dir;
  return environment;
}

}  // namespace benchd::agent
