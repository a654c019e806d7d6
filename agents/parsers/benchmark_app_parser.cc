#include "agents/parsers/benchmark_app_parser.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "agents/parsers/text_scan.h"
#include "agents/parsers/tool_text.h"
#include "common/status_util.h"

namespace benchd::agent {
namespace {

constexpr std::string_view kTool = "benchmark_app";

std::string Lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

// Drops "[ INFO ] " and the like; returns the level ("info", "warning",
// "error") in `*level`, empty when there is none.
std::string_view StripLevel(std::string_view line, std::string* level) {
  level->clear();
  std::string_view rest = Trim(line);
  if (rest.starts_with("[ ") && !rest.starts_with("[Step")) {
    const size_t close = rest.find(" ]");
    if (close != std::string_view::npos) {
      *level = Lower(Trim(rest.substr(2, close - 2)));
      rest.remove_prefix(close + 2);
    }
  }
  return Trim(rest);
}

// The integer just before `word` in `text` ("4 inference requests"), or nullopt.
std::optional<int64_t> NumberBefore(std::string_view text, std::string_view word) {
  const size_t at = text.find(word);
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  const std::vector<std::string_view> before = SplitWhitespace(text.substr(0, at));
  if (before.empty()) return std::nullopt;
  absl::StatusOr<int64_t> number = ParseInt64(before.back());
  return number.ok() ? std::optional<int64_t>(*number) : std::nullopt;
}

// The version token of "Build ........ 2021.4.2-3974-..." or
// "API version............. 2022.1.0-7019-...", or "".
std::string VersionToken(std::string_view text) {
  const std::vector<std::string_view> tokens = SplitWhitespace(text);
  if (tokens.empty()) return "";
  std::string_view last = tokens.back();
  while (!last.empty() && last.front() == '.') last.remove_prefix(1);
  return !last.empty() && std::isdigit(static_cast<unsigned char>(last.front())) ? std::string(last) : "";
}

struct State {
  BenchmarkAppOutput out;
  bool have_count = false, have_duration = false, have_latency = false, have_throughput = false;
  bool in_latency_block = false;
  bool build_version = false;
  std::string first_error;
};

absl::Status ParseLatencyRow(State& s, const std::string& key, std::string_view value) {
  if (!s.in_latency_block) return absl::InvalidArgumentError("'" + key + ":' outside the Latency block");
  BENCHD_ASSIGN_OR_RETURN(double us, ParseDurationUs(value));
  LatencyFigures& latency = s.out.latency;
  s.have_latency = true;
  if (key.ends_with(" percentile")) {
    // `-latency_percentile 90` replaces the Median row by "90 percentile:".
    if (s.out.latency_percentile) return absl::InvalidArgumentError("'" + key + ":' given twice");
    BENCHD_ASSIGN_OR_RETURN(double percent, ParseDouble(std::string_view(key).substr(0, key.size() - 11)));
    s.out.latency_percentile = percent;
    latency.percentiles_us.emplace_back(percent, us);
    return absl::OkStatus();
  }
  std::optional<double>* slot = key == "median"    ? &latency.median_us
                                : key == "average" ? &latency.mean_us
                                : key == "min"     ? &latency.min_us
                                                   : &latency.max_us;
  if (slot->has_value()) return absl::InvalidArgumentError("'" + key + ":' given twice");
  *slot = us;
  return absl::OkStatus();
}

absl::Status ParseLine(State& s, std::string_view body) {
  if (body.starts_with("[Step ")) {
    s.in_latency_block = false;
    const std::string lower = Lower(body);
    if (lower.find("asynchronously") != std::string::npos) {
      s.out.api = "async";
    } else if (lower.find("synchronously") != std::string::npos) {
      s.out.api = "sync";
    }
    if (auto n = NumberBefore(lower, " inference requests")) s.out.infer_requests = n;
    if (auto n = NumberBefore(lower, " streams")) s.out.streams = n;
    return absl::OkStatus();
  }
  if (!s.build_version && s.out.openvino_version.empty() && Lower(body).find("api version") != std::string::npos) {
    // 2022.1 prints the build as the API version; 2021's "2.1" is only the
    // API level, and its Build line follows.
    if (std::string version = VersionToken(body); version.starts_with("20")) s.out.openvino_version = version;
  }
  if (std::string_view rest = body; ConsumeTag(&rest, "First inference took")) {
    s.in_latency_block = false;
    BENCHD_ASSIGN_OR_RETURN(double us, ParseDurationUs(rest));
    s.out.first_inference_us = us;
    return absl::OkStatus();
  }
  const size_t colon = body.find(':');
  if (colon == std::string_view::npos) {
    const std::string lower = Lower(body);
    if (!s.build_version && lower.starts_with("build") && lower.size() > 5 && (lower[5] == ' ' || lower[5] == '.')) {
      s.out.openvino_version = VersionToken(body);
      s.build_version = !s.out.openvino_version.empty();
    }
    return absl::OkStatus();
  }
  std::string key = Lower(Trim(body.substr(0, colon)));
  const std::string_view value = Trim(body.substr(colon + 1));
  if (key == "median" || key == "average" || key == "min" || key == "max" || key.ends_with(" percentile")) {
    return ParseLatencyRow(s, key, value);
  }
  s.in_latency_block = false;
  if (key == "count") {
    if (s.have_count) return absl::InvalidArgumentError("'Count:' given twice");
    const std::vector<std::string_view> t = SplitWhitespace(value);
    if (t.size() != 2 || t[1] != "iterations") return absl::InvalidArgumentError("expected 'Count: <n> iterations'");
    BENCHD_ASSIGN_OR_RETURN(s.out.count, ParseInt64(t[0]));
    s.have_count = true;
  } else if (key == "duration") {
    if (s.have_duration) return absl::InvalidArgumentError("'Duration:' given twice");
    BENCHD_ASSIGN_OR_RETURN(s.out.duration_us, ParseDurationUs(value));
    s.have_duration = true;
  } else if (key == "latency") {
    if (s.have_latency) return absl::InvalidArgumentError("'Latency:' given twice");
    if (value.empty()) {
      s.in_latency_block = true;  // 2022: the rows follow
      s.out.format = BenchmarkAppFormat::k2022;
    } else {
      BENCHD_ASSIGN_OR_RETURN(double us, ParseDurationUs(value));
      s.out.latency.median_us = us;
      s.out.format = BenchmarkAppFormat::k2021;
      s.have_latency = true;
    }
  } else if (key == "throughput") {
    if (s.have_throughput) return absl::InvalidArgumentError("'Throughput:' given twice");
    const std::vector<std::string_view> t = SplitWhitespace(value);
    if (t.size() != 2 || Lower(t[1]) != "fps") return absl::InvalidArgumentError("expected 'Throughput: <n> FPS'");
    BENCHD_ASSIGN_OR_RETURN(s.out.throughput_fps, ParseDouble(t[0]));
    s.have_throughput = true;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<BenchmarkAppOutput> ParseBenchmarkAppOutput(std::string_view text) {
  const std::vector<TextLine> lines = SplitLines(text);
  if (const TextLine* binary = FindBinaryLine(lines)) {
    return ToolOutputError(kTool, binary->number, "binary data in the output");
  }
  State s;
  for (const TextLine& line : lines) {
    std::string level;
    const std::string_view body = StripLevel(line.text, &level);
    if (body.empty()) continue;
    if (level == "error") {
      if (s.first_error.empty()) s.first_error = std::string(body.substr(0, 300));
      continue;
    }
    if (level == "warning") {
      s.out.warnings.emplace_back(body);
      continue;
    }
    if (absl::Status status = ParseLine(s, body); !status.ok()) {
      return ToolOutputError(kTool, line.number, std::string(status.message()));
    }
  }
  auto missing = [&](std::string_view what) {
    std::string message = "truncated output: no '" + std::string(what) + "' line";
    if (!s.first_error.empty()) message += "; the tool said: " + s.first_error;
    return ToolOutputError(kTool, 0, message);
  };
  if (!s.have_count) return missing("Count:");
  if (!s.have_duration) return missing("Duration:");
  if (!s.have_latency) return missing("Latency:");
  if (!s.have_throughput) return missing("Throughput:");
  BenchmarkAppOutput& out = s.out;
  const bool queued = out.api != "sync" && out.infer_requests.value_or(2) > 1;
  out.latency.name = "Latency";
  out.latency.scope = queued ? LatencyScope::kQueued : LatencyScope::kRequest;
  out.latency.count = out.count;
  out.throughput_derived = out.format == BenchmarkAppFormat::k2021 && out.api == "sync";
  return std::move(s.out);
}

absl::StatusOr<std::vector<std::string>> ParseBenchmarkAppDevices(std::string_view text) {
  for (const TextLine& line : SplitLines(text)) {
    std::string level;
    std::string_view body = StripLevel(line.text, &level);
    if (!ConsumeTag(&body, "Available target devices:")) continue;
    std::vector<std::string> devices;
    for (std::string_view token : SplitWhitespace(body)) devices.emplace_back(token);
    return devices;
  }
  return ToolOutputError(kTool, 0, "no 'Available target devices:' line in the help output");
}

}  // namespace benchd::agent
