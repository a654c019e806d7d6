#include "agents/parsers/host_mlp_parser.h"

#include <string>

#include "agents/parsers/text_scan.h"
#include "common/status_util.h"

namespace benchd::agent {
namespace {

constexpr std::string_view kRuntimeKeyword = "benchd-host-mlp";
constexpr int64_t kSupportedFormat = 1;

absl::Status DataLoss(int line_number, std::string_view message) {
  std::string text = "parse benchd-host-mlp output: ";
  if (line_number > 0) text += "line " + std::to_string(line_number) + ": ";
  text += message;
  return absl::DataLossError(text);
}

absl::StatusOr<HostMlpRuntime> ParseRuntime(const KeyValueLine& line) {
  HostMlpRuntime runtime;
  BENCHD_ASSIGN_OR_RETURN(runtime.format, line.GetInt64("format"));
  if (runtime.format != kSupportedFormat) {
    return absl::InvalidArgumentError("unsupported output format " +
                                      std::to_string(runtime.format) + ", expected " +
                                      std::to_string(kSupportedFormat));
  }
  BENCHD_ASSIGN_OR_RETURN(auto version, line.GetString("version"));
  BENCHD_ASSIGN_OR_RETURN(auto onednn, line.GetString("onednn"));
  BENCHD_ASSIGN_OR_RETURN(auto threading, line.GetString("threading"));
  BENCHD_ASSIGN_OR_RETURN(auto isa, line.GetString("isa"));
  BENCHD_ASSIGN_OR_RETURN(runtime.threads, line.GetInt64("threads"));
  runtime.version = version;
  runtime.onednn = onednn;
  runtime.threading = threading;
  runtime.isa = isa;
  return runtime;
}

absl::StatusOr<HostMlpConfig> ParseConfig(const KeyValueLine& line) {
  HostMlpConfig config;
  BENCHD_ASSIGN_OR_RETURN(auto topology, line.GetString("topology"));
  BENCHD_ASSIGN_OR_RETURN(config.pruning, line.GetDouble("pruning"));
  BENCHD_ASSIGN_OR_RETURN(auto precision, line.GetString("precision"));
  BENCHD_ASSIGN_OR_RETURN(config.batch, line.GetInt64("batch"));
  BENCHD_ASSIGN_OR_RETURN(config.hidden, line.GetInt64("hidden"));
  BENCHD_ASSIGN_OR_RETURN(config.params, line.GetInt64("params"));
  BENCHD_ASSIGN_OR_RETURN(config.ops_per_inference, line.GetInt64("ops_per_inference"));
  BENCHD_ASSIGN_OR_RETURN(config.warmup, line.GetInt64("warmup"));
  BENCHD_ASSIGN_OR_RETURN(config.iterations, line.GetInt64("iterations"));
  BENCHD_ASSIGN_OR_RETURN(auto seed_text, line.GetString("seed"));
  BENCHD_ASSIGN_OR_RETURN(config.seed, ParseUint64(seed_text));
  if (config.batch < 1 || config.params < 1 || config.ops_per_inference < 1 ||
      config.iterations < 0) {
    return absl::InvalidArgumentError("implausible config: batch, params and ops must be positive");
  }
  config.topology = topology;
  config.precision = precision;
  return config;
}

absl::StatusOr<HostMlpLayer> ParseLayer(const KeyValueLine& line) {
  HostMlpLayer layer;
  BENCHD_ASSIGN_OR_RETURN(layer.index, line.GetInt64("i"));
  BENCHD_ASSIGN_OR_RETURN(layer.inputs, line.GetInt64("in"));
  BENCHD_ASSIGN_OR_RETURN(layer.outputs, line.GetInt64("out"));
  BENCHD_ASSIGN_OR_RETURN(auto implementation, line.GetString("impl"));
  layer.implementation = implementation;
  return layer;
}

absl::StatusOr<HostMlpSummary> ParseSummary(const KeyValueLine& line) {
  HostMlpSummary summary;
  BENCHD_ASSIGN_OR_RETURN(summary.count, line.GetInt64("count"));
  BENCHD_ASSIGN_OR_RETURN(summary.mean_us, line.GetDouble("mean_us"));
  BENCHD_ASSIGN_OR_RETURN(summary.median_us, line.GetDouble("median_us"));
  BENCHD_ASSIGN_OR_RETURN(summary.p99_us, line.GetDouble("p99_us"));
  BENCHD_ASSIGN_OR_RETURN(summary.min_us, line.GetDouble("min_us"));
  BENCHD_ASSIGN_OR_RETURN(summary.max_us, line.GetDouble("max_us"));
  BENCHD_ASSIGN_OR_RETURN(summary.fps, line.GetDouble("fps"));
  BENCHD_ASSIGN_OR_RETURN(summary.gops, line.GetDouble("gops"));
  return summary;
}

absl::StatusOr<HostMlpCheck> ParseCheck(const KeyValueLine& line) {
  HostMlpCheck check;
  BENCHD_ASSIGN_OR_RETURN(check.max_abs_error, line.GetDouble("max_abs_err"));
  BENCHD_ASSIGN_OR_RETURN(check.reference_max_abs, line.GetDouble("ref_max_abs"));
  return check;
}

// Adds one sample line to `output`, enforcing order and sign.
absl::Status AppendSample(const KeyValueLine& line, HostMlpOutput& output) {
  BENCHD_ASSIGN_OR_RETURN(int64_t index, line.GetInt64("i"));
  BENCHD_ASSIGN_OR_RETURN(double latency_us, line.GetDouble("latency_us"));
  BENCHD_ASSIGN_OR_RETURN(int64_t t_ns, line.GetInt64("t_ns"));
  if (index != static_cast<int64_t>(output.latency_us.size())) {
    return absl::InvalidArgumentError(
        "sample i=" + std::to_string(index) +
        " out of order, expected i=" + std::to_string(output.latency_us.size()));
  }
  if (latency_us < 0) return absl::InvalidArgumentError("negative latency_us");
  output.latency_us.push_back(latency_us);
  output.t_ns.push_back(t_ns);
  return absl::OkStatus();
}

// The first non-blank line, which must be the runtime line.
absl::StatusOr<HostMlpRuntime> ParseRuntimeLine(const TextLine& line) {
  absl::StatusOr<KeyValueLine> fields = ParseKeyValueLine(line.text);
  if (!fields.ok() || fields->keyword != kRuntimeKeyword) {
    return DataLoss(line.number, "missing 'benchd-host-mlp format=...' line at the start");
  }
  absl::StatusOr<HostMlpRuntime> runtime = ParseRuntime(*fields);
  if (!runtime.ok()) return DataLoss(line.number, std::string(runtime.status().message()));
  return runtime;
}

}  // namespace

absl::StatusOr<HostMlpOutput> ParseHostMlpOutput(std::string_view text) {
  HostMlpOutput output;
  bool have_runtime = false;
  bool have_config = false;
  int summary_line = 0;
  for (const TextLine& line : SplitLines(text)) {
    if (Trim(line.text).empty()) continue;
    if (!have_runtime) {
      BENCHD_ASSIGN_OR_RETURN(output.runtime, ParseRuntimeLine(line));
      have_runtime = true;
      continue;
    }
    absl::StatusOr<KeyValueLine> fields = ParseKeyValueLine(line.text);
    if (!fields.ok()) return DataLoss(line.number, std::string(fields.status().message()));
    const std::string_view keyword = fields->keyword;
    const bool needs_config =
        keyword == "layer" || keyword == "warmup" || keyword == "sample" || keyword == "summary";
    if (needs_config && !have_config) {
      return DataLoss(line.number, "'" + std::string(keyword) + "' line before the config line");
    }
    if (summary_line > 0 && keyword != "check") {
      return DataLoss(line.number, "'" + std::string(keyword) + "' line after the summary line");
    }
    absl::Status status;
    if (keyword == "config") {
      if (have_config) return DataLoss(line.number, "second config line");
      absl::StatusOr<HostMlpConfig> config = ParseConfig(*fields);
      status = config.status();
      if (config.ok()) output.config = *std::move(config);
      have_config = true;
    } else if (keyword == "layer") {
      absl::StatusOr<HostMlpLayer> layer = ParseLayer(*fields);
      status = layer.status();
      if (layer.ok()) output.layers.push_back(*std::move(layer));
    } else if (keyword == "warmup") {
      status = fields->GetInt64("done").status();
    } else if (keyword == "sample") {
      status = AppendSample(*fields, output);
    } else if (keyword == "summary") {
      absl::StatusOr<HostMlpSummary> summary = ParseSummary(*fields);
      status = summary.status();
      if (summary.ok()) output.summary = *summary;
      summary_line = line.number;
    } else if (keyword == "check") {
      absl::StatusOr<HostMlpCheck> check = ParseCheck(*fields);
      status = check.status();
      if (check.ok()) output.check = *check;
    } else {
      return DataLoss(line.number,
                      "unexpected line starting with '" + std::string(keyword.substr(0, 40)) + "'");
    }
    if (!status.ok()) return DataLoss(line.number, std::string(status.message()));
  }

  if (!have_runtime) return DataLoss(0, "empty output: missing 'benchd-host-mlp' line");
  if (!have_config) return DataLoss(0, "truncated output: no config line");
  if (summary_line == 0) {
    return DataLoss(0, "truncated output: no summary line after " +
                           std::to_string(output.latency_us.size()) + " samples");
  }
  const auto samples = static_cast<int64_t>(output.latency_us.size());
  if (output.summary.count != samples) {
    return DataLoss(summary_line, "summary count=" + std::to_string(output.summary.count) +
                                      " but " + std::to_string(samples) + " sample lines");
  }
  if (output.config.iterations != samples) {
    return DataLoss(summary_line, "config iterations=" + std::to_string(output.config.iterations) +
                                      " but " + std::to_string(samples) + " sample lines");
  }
  return output;
}

absl::StatusOr<HostMlpRuntime> ParseHostMlpVersion(std::string_view text) {
  for (const TextLine& line : SplitLines(text)) {
    if (Trim(line.text).empty()) continue;
    return ParseRuntimeLine(line);
  }
  return DataLoss(0, "empty --version output");
}

}  // namespace benchd::agent
