#include "agents/parsers/benchmark_model_parser.h"

#include <cmath>
#include <string>

#include "agents/parsers/text_scan.h"
#include "agents/parsers/tool_text.h"
#include "common/status_util.h"

namespace benchd::agent {
namespace {

constexpr std::string_view kTool = "benchmark_model";

// "count=148 first=12841 curr=3127 min=3049 max=12841 avg=3377.6 std=812
// [p5=.. median=.. p95=..]" or "count=1000 curr=3131(all same)".
// The run of `first=` goes to `*first`.
absl::StatusOr<LatencyFigures> ParseRunStats(std::string_view text, LatencyScope scope, const char* name,
                                             std::optional<double>* first) {
  bool all_same = false;
  if (text.ends_with("(all same)")) {
    all_same = true;
    text.remove_suffix(10);
  }
  LatencyFigures f = MakeFigures(name, scope);
  std::optional<double> curr;
  for (std::string_view token : SplitWhitespace(text)) {
    const size_t equals = token.find('=');
    if (equals == std::string_view::npos || equals == 0) {
      return absl::InvalidArgumentError("expected key=value, got '" + std::string(token.substr(0, 40)) + "'");
    }
    const std::string_view key = token.substr(0, equals);
    const std::string_view value = token.substr(equals + 1);
    if (key == "count") {
      BENCHD_ASSIGN_OR_RETURN(int64_t count, ParseInt64(value));
      f.count = count;
      continue;
    }
    BENCHD_ASSIGN_OR_RETURN(double number, ParseDouble(value));
    if (number < 0) return absl::InvalidArgumentError("negative " + std::string(key));
    if (key == "curr") curr = number;
    if (key == "first") *first = number;
    if (key == "min") f.min_us = number;
    if (key == "max") f.max_us = number;
    if (key == "avg") f.mean_us = number;
    if (key == "std") f.std_us = number;
    if (key == "median") f.median_us = number;
    if (key == "p5") f.percentiles_us.emplace_back(5, number);
    if (key == "p95") f.percentiles_us.emplace_back(95, number);
  }
  if (!f.count || *f.count < 0) return absl::InvalidArgumentError("no count");
  if (*f.count > 0 && !f.mean_us) {
    // Identical runs print only curr: every statistic is that value.
    if (!curr || (!all_same && *f.count > 1)) return absl::InvalidArgumentError("no avg");
    f.mean_us = f.min_us = f.max_us = f.median_us = curr;
    f.std_us = 0;
    *first = curr;
  }
  return f;
}

// "Init: 352140, First inference: 12841, Warmup (avg): 3377.6, Inference (avg): 3131.4"
absl::Status ParseSummary(std::string_view text, BenchmarkModelOutput& out, std::optional<double>* warmup_avg,
                          std::optional<double>* inference_avg) {
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view item = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    const size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      return absl::InvalidArgumentError("expected 'name: value', got '" + std::string(item.substr(0, 40)) + "'");
    }
    const std::string_view key = Trim(item.substr(0, colon));
    BENCHD_ASSIGN_OR_RETURN(double us, ParseDouble(Trim(item.substr(colon + 1))));
    if (key == "Init") out.init_us = us;
    if (key == "First inference") out.first_inference_us = us;
    if (key == "Warmup (avg)" || key == "Warmup") *warmup_avg = us;
    if (key == "Inference (avg)" || key == "Inference") *inference_avg = us;
  }
  if (!*inference_avg) return absl::InvalidArgumentError("the summary has no Inference average");
  return absl::OkStatus();
}

// "Replacing 1 node(s) with delegate (...)" or "Replacing 3 out of 5 node(s) with delegate".
void ParseReplacing(std::string_view text, BenchmarkModelOutput& out) {
  const std::vector<std::string_view> t = SplitWhitespace(text);
  if (t.size() >= 2) {
    if (absl::StatusOr<int64_t> n = ParseInt64(t[1]); n.ok()) out.delegated_nodes = *n;
  }
  if (t.size() >= 5 && t[2] == "out" && t[3] == "of") {
    if (absl::StatusOr<int64_t> m = ParseInt64(t[4]); m.ok()) out.total_nodes = *m;
  }
}

