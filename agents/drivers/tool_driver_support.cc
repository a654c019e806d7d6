#include "agents/drivers/tool_driver_support.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <utility>

#include "agents/parsers/text_scan.h"
#include "common/proto_json.h"
#include "common/statistics.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::agent {

OptionReader::OptionReader(std::string driver, const DriverOptions& options)
    : driver_(std::move(driver)), options_(options) {}

std::string OptionReader::String(const std::string& key, const std::string& default_value) {
  read_.insert(key);
  auto it = options_.find(key);
  return it == options_.end() || it->second.empty() ? default_value : it->second;
}

absl::StatusOr<std::string> OptionReader::Required(const std::string& key) {
  std::string value = String(key, "");
  if (value.empty()) return absl::InvalidArgumentError(driver_ + " option '" + key + "' is required");
  return value;
}

absl::StatusOr<int64_t> OptionReader::Int(const std::string& key, int64_t default_value, int64_t min,
                                          int64_t max) {
  const std::string text = String(key, "");
  if (text.empty()) return default_value;
  absl::StatusOr<int64_t> value = ParseInt64(text);
  if (!value.ok() || *value < min || *value > max) {
    return absl::InvalidArgumentError(
        fmt::format("{} option '{}' must be an integer in [{}, {}], got '{}'", driver_, key, min, max, text));
  }
  return *value;
}

absl::StatusOr<bool> OptionReader::Bool(const std::string& key, bool default_value) {
  const std::string text = Lower(String(key, ""));
  if (text.empty()) return default_value;
  if (text == "true" || text == "yes" || text == "on" || text == "1") return true;
  if (text == "false" || text == "no" || text == "off" || text == "0") return false;
  return absl::InvalidArgumentError(driver_ + " option '" + key + "' must be true or false, got '" + text + "'");
}

absl::StatusOr<std::string> OptionReader::Choice(const std::string& key, const std::string& default_value,
                                                 const std::vector<std::string>& allowed) {
  const std::string value = String(key, default_value);
  if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
    return absl::InvalidArgumentError(fmt::format("{} option '{}' must be one of {}, got '{}'", driver_, key,
                                                  fmt::join(allowed, ", "), value));
  }
  return value;
}

std::map<std::string, std::string> OptionReader::Environment() {
  std::map<std::string, std::string> environment;
  for (const auto& [key, value] : options_) {
    if (key.starts_with("env.") && key.size() > 4) {
      read_.insert(key);
      environment[key.substr(4)] = value;
    }
  }
  return environment;
}

