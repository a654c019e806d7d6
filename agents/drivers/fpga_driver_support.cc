#include "agents/drivers/fpga_driver_support.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

#include "agents/drivers/driver_util.h"
#include "agents/parsers/text_scan.h"
#include "common/proto_json.h"
#include "common/status_util.h"

namespace benchd::agent::fpga {
namespace {

constexpr std::string_view kEnvPrefix = "env.";

bool IsEnvName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> TakeEnvOptions(const std::string& driver,
                                                                 DriverOptions& options) {
  std::map<std::string, std::string> env;
  for (auto it = options.begin(); it != options.end();) {
    if (!std::string_view(it->first).starts_with(kEnvPrefix)) {
      ++it;
      continue;
    }
    const std::string name = it->first.substr(kEnvPrefix.size());
    if (!IsEnvName(name)) {
      return absl::InvalidArgumentError(driver + " option '" + it->first +
                                        "': expected env.<NAME> with NAME of letters, digits and '_'");
    }
    env[name] = it->second;
    it = options.erase(it);
  }
  return env;
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

absl::StatusOr<double> NumberParam(const benchd::v1::Parameters& parameters, const std::string& name,
                                   double default_value) {
  const benchd::v1::ParamValue* value = common::FindParam(parameters, name);
  if (value == nullptr) return default_value;
  if (value->kind_case() == benchd::v1::ParamValue::kIntValue) return static_cast<double>(value->int_value());
  if (value->kind_case() == benchd::v1::ParamValue::kDoubleValue) return value->double_value();
  return absl::InvalidArgumentError("parameter '" + name + "' must be a number, got '" +
                                    common::ParamValueToString(*value) + "'");
}

absl::StatusOr<std::optional<std::string>> StringParam(const benchd::v1::Parameters& parameters,
                                                       const std::string& name) {
  const benchd::v1::ParamValue* value = common::FindParam(parameters, name);
  if (value == nullptr) return std::optional<std::string>();
  if (value->kind_case() != benchd::v1::ParamValue::kStringValue) {
    return absl::InvalidArgumentError("parameter '" + name + "' must be a string, got '" +
                                      common::ParamValueToString(*value) + "'");
  }
  return std::optional<std::string>(value->string_value());
}

absl::StatusOr<std::string> PrecisionParam(const benchd::v1::Parameters& parameters) {
  absl::StatusOr<std::optional<std::string>> precision = StringParam(parameters, "precision");
  if (!precision.ok()) return precision.status();
  if (!precision->has_value()) return absl::InvalidArgumentError("parameter 'precision' is required");
  return Upper(**precision);
}

std::optional<int> IntegerBits(std::string_view precision) {
  if (!ConsumePrefix(&precision, "INT")) return std::nullopt;
  absl::StatusOr<int64_t> bits = ParseInt64(precision);
  if (!bits.ok() || *bits < 1 || *bits > 32) return std::nullopt;
  return static_cast<int>(*bits);
}

std::string Upper(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return upper;
}

bool IsSafePathComponent(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '@';
  });
}

std::string FormatNumber(double value) {
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return error == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

absl::Status OutcomeStatus(const common::ProcessOutcome& outcome) {
  if (outcome.cancelled) return absl::CancelledError("cancelled: " + FailureDetail(outcome));
  if (outcome.timed_out) return absl::DeadlineExceededError(FailureDetail(outcome));
  if (!outcome.Succeeded()) return absl::UnavailableError(FailureDetail(outcome));
  return absl::OkStatus();
}

absl::StatusOr<common::ProcessOutcome> Launch(common::ProcessRunner& runner, const common::ProcessSpec& spec,
                                              const std::atomic<bool>* cancel) {
  absl::StatusOr<common::ProcessOutcome> outcome = runner.Run(spec, cancel);
  if (!outcome.ok()) {
    return absl::UnavailableError("launch '" + (spec.argv.empty() ? std::string() : spec.argv[0]) +
                                  "': " + std::string(outcome.status().message()));
  }
  return outcome;
}

absl::StatusOr<common::ProcessOutcome> RunProbe(common::ProcessRunner& runner, std::vector<std::string> argv,
                                                const std::map<std::string, std::string>& env,
                                                std::chrono::milliseconds timeout, const std::string& context) {
  common::ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.extra_env = env;
  spec.timeout = timeout;
  absl::StatusOr<common::ProcessOutcome> outcome = Launch(runner, spec, nullptr);
  if (!outcome.ok()) return common::WithContext(outcome.status(), context);
  if (absl::Status status = OutcomeStatus(*outcome); !status.ok()) {
    return absl::UnavailableError(context + ": " + std::string(status.message()));
  }
  return outcome;
}

void SaveArtifact(const std::string& work_dir, const std::string& name, std::string_view text) {
  if (!work_dir.empty()) SaveText(work_dir + "/" + name, text);
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError("open '" + path + "': no such readable file");
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) return absl::DataLossError("read '" + path + "': I/O error");
  return text.str();
}

absl::StatusOr<std::chrono::milliseconds> RunDeadline::Remaining(std::string_view what) const {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end_ - std::chrono::steady_clock::now());
  if (left <= std::chrono::milliseconds::zero()) {
    return absl::DeadlineExceededError(std::string(what) + ": run timeout of " + std::to_string(budget_.count()) +
                                       " ms used up");
  }
  return left;
}

absl::StatusOr<Settings> ReadSettings(const benchd::v1::RunSettings& settings, int default_warmup,
                                      int default_iterations) {
  if (settings.warmup() < 0 || settings.iterations() < 0 || settings.repeats() < 0 || settings.timeout_ms() < 0) {
    return absl::InvalidArgumentError("run settings must not be negative");
  }
  Settings result;
  result.warmup = settings.warmup() > 0 ? settings.warmup() : default_warmup;
  result.iterations = settings.iterations() > 0 ? settings.iterations() : default_iterations;
  result.repeats = settings.repeats() > 0 ? settings.repeats() : 1;
  if (settings.timeout_ms() > 0) result.timeout = std::chrono::milliseconds(settings.timeout_ms());
  return result;
}

}  // namespace benchd::agent::fpga