// TFLite prints the averages with 6 significant digits: equal when within that.
bool SameAverage(double a, double b) { return std::abs(a - b) <= 1e-5 * std::max(std::abs(a), std::abs(b)) + 0.05; }

}  // namespace

absl::StatusOr<BenchmarkModelOutput> ParseBenchmarkModelOutput(std::string_view text) {
  const std::vector<TextLine> lines = SplitLines(text);
  if (const TextLine* binary = FindBinaryLine(lines)) {
    return ToolOutputError(kTool, binary->number, "binary data in the output");
  }
  BenchmarkModelOutput out;
  int count_lines = 0;
  int summary_line = 0;
  std::optional<double> warmup_avg, inference_avg, warmup_first, inference_first;
  std::string first_error;
  for (const TextLine& line : lines) {
    std::string_view body = Trim(line.text);
    if (ConsumeTag(&body, "ERROR:")) {
      if (first_error.empty()) first_error = std::string(body.substr(0, 300));
      continue;
    }
    if (ConsumeTag(&body, "WARNING:")) {
      out.warnings.emplace_back(body);
      continue;
    }
    ConsumeTag(&body, "INFO:");
    if (body.empty()) continue;
    absl::Status status;
    if (body.starts_with("count=")) {
      if (summary_line > 0) return ToolOutputError(kTool, line.number, "count= line after the timings summary");
      if (++count_lines > 2) return ToolOutputError(kTool, line.number, "a third count= line");
      const bool warmup = count_lines == 1;
      absl::StatusOr<LatencyFigures> stats =
          ParseRunStats(body, warmup ? LatencyScope::kStartup : LatencyScope::kRequest,
                        warmup ? "Warmup" : "Inference", warmup ? &warmup_first : &inference_first);
      status = stats.status();
      if (stats.ok()) (warmup ? out.warmup : out.inference) = *std::move(stats);
    } else if (ConsumeTag(&body, "Inference timings in us:") || ConsumeTag(&body, "Average inference timings in us:")) {
      if (summary_line > 0) return ToolOutputError(kTool, line.number, "a second timings summary");
      out.legacy_summary = line.text.find("Average inference timings") != std::string_view::npos;
      summary_line = line.number;
      status = ParseSummary(body, out, &warmup_avg, &inference_avg);
    } else if (ConsumeTag(&body, "The input model file size (MB):")) {
      absl::StatusOr<double> size = ParseDouble(body);
      status = size.status();
      if (size.ok()) out.model_size_mb = *size;
    } else if (body.starts_with("Replacing ")) {
      ParseReplacing(body, out);
    } else if (body.find("delegate created") != std::string_view::npos) {
      out.delegate_created = true;
    } else if (body.starts_with("Explicitly applied ")) {
      out.fully_delegated = body.find("completely executed") != std::string_view::npos;
    }
    if (!status.ok()) return ToolOutputError(kTool, line.number, std::string(status.message()));
  }
  auto truncated = [&](std::string_view what) {
    std::string message = "truncated output: no " + std::string(what);
    if (!first_error.empty()) message += "; the tool said: " + first_error;
    return ToolOutputError(kTool, 0, message);
  };
  if (count_lines < 2) return truncated("count= line of the measured runs");
  if (summary_line == 0) return truncated("'Inference timings in us' summary");
  // The averages are printed twice; disagreement means lines from different
  // runs or phases were mixed up.
  if (!SameAverage(*inference_avg, *out.inference.mean_us) ||
      (warmup_avg && out.warmup.mean_us && !SameAverage(*warmup_avg, *out.warmup.mean_us))) {
    return ToolOutputError(kTool, summary_line, "the summary's averages do not match the count= lines");
  }
  // TF <= 2.2 does not print it; the warm-up line's first= is the same run.
  if (!out.first_inference_us) out.first_inference_us = warmup_first;
  return out;
}

}  // namespace benchd::agent
