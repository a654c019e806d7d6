#include "agents/parsers/trtexec_parser.h"

#include <string>

#include "agents/parsers/text_scan.h"
#include "agents/parsers/tool_text.h"
#include "common/status_util.h"
#include "nlohmann/json.hpp"

namespace benchd::agent {
namespace {

constexpr std::string_view kTool = "trtexec";

absl::Status LineError(int line, std::string_view message) { return ToolOutputError(kTool, line, message); }

// Drops "[05/14/2023-10:21:33] [I] " or "[I] " and returns the level letter
// ('I', 'W', 'E', 'V') in `*level`, or ' ' when the line has none.
std::string_view StripPrefix(std::string_view line, char* level) {
  *level = ' ';
  std::string_view rest = line;
  if (!rest.empty() && rest.front() == '[' && !(rest.size() >= 3 && rest[2] == ']')) {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return Trim(line);
    rest.remove_prefix(close + 1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  }
  if (rest.size() >= 3 && rest[0] == '[' && rest[2] == ']') {
    *level = rest[1];
    rest.remove_prefix(3);
  }
  return Trim(rest);
}

// "[TensorRT v8201]" -> "8.2.1"; "" when absent.
std::string VersionFromMarker(std::string_view text) {
  const size_t at = text.find("[TensorRT v");
  if (at == std::string_view::npos) return "";
  std::string_view digits = text.substr(at + 11);
  digits = digits.substr(0, digits.find(']'));
  absl::StatusOr<int64_t> number = ParseInt64(digits);
  if (!number.ok() || *number < 1000) return std::string(digits);
  // TensorRT encodes MAJOR*1000 + MINOR*100 + PATCH.
  return std::to_string(*number / 1000) + "." + std::to_string(*number / 100 % 10) + "." +
         std::to_string(*number % 100);
}

LatencyScope ScopeOfSummaryName(std::string_view name, bool* known) {
  *known = true;
  if (name == "Latency") return LatencyScope::kRequest;
  if (name == "End-to-End Host Latency") return LatencyScope::kQueued;
  if (name == "Enqueue Time") return LatencyScope::kHostEnqueue;
  if (name == "H2D Latency" || name == "D2H Latency") return LatencyScope::kTransfer;
  if (name == "GPU Compute Time") return LatencyScope::kCompute;
  *known = false;
  return LatencyScope::kRequest;
}

// "percentile(99%)" -> 99.
absl::StatusOr<double> PercentOfKey(std::string_view key) {
  std::string_view inner = key;
  if (!ConsumePrefix(&inner, "percentile(") || inner.size() < 2 || inner.substr(inner.size() - 2) != "%)") {
    return absl::InvalidArgumentError("unknown statistic '" + std::string(key.substr(0, 30)) + "'");
  }
  return ParseDouble(inner.substr(0, inner.size() - 2));
}

// "min = 9.4321 ms, max = 11.8734 ms, mean = ..., percentile(99%) = 10.4 ms".
absl::Status ParseSummaryStats(std::string_view stats, LatencyFigures& figures) {
  while (!stats.empty()) {
    const size_t comma = stats.find(", ");
    const std::string_view item = Trim(stats.substr(0, comma));
    stats = comma == std::string_view::npos ? std::string_view() : stats.substr(comma + 2);
    const size_t equals = item.find(" = ");
    if (equals == std::string_view::npos) {
      return absl::InvalidArgumentError("expected 'name = value unit', got '" +
                                        std::string(item.substr(0, 40)) + "'");
    }
    const std::string_view key = Trim(item.substr(0, equals));
    BENCHD_ASSIGN_OR_RETURN(double value, ParseDurationUs(item.substr(equals + 3)));
    if (key == "min") {
      figures.min_us = value;
    } else if (key == "max") {
      figures.max_us = value;
    } else if (key == "mean") {
      figures.mean_us = value;
    } else if (key == "median") {
      figures.median_us = value;
    } else {
      BENCHD_ASSIGN_OR_RETURN(double percent, PercentOfKey(key));
      figures.percentiles_us.emplace_back(percent, value);
    }
  }
  return absl::OkStatus();
}

// One value of a TRT 7.1 block line: "9.44 ms" or "10.45 ms at 99%"; the
// percentile, when given, goes to `*percent`.
absl::StatusOr<double> ParseLegacyValue(std::string_view text, double* percent) {
  const std::vector<std::string_view> tokens = SplitWhitespace(text);
  if (tokens.size() == 4 && tokens[2] == "at" && tokens[3].size() > 1 && tokens[3].back() == '%') {
    BENCHD_ASSIGN_OR_RETURN(*percent, ParseDouble(tokens[3].substr(0, tokens[3].size() - 1)));
    return ToMicroseconds(tokens[0], tokens[1]);
  }
  if (tokens.size() != 2) {
    return absl::InvalidArgumentError("expected '<number> <unit>', got '" +
                                      std::string(Trim(text).substr(0, 40)) + "'");
  }
  return ToMicroseconds(tokens[0], tokens[1]);
}

void SetStatistic(LatencyFigures& figures, std::string_view key, double value, double percent) {
  if (key == "min") figures.min_us = value;
  if (key == "max") figures.max_us = value;
  if (key == "mean") figures.mean_us = value;
  if (key == "median") figures.median_us = value;
  if (key == "percentile") figures.percentiles_us.emplace_back(percent, value);
}

bool HasStatistic(const LatencyFigures& figures, std::string_view key) {
  if (key == "min") return figures.min_us.has_value();
  if (key == "max") return figures.max_us.has_value();
  if (key == "mean") return figures.mean_us.has_value();
  if (key == "median") return figures.median_us.has_value();
  return !figures.percentiles_us.empty();
}

// Parser state across lines.
struct State {
  TrtexecOutput out;
  bool in_summary = false;
  bool saw_summary = false;
  // The TRT 7.1 block being read: indexes into out.figures (-1: none).
  int legacy_block = -1;
  int legacy_end_to_end = -1;
  bool saw_legacy = false;
  bool passed = false;
  bool saw_throughput = false;
};

absl::Status ParseLegacyStatLine(State& s, std::string_view key, std::string_view value) {
  if (s.legacy_block < 0) {
    return absl::InvalidArgumentError("'" + std::string(key) + ":' outside a statistics block");
  }
  std::string_view main = value;
  std::string_view end_to_end;
  if (const size_t paren = value.find("(end to end "); paren != std::string_view::npos) {
    main = value.substr(0, paren);
    end_to_end = value.substr(paren + 12);
    if (end_to_end.empty() || end_to_end.back() != ')') {
      return absl::InvalidArgumentError("unclosed '(end to end' in '" + std::string(key) + ":' line");
    }
    end_to_end.remove_suffix(1);
  }
  LatencyFigures& block = s.out.figures[static_cast<size_t>(s.legacy_block)];
  if (HasStatistic(block, key)) return absl::InvalidArgumentError("'" + std::string(key) + ":' given twice");
  double percent = 0;
  BENCHD_ASSIGN_OR_RETURN(double main_us, ParseLegacyValue(main, &percent));
  SetStatistic(block, key, main_us, percent);
  if (!end_to_end.empty()) {
    if (s.legacy_end_to_end < 0) {
      s.out.figures.push_back(MakeFigures("End-to-End Host Latency", LatencyScope::kQueued));
      s.legacy_end_to_end = static_cast<int>(s.out.figures.size()) - 1;
    }
    double e2e_percent = 0;
    BENCHD_ASSIGN_OR_RETURN(double e2e_us, ParseLegacyValue(end_to_end, &e2e_percent));
    SetStatistic(s.out.figures[static_cast<size_t>(s.legacy_end_to_end)], key, e2e_us, e2e_percent);
  }
  return absl::OkStatus();
}

// "Warmup completed 21 queries over 200 ms", "Timing trace has 310 queries over 3.00412 s".
absl::Status ParseProlog(State& s, std::string_view text) {
  const std::vector<std::string_view> t = SplitWhitespace(text);
  const bool warmup = t.size() == 7 && t[0] == "Warmup" && t[1] == "completed" && t[3] == "queries" && t[4] == "over";
  const bool trace = t.size() == 8 && t[0] == "Timing" && t[1] == "trace" && t[2] == "has" && t[4] == "queries" &&
                     t[5] == "over";
  if (!warmup && !trace) return absl::InvalidArgumentError("unexpected prolog line");
  BENCHD_ASSIGN_OR_RETURN(int64_t queries, ParseInt64(warmup ? t[2] : t[3]));
  BENCHD_ASSIGN_OR_RETURN(double us, ToMicroseconds(warmup ? t[5] : t[6], warmup ? t[6] : t[7]));
  if (warmup) {
    s.out.warmup_queries = queries;
    s.out.warmup_ms = us / 1e3;
  } else {
    s.out.timed_queries = queries;
    s.out.trace_s = us / 1e6;
  }
  return absl::OkStatus();
}

// "Throughput: 103.192 qps" / "throughput: 103.08 qps" -> 103.192.
absl::StatusOr<double> ParseQps(std::string_view value) {
  const std::vector<std::string_view> t = SplitWhitespace(value);
  if (t.size() != 2 || t[1] != "qps") return absl::InvalidArgumentError("expected '<number> qps'");
  return ParseDouble(t[0]);
}

absl::StatusOr<double> ParseSeconds(std::string_view value) {
  BENCHD_ASSIGN_OR_RETURN(double us, ParseDurationUs(value));
  return us / 1e6;
}

absl::Status ParseLine(State& s, std::string_view text) {
  if (text.starts_with("===")) {
    s.in_summary = text == "=== Performance summary ===";
    s.saw_summary = s.saw_summary || s.in_summary;
    s.legacy_block = -1;
    return absl::OkStatus();
  }
  if (text.starts_with("Warmup completed ") || text.starts_with("Timing trace has ")) return ParseProlog(s, text);
  if (text == "Host Latency" || text == "Enqueue Time" || text == "GPU Compute") {
    if (FindFiguresNamed(s.out.figures, text) != nullptr) {
      return absl::InvalidArgumentError("block '" + std::string(text) + "' given twice");
    }
    const LatencyScope scope = text == "Host Latency"   ? LatencyScope::kRequest
                               : text == "GPU Compute" ? LatencyScope::kCompute
                                                       : LatencyScope::kHostEnqueue;
    s.out.figures.push_back(MakeFigures(std::string(text), scope));
    s.legacy_block = static_cast<int>(s.out.figures.size()) - 1;
    s.saw_legacy = true;
    return absl::OkStatus();
  }
  const size_t colon = text.find(": ");
  if (colon == std::string_view::npos) return absl::OkStatus();
  const std::string_view key = text.substr(0, colon);
  const std::string_view value = Trim(text.substr(colon + 2));

  if (value.starts_with("min = ")) {
    bool known = false;
    const LatencyScope scope = ScopeOfSummaryName(key, &known);
    if (!known) return absl::OkStatus();  // a figure of a newer TensorRT
    if (!s.in_summary) {
      return absl::InvalidArgumentError("'" + std::string(key) + "' statistics outside the performance summary");
    }
    if (FindFiguresNamed(s.out.figures, key) != nullptr) {
      return absl::InvalidArgumentError("'" + std::string(key) + "' given twice");
    }
    LatencyFigures figures = MakeFigures(std::string(key), scope);
    BENCHD_RETURN_IF_ERROR(ParseSummaryStats(value, figures));
    s.out.figures.push_back(std::move(figures));
    return absl::OkStatus();
  }
  if (key == "Throughput" || key == "throughput") {
    if (key == "Throughput" && !s.in_summary) {
      return absl::InvalidArgumentError("'Throughput' outside the performance summary");
    }
    if (s.saw_throughput) return absl::InvalidArgumentError("throughput given twice");
    BENCHD_ASSIGN_OR_RETURN(s.out.throughput_qps, ParseQps(value));
    s.saw_throughput = true;
    return absl::OkStatus();
  }
  if (key == "Total Host Walltime" || key == "walltime") {
    BENCHD_ASSIGN_OR_RETURN(double seconds, ParseSeconds(value));
    s.out.walltime_s = seconds;
    return absl::OkStatus();
  }
  if (key == "Total GPU Compute Time" || key == "total compute time") {
    BENCHD_ASSIGN_OR_RETURN(double seconds, ParseSeconds(value));
    s.out.total_gpu_compute_s = seconds;
    return absl::OkStatus();
  }
  if (key == "min" || key == "max" || key == "mean" || key == "median" || key == "percentile") {
    return ParseLegacyStatLine(s, key, value);
  }
  return absl::OkStatus();
}

// Checks what every successful output has and fills the derived fields.
absl::StatusOr<TrtexecOutput> Finish(State s) {
  if (!s.saw_summary && !s.saw_legacy) {
    return LineError(0, "no performance summary ('=== Performance summary ===' or 'Host Latency')");
  }
  s.out.format = s.saw_summary ? TrtexecFormat::kSummary8 : TrtexecFormat::kLegacy7;
  if (!s.passed) return LineError(0, "truncated output: no '&&&& PASSED' line after the summary");
  const LatencyFigures* request = s.out.request();
  const LatencyFigures* compute = s.out.compute();
  if (request == nullptr || !request->mean_us) return LineError(0, "the summary has no mean Latency");
  if (compute == nullptr || !compute->mean_us) return LineError(0, "the summary has no mean GPU Compute Time");
  if (!s.saw_throughput) return LineError(0, "the summary has no throughput");
  if (s.out.throughput_qps <= 0) {
    const std::optional<double> seconds = s.out.walltime_s ? s.out.walltime_s : s.out.trace_s;
    if (!s.out.timed_queries || !seconds || *seconds <= 0) {
      return LineError(0, "throughput printed as 0 and no query count and walltime to recompute it");
    }
    s.out.throughput_qps = static_cast<double>(*s.out.timed_queries) / *seconds;
    s.out.throughput_recomputed = true;
  }
  for (LatencyFigures& figures : s.out.figures) figures.count = s.out.timed_queries;
  return std::move(s.out);
}

}  // namespace

absl::StatusOr<TrtexecOutput> ParseTrtexecOutput(std::string_view text) {
  const std::vector<TextLine> lines = SplitLines(text);
  if (const TextLine* binary = FindBinaryLine(lines)) return LineError(binary->number, "binary data in the output");
  State s;
  for (const TextLine& line : lines) {
    char level = ' ';
    const std::string_view body = StripPrefix(line.text, &level);
    if (body.empty()) continue;
    if (body.starts_with("&&&& ")) {
      if (body.starts_with("&&&& FAILED")) return LineError(line.number, "trtexec reported failure: " + std::string(body.substr(0, 200)));
      if (body.starts_with("&&&& PASSED")) s.passed = true;
      if (s.out.tensorrt_version.empty()) s.out.tensorrt_version = VersionFromMarker(body);
      continue;
    }
    if (level == 'W') {
      s.out.warnings.emplace_back(body);
      continue;
    }
    if (level == 'E' || level == 'V') continue;
    if (absl::Status status = ParseLine(s, body); !status.ok()) return LineError(line.number, std::string(status.message()));
  }
  return Finish(std::move(s));
}

absl::StatusOr<std::string> ParseTrtexecVersion(std::string_view text) {
  for (const TextLine& line : SplitLines(text)) {
    char level = ' ';
    const std::string_view body = StripPrefix(line.text, &level);
    if (body.starts_with("&&&& ") && body.find("TensorRT.trtexec") != std::string_view::npos) {
      return VersionFromMarker(body);
    }
  }
  return LineError(0, "no '&&&& ... TensorRT.trtexec' line: not trtexec?");
}

absl::StatusOr<std::vector<TrtexecQuery>> ParseTrtexecTimes(std::string_view json) {
  constexpr std::string_view kTimes = "trtexec --exportTimes";
  nlohmann::json trace = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (trace.is_discarded()) return ToolOutputError(kTimes, 0, "invalid JSON");
  if (!trace.is_array()) return ToolOutputError(kTimes, 0, "expected a JSON array of queries");
  std::vector<TrtexecQuery> queries;
  queries.reserve(trace.size());
  for (size_t i = 0; i < trace.size(); ++i) {
    const nlohmann::json& item = trace[i];
    std::string missing;
    // TRT 8 names first, TRT 7 (in/out instead of h2d/d2h) second.
    auto get = [&](std::initializer_list<const char*> names, bool required) -> double {
      for (const char* name : names) {
        auto it = item.is_object() ? item.find(name) : item.end();
        if (it != item.end() && it->is_number() && it->get<double>() >= 0) return it->get<double>();
      }
      if (required && missing.empty()) missing = *names.begin();
      return 0;
    };
    TrtexecQuery q;
    q.start_compute_ms = get({"startComputeMs"}, true);
    q.compute_ms = get({"computeMs"}, true);
    q.latency_ms = get({"latencyMs"}, true);
    q.end_to_end_ms = get({"endToEndMs"}, true);
    q.end_ms = get({"endD2hMs", "endOutMs"}, false);
    q.h2d_ms = get({"h2dMs", "inMs"}, false);
    q.d2h_ms = get({"d2hMs", "outMs"}, false);
    if (!missing.empty()) {
      return ToolOutputError(kTimes, 0, "query " + std::to_string(i) + ": no non-negative number '" + missing + "'");
    }
    queries.push_back(q);
  }
  return queries;
}

}  // namespace benchd::agent