absl::Status OptionReader::CheckAllRead() const {
  for (const auto& [key, value] : options_) {
    if (!read_.contains(key)) {
      std::vector<std::string> known(read_.begin(), read_.end());
      std::erase_if(known, [](const std::string& k) { return k.starts_with("env."); });
      return absl::InvalidArgumentError(fmt::format("{} option '{}' is unknown: known are {}, env.NAME", driver_,
                                                    key, fmt::join(known, ", ")));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> OptionalString(const benchd::v1::Parameters& parameters,
                                                         const std::string& name) {
  const benchd::v1::ParamValue* value = common::FindParam(parameters, name);
  if (value == nullptr) return std::optional<std::string>();
  if (value->kind_case() != benchd::v1::ParamValue::kStringValue) {
    return absl::InvalidArgumentError("parameter '" + name + "' must be a string, got '" +
                                      common::ParamValueToString(*value) + "'");
  }
  return std::optional<std::string>(value->string_value());
}

absl::StatusOr<std::string> RequiredString(const benchd::v1::Parameters& parameters, const std::string& name) {
  absl::StatusOr<std::optional<std::string>> value = OptionalString(parameters, name);
  if (!value.ok()) return value.status();
  if (!value->has_value() || (*value)->empty()) {
    return absl::InvalidArgumentError("parameter '" + name + "' is required");
  }
  return **value;
}

absl::StatusOr<int64_t> IntParam(const benchd::v1::Parameters& parameters, const std::string& name,
                                 int64_t default_value, int64_t min, int64_t max) {
  const benchd::v1::ParamValue* value = common::FindParam(parameters, name);
  if (value == nullptr) return default_value;
  if (value->kind_case() != benchd::v1::ParamValue::kIntValue) {
    return absl::InvalidArgumentError("parameter '" + name + "' must be an integer, got '" +
                                      common::ParamValueToString(*value) + "'");
  }
  if (value->int_value() < min || value->int_value() > max) {
    return absl::InvalidArgumentError(
        fmt::format("parameter '{}' must be in [{}, {}], got {}", name, min, max, value->int_value()));
  }
  return value->int_value();
}

absl::StatusOr<double> NumberParam(const benchd::v1::Parameters& parameters, const std::string& name,
                                   double default_value) {
  const benchd::v1::ParamValue* value = common::FindParam(parameters, name);
  if (value == nullptr) return default_value;
  if (value->kind_case() == benchd::v1::ParamValue::kIntValue) return static_cast<double>(value->int_value());
  if (value->kind_case() == benchd::v1::ParamValue::kDoubleValue) return value->double_value();
  return absl::InvalidArgumentError("parameter '" + name + "' must be a number, got '" +
                                    common::ParamValueToString(*value) + "'");
}

std::string Upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

absl::StatusOr<std::string> ModelStem(const std::string& topology, double pruning) {
  if (topology.empty() || topology == "." || topology == ".." ||
      topology.find_first_of(std::string("/\0", 2)) != std::string::npos) {
    return absl::InvalidArgumentError("parameter 'topology' must name a model file in the model directory, got '" +
                                      topology + "'");
  }
  if (!(pruning > 0 && pruning <= 100)) {
    return absl::InvalidArgumentError(fmt::format("parameter 'pruning' must be in (0, 100], got {}", pruning));
  }
  return pruning == 100 ? topology : fmt::format("{}-p{}", topology, pruning);
}

absl::StatusOr<std::string> DeployedModel(const std::string& driver, const std::string& model_dir,
                                          const std::string& file) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(model_dir, error)) {
    return absl::UnavailableError(fmt::format("{} model_dir {} is not a directory{}", driver, model_dir,
                                              error ? ": " + error.message() : ""));
  }
  const fs::path path = fs::path(model_dir) / file;
  if (fs::is_regular_file(path, error)) return path.string();
  // The files of the same kind it does hold, so that a misspelt topology or
  // a model not deployed yet is told apart at a glance.
  const std::string extension = path.extension().string();
  std::vector<std::string> held;
  for (const fs::directory_entry& entry : fs::directory_iterator(model_dir, error)) {
    if (entry.path().extension() == extension && entry.is_regular_file(error)) {
      held.push_back(entry.path().filename().string());
    }
  }
  std::sort(held.begin(), held.end());
  constexpr size_t kListed = 8;
  const size_t more = held.size() > kListed ? held.size() - kListed : 0;
  held.resize(held.size() - more);
  std::string listed = held.empty() ? "none" : fmt::format("{}", fmt::join(held, ", "));
  if (more > 0) listed += fmt::format(" and {} more", more);
  return absl::FailedPreconditionError(
      fmt::format("{} has no model {} on this device (no file {}; {} files there: {})", driver, file,
                  path.string(), extension, listed));
}

absl::StatusOr<RunLimits> LimitsFrom(const benchd::v1::RunSettings& settings) {
  if (settings.warmup() < 0 || settings.iterations() < 0 || settings.repeats() < 0 || settings.timeout_ms() < 0) {
    return absl::InvalidArgumentError("run settings must not be negative");
  }
  RunLimits limits;
  if (settings.warmup() > 0) limits.warmup = settings.warmup();
  if (settings.iterations() > 0) limits.iterations = settings.iterations();
  if (settings.repeats() > 0) limits.repeats = settings.repeats();
  if (settings.timeout_ms() > 0) limits.timeout = std::chrono::milliseconds(settings.timeout_ms());
  return limits;
}

absl::StatusOr<common::ProcessOutcome> RunTool(common::ProcessRunner& runner, const common::ProcessSpec& spec,
                                               const std::atomic<bool>* cancel, const std::string& work_dir,
                                               const std::string& raw_name) {
  const std::string& tool = spec.argv.front();
  absl::StatusOr<common::ProcessOutcome> outcome = runner.Run(spec, cancel);
  if (!outcome.ok()) {
    return absl::UnavailableError("launch '" + tool + "': " + std::string(outcome.status().message()));
  }
  if (!work_dir.empty()) {
    SaveText(work_dir + "/" + raw_name + ".stdout", outcome->stdout_text);
    SaveText(work_dir + "/" + raw_name + ".stderr", outcome->stderr_text);
  }
  if (outcome->cancelled) return absl::CancelledError("'" + tool + "' cancelled: " + FailureDetail(*outcome));
  if (outcome->timed_out) return absl::DeadlineExceededError("'" + tool + "' " + FailureDetail(*outcome));
  if (!outcome->Succeeded()) return absl::UnavailableError("'" + tool + "' failed: " + FailureDetail(*outcome));
  return outcome;
}

benchd::v1::LatencyStats StatsFromFigures(const LatencyFigures& figures, std::optional<double> sample_std_us) {
  benchd::v1::LatencyStats stats;
  // What the tool did not print stays unset (absent), not 0.
  const auto set = [&](void (benchd::v1::LatencyStats::*setter)(double), std::optional<double> value) {
    if (value) (stats.*setter)(*value);
  };
  stats.set_count(figures.count.value_or(0));
  set(&benchd::v1::LatencyStats::set_mean_us, figures.mean_us);
  set(&benchd::v1::LatencyStats::set_min_us, figures.min_us);
  set(&benchd::v1::LatencyStats::set_max_us, figures.max_us);
  set(&benchd::v1::LatencyStats::set_median_us, figures.median_us ? figures.median_us : figures.Percentile(50));
  set(&benchd::v1::LatencyStats::set_p90_us, figures.Percentile(90));
  set(&benchd::v1::LatencyStats::set_p95_us, figures.Percentile(95));
  set(&benchd::v1::LatencyStats::set_p99_us, figures.Percentile(99));
  if (sample_std_us && figures.mean_us) {
    stats.set_std_us(*sample_std_us);
    const int64_t n = stats.count();
    const double half = n > 1 ? common::StudentT95(n - 1) * *sample_std_us / std::sqrt(static_cast<double>(n)) : 0;
    stats.set_ci95_low_us(*figures.mean_us - half);
    stats.set_ci95_high_us(*figures.mean_us + half);
  }
  return stats;
}

absl::StatusOr<common::ProcessOutcome> RunRepeatTool(common::ProcessRunner& runner,
                                                     const std::vector<std::string>& argv,
                                                     const std::map<std::string, std::string>& env,
                                                     const std::string& work_dir, std::chrono::milliseconds timeout,
                                                     const std::atomic<bool>* cancel, const std::string& raw_name) {
  common::ProcessSpec spec;
  spec.argv = argv;
  spec.extra_env = env;
  spec.working_dir = work_dir;
  spec.timeout = timeout;
  return RunTool(runner, spec, cancel, work_dir, raw_name);
}

std::vector<PhaseMark> ToolRunPhases(const common::ProcessOutcome& outcome, double measured_s, double warmup_s) {
  if (outcome.ended_ns == 0) return {};
  return PhasesBetween(outcome.ended_ns - outcome.wall_time.count(), outcome.ended_ns, measured_s, warmup_s);
}

}  // namespace benchd::agent
