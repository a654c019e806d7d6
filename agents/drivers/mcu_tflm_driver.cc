#include "agents/drivers/mcu_tflm_driver.h"

#include <algorithm>
#include <numeric>
#include <array>
#include <cctype>

#include "agents/drivers/driver_util.h"
#include "common/raw_terminal.h"
#include "common/proto_json.h"
#include "common/statistics.h"
#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"
#include "spdlog/spdlog.h"

namespace benchd::agent {
namespace {

using std::chrono::milliseconds;

constexpr int kDefaultWarmup = 10;
// The MCU study reports the mean of 50 inferences.
constexpr int kDefaultIterations = 50;
constexpr milliseconds kDefaultTimeout = std::chrono::minutes(30);
constexpr std::array<std::string_view, 13> kOptionNames = {
    "build_command", "flash_command", "serial_port",   "baud",          "protocol",      "board",       "clock_hz",
    "ready_banner",  "ready_timeout", "read_timeout",  "build_timeout", "flash_timeout", "sim_failure"};
constexpr std::array<std::string_view, 8> kOptLevels = {"-O0", "-O1", "-O2", "-O3", "-Os", "-Ofast", "-Oz", "-Og"};

std::string Upper(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return upper;
}

std::string Lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

absl::StatusOr<std::string> StringParam(const benchd::v1::Parameters& parameters, const std::string& name) {
  const benchd::v1::ParamValue* value = common::FindParam(parameters, name);
  if (value == nullptr) return std::string();
  if (value->kind_case() != benchd::v1::ParamValue::kStringValue || value->string_value().empty()) {
    return absl::InvalidArgumentError("parameter '" + name + "' must be a non-empty string");
  }
  return value->string_value();
}

absl::StatusOr<bool> BoolParam(const benchd::v1::Parameters& parameters, const std::string& name, bool fallback) {
  const benchd::v1::ParamValue* value = common::FindParam(parameters, name);
  if (value == nullptr) return fallback;
  if (value->kind_case() != benchd::v1::ParamValue::kBoolValue) {
    return absl::InvalidArgumentError("parameter '" + name + "' must be true or false, got '" +
                                      common::ParamValueToString(*value) + "'");
  }
  return value->bool_value();
}

void AddSize(benchd::v1::RunSummary& summary, const std::string& name, std::optional<int64_t> bytes) {
  if (bytes) *summary.add_extra() = MakeMetric(name, static_cast<double>(*bytes), "B");
}

}  // namespace

absl::StatusOr<std::unique_ptr<Driver>> McuTflmDriver::Create(const DriverOptions& options,
                                                              common::ProcessRunner& runner) {
  for (const auto& [key, value] : options) {
    if (std::find(kOptionNames.begin(), kOptionNames.end(), key) == kOptionNames.end()) {
      return absl::InvalidArgumentError("mcu-tflm option '" + key + "' is unknown: known are " +
                                        fmt::format("{}", fmt::join(kOptionNames, ", ")));
    }
  }
  const auto get = [&](const char* key) {
    const auto found = options.find(key);
    return found == options.end() ? std::string() : found->second;
  };
  for (const char* required : {"build_command", "flash_command", "serial_port"}) {
    if (get(required).empty()) return absl::InvalidArgumentError(std::string("mcu-tflm option '") + required + "' is required");
  }
  BENCHD_ASSIGN_OR_RETURN(ArgvTemplate build, ArgvTemplate::Parse(get("build_command"), "build_command"));
  Options parsed;
  McuFirmwareBuilder::Commands& commands = parsed.commands;
  commands.build = std::move(build);
  const std::string flash = get("flash_command");
  if (flash.front() == '[') {
    BENCHD_ASSIGN_OR_RETURN(commands.flash, ArgvTemplate::Parse(flash, "flash_command"));
  } else {
    commands.flash_preset = flash;
  }
  parsed.serial_port = get("serial_port");
  if (const std::string baud = get("baud"); !baud.empty()) {
    BENCHD_ASSIGN_OR_RETURN(parsed.baud, IntOption("mcu-tflm", "baud", baud, 1, 4'000'000));
    if (!common::IsSupportedBaud(parsed.baud)) {
      return absl::InvalidArgumentError("mcu-tflm option 'baud': " + baud + " is not a standard rate");
    }
  }
  if (const std::string protocol = get("protocol"); protocol == "energyrunner") {
    parsed.protocol = McuProtocol::kEnergyRunner;
  } else if (!protocol.empty() && protocol != "tflm") {
    return absl::InvalidArgumentError("mcu-tflm option 'protocol' must be tflm or energyrunner, got '" + protocol + "'");
  }
  parsed.board = Upper(get("board"));
  if (const std::string clock = get("clock_hz"); !clock.empty()) {
    BENCHD_ASSIGN_OR_RETURN(int64_t hz, IntOption("mcu-tflm", "clock_hz", clock, 1'000'000, 2'000'000'000));
    parsed.clock_hz = static_cast<uint64_t>(hz);
  }
  if (const std::string banner = get("ready_banner"); !banner.empty()) parsed.ready_banner = banner;
  const std::pair<const char*, milliseconds*> durations[] = {{"ready_timeout", &parsed.ready_timeout},
                                                             {"read_timeout", &parsed.read_timeout},
                                                             {"build_timeout", &commands.build_timeout},
                                                             {"flash_timeout", &commands.flash_timeout}};
  for (const auto& [key, target] : durations) {
    if (const std::string text = get(key); !text.empty()) {
      BENCHD_ASSIGN_OR_RETURN(*target, DurationOption("mcu-tflm", key, text));
    }
  }
  if (const std::string failure = get("sim_failure"); !failure.empty()) {
    commands.extra_env["BENCHD_SIM_FAILURE"] = failure;
  }
  BENCHD_RETURN_IF_ERROR(McuFirmwareBuilder::Validate(commands));
  return std::make_unique<McuTflmDriver>(std::move(parsed), runner);
}

McuTflmDriver::McuTflmDriver(Options options, common::ProcessRunner& runner)
    : options_(std::move(options)), builder_(options_.commands, runner) {}

absl::Status McuTflmDriver::EnsurePortOpen() {
  if (port_ != nullptr) return absl::OkStatus();
  BENCHD_ASSIGN_OR_RETURN(port_, SerialPort::Open(options_.serial_port, options_.baud));
  return absl::OkStatus();
}

absl::StatusOr<benchd::v1::Environment> McuTflmDriver::Probe() {
  BENCHD_RETURN_IF_ERROR(EnsurePortOpen());
  const std::string flasher =
      options_.commands.flash ? options_.commands.flash->Program() : options_.commands.flash_preset;
  for (const std::string& program : {options_.commands.build.Program(), flasher}) {
    if (!IsExecutable(program)) return absl::UnavailableError("probe mcu-tflm: '" + program + "' is not executable");
  }
  benchd::v1::Environment environment;
  auto& entries = *environment.mutable_entries();
  entries["driver"] = kName;
  entries["serial_port"] = options_.serial_port;
  entries["baud"] = std::to_string(options_.baud);
  entries["protocol"] = options_.protocol == McuProtocol::kTflm ? "tflm" : "energyrunner";
  if (!options_.board.empty()) entries["board"] = options_.board;
  return environment;
}

absl::StatusOr<McuBuildConfig> McuTflmDriver::ConfigFor(const RunRequest& request) const {
  const benchd::v1::Parameters& parameters = request.parameters;
  McuBuildConfig config;
  config.board = options_.board;
  if (config.board.empty()) {
    BENCHD_ASSIGN_OR_RETURN(std::string platform, StringParam(parameters, "platform"));
    if (platform.empty()) return absl::InvalidArgumentError("no board: set option 'board' or parameter 'platform'");
    config.board = Upper(platform);
  }
  BENCHD_ASSIGN_OR_RETURN(config.model, StringParam(parameters, "model"));
  if (config.model.empty()) {
    BENCHD_ASSIGN_OR_RETURN(std::string topology, StringParam(parameters, "topology"));
    BENCHD_ASSIGN_OR_RETURN(std::string dataset, StringParam(parameters, "dataset"));
    if (topology.empty()) return absl::InvalidArgumentError("parameter 'model' (or 'topology') is required");
    config.model = dataset.empty() ? topology : topology + "-" + dataset;
  }
  BENCHD_ASSIGN_OR_RETURN(std::string dtype, StringParam(parameters, "dtype"));
  config.dtype = Lower(dtype);
  if (config.dtype != "int8" && config.dtype != "float32") {
    return absl::InvalidArgumentError("parameter 'dtype' must be int8 or float32, got '" + dtype + "'");
  }
  BENCHD_ASSIGN_OR_RETURN(config.cmsis_nn, BoolParam(parameters, "cmsis_nn", true));
  BENCHD_ASSIGN_OR_RETURN(config.fpu, BoolParam(parameters, "fpu", true));
  BENCHD_ASSIGN_OR_RETURN(std::string opt, StringParam(parameters, "opt"));
  if (!opt.empty()) config.opt = opt;
  if (std::find(kOptLevels.begin(), kOptLevels.end(), config.opt) == kOptLevels.end()) {
    return absl::InvalidArgumentError("parameter 'opt' must be a GCC -O level, got '" + config.opt + "'");
  }
  return config;
}

absl::StatusOr<uint64_t> McuTflmDriver::ClockFor(const McuBuildConfig& config, const BuildInfo& info) const {
  if (options_.clock_hz > 0) return options_.clock_hz;
  if (info.clock_hz && *info.clock_hz > 0) return static_cast<uint64_t>(*info.clock_hz);
  if (const McuBoardInfo* board = FindMcuBoard(config.board)) return board->clock_hz;
  // An agent configuration problem, not a property of the experiment.
  return absl::InternalError("no core clock known for board " + config.board +
                             ": set option clock_hz or report clock_hz in build-info.json");
}

absl::StatusOr<benchd::v1::Environment> McuTflmDriver::Prepare(const RunRequest& request,
                                                               const std::atomic<bool>& cancel) {
  absl::StatusOr<McuBuildConfig> config = ConfigFor(request);
  if (!config.ok()) return common::WithContext(config.status(), fmt::format("mcu-tflm prepare run {}", request.run_id));
  return PrepareConfig(request, *config, cancel);
}

absl::StatusOr<benchd::v1::Environment> McuTflmDriver::PrepareConfig(const RunRequest& request,
                                                                     const McuBuildConfig& config,
                                                                     const std::atomic<bool>& cancel) {
  const std::string context = fmt::format("mcu-tflm prepare {}", config.Identity());
  prepared_.reset();  // whatever was on the board is about to be replaced
  const std::string out_dir = (request.work_dir.empty() ? std::string(".") : request.work_dir) + "/firmware";
  absl::StatusOr<BuiltFirmware> firmware = builder_.Build(config, out_dir, cancel);
  if (!firmware.ok()) return common::WithContext(firmware.status(), context + ": build");
  absl::StatusOr<uint64_t> clock = ClockFor(config, firmware->info);
  if (!clock.ok()) return common::WithContext(clock.status(), context);
  // Listen before the flasher resets the board, or the banner is missed.
  absl::Status ready = EnsurePortOpen();
  if (ready.ok()) ready = port_->DiscardInput();
  if (ready.ok()) ready = builder_.Flash(config, *firmware, out_dir, cancel);
  std::string log;
  absl::StatusOr<std::map<std::string, std::string>> facts =
      ready.ok() ? McuSerialSession(*port_, cancel, &log).WaitForReady(options_.protocol, options_.ready_banner,
                                                                       options_.ready_timeout)
                 : absl::StatusOr<std::map<std::string, std::string>>(ready);
  SaveText(out_dir + "/serial-ready.log", log);
  if (!facts.ok()) {
    if (absl::IsUnavailable(facts.status())) port_.reset();
    return common::WithContext(facts.status(), context);
  }

  const BuildInfo& info = firmware->info;
  benchd::v1::Environment environment;
  auto& entries = *environment.mutable_entries();
  entries["firmware_sha256"] = firmware->sha256;
  entries["binary_size_bytes"] = std::to_string(info.binary_size_bytes);
  entries["arena_size_bytes"] = std::to_string(info.arena_size_bytes);
  entries["model_size_bytes"] = std::to_string(info.model_size_bytes);
  entries["board"] = config.board;
  entries["model"] = config.model;
  entries["dtype"] = config.dtype;
  entries["cmsis_nn"] = config.cmsis_nn ? "true" : "false";
  entries["opt"] = config.opt;
  entries["fpu"] = config.fpu ? "true" : "false";
  entries["clock_hz"] = std::to_string(*clock);
  entries["protocol"] = options_.protocol == McuProtocol::kTflm ? "tflm" : "energyrunner";
  entries["serial_port"] = options_.serial_port;
  if (!info.toolchain.empty()) entries["toolchain"] = info.toolchain;
  for (const auto& [key, value] : *facts) entries[key] = value;
  spdlog::info("mcu-tflm: flashed {} ({} bytes, sha256 {})", config.Identity(), info.binary_size_bytes,
               firmware->sha256.substr(0, 12));
  prepared_ = Prepared{config.Identity(), *std::move(firmware), *clock, environment};
  return environment;
}

absl::StatusOr<RunResult> McuTflmDriver::Run(const RunRequest& request, const std::atomic<bool>& cancel) {
  const std::string context = fmt::format("mcu-tflm run {}", request.run_id);
  absl::StatusOr<McuBuildConfig> config = ConfigFor(request);
  if (!config.ok()) return common::WithContext(config.status(), context);
  if (!prepared_ || prepared_->identity != config->Identity()) {
    spdlog::info("{}: the board does not run {}; preparing it", context, config->Identity());
    BENCHD_RETURN_IF_ERROR(PrepareConfig(request, *config, cancel).status());
  }
  absl::StatusOr<RunResult> result = Measure(request, cancel);
  if (!result.ok()) {
    const absl::StatusCode code = result.status().code();
    if (code != absl::StatusCode::kFailedPrecondition && code != absl::StatusCode::kInvalidArgument) {
      // The board may be wedged or reset: flash again before the next run.
      prepared_.reset();
      if (code == absl::StatusCode::kUnavailable) port_.reset();
    }
    return common::WithContext(result.status(), context);
  }
  return result;
}

absl::StatusOr<RunResult> McuTflmDriver::Measure(const RunRequest& request, const std::atomic<bool>& cancel) {
  const benchd::v1::RunSettings& settings = request.settings;
  if (settings.warmup() < 0 || settings.iterations() < 0 || settings.repeats() < 0 || settings.timeout_ms() < 0) {
    return absl::InvalidArgumentError("run settings must not be negative");
  }
  McuSampleRequest sampling;
  sampling.warmup = settings.warmup() > 0 ? settings.warmup() : kDefaultWarmup;
  sampling.iterations = settings.iterations() > 0 ? settings.iterations() : kDefaultIterations;
  sampling.clock_hz = prepared_->clock_hz;
  sampling.line_timeout = options_.read_timeout;
  sampling.deadline = SerialPort::Clock::now() +
                      (settings.timeout_ms() > 0 ? milliseconds(settings.timeout_ms()) : kDefaultTimeout);
  const int repeats = settings.repeats() > 0 ? settings.repeats() : 1;

  RunResult result;
  std::vector<double> all_latency_us;
  for (int repeat = 0; repeat < repeats; ++repeat) {
    std::string log;
    McuSerialSession session(*port_, cancel, &log);
    const int64_t session_start = MonotonicNowNs();
    absl::StatusOr<std::vector<double>> samples = options_.protocol == McuProtocol::kTflm
                                                      ? session.CollectTflm(sampling, options_.ready_banner)
                                                      : session.CollectEnergyRunner(sampling);
    const int64_t session_end = MonotonicNowNs();
    if (!request.work_dir.empty()) SaveText(request.work_dir + "/serial-repeat-" + std::to_string(repeat) + ".log", log);
    if (!samples.ok()) return common::WithContext(samples.status(), "repeat " + std::to_string(repeat));
    all_latency_us.insert(all_latency_us.end(), samples->begin(), samples->end());
    // The board runs its timed inferences back to back and prints each as it
    // finishes: the measure window is their total time, ending when the last
    // line arrived (off by the line's serial transfer, a few ms at most).
    // Everything before the timed part (reset, handshake, warm-up) is warm-up.
    const double timed_s = std::accumulate(samples->begin(), samples->end(), 0.0) * 1e-6;
    const std::vector<PhaseMark> marks =
        PhasesBetween(session_start, session_end, timed_s, static_cast<double>(session_end - session_start) * 1e-9);
    result.phases.insert(result.phases.end(), marks.begin(), marks.end());
    result.repeats.push_back(RepeatSamples{repeat, benchd::v1::LATENCY_KIND_COMPUTE, *std::move(samples), {}});
  }

  const BuildInfo& info = prepared_->firmware.info;
  benchd::v1::RunSummary& summary = result.summary;
  summary.set_latency_kind(benchd::v1::LATENCY_KIND_COMPUTE);
  *summary.mutable_latency() = common::ComputeLatencyStats(all_latency_us);
  const double mean_us = summary.latency().mean_us();
  if (mean_us > 0) {
    summary.set_fps(1e6 / mean_us);
    if (info.ops_per_inference) summary.set_gops(static_cast<double>(*info.ops_per_inference) / mean_us / 1e3);
  }
  summary.set_inferences(static_cast<int64_t>(all_latency_us.size()));
  AddSize(summary, "binary_size_bytes", info.binary_size_bytes);
  AddSize(summary, "arena_size_bytes", info.arena_size_bytes);
  AddSize(summary, "model_size_bytes", info.model_size_bytes);
  AddSize(summary, "flash_used_bytes", info.flash_used_bytes);
  AddSize(summary, "ram_used_bytes", info.ram_used_bytes);
  result.environment = prepared_->environment;
  (*result.environment.mutable_entries())["driver"] = kName;
  return result;
}

absl::Status McuTflmDriver::Teardown() {
  prepared_.reset();
  port_.reset();
  return absl::OkStatus();
}

}  // namespace benchd::agent
