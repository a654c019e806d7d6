#include "agents/parsers/tflm_output_parser.h"

#include <array>

#include "agents/parsers/text_scan.h"

namespace benchd::agent {
namespace {

constexpr std::string_view kDefaultReadyBanner = "TFLM benchmark ready";
constexpr std::string_view kTook = " took ";
constexpr int64_t kTwoTo32 = int64_t{1} << 32;

constexpr std::array<std::string_view, 3> kAllocationFailures = {
    "Arena size is too small", "AllocateTensors() failed", "Failed to allocate"};

absl::Status DataLoss(int line_number, std::string_view message) {
  return absl::DataLossError("parse TFLM output: line " + std::to_string(line_number) + ": " +
                             std::string(message));
}

// "KeywordRunNIerations(10)" -> 10; 1 when the tag has no "(N)" suffix.
int64_t IterationsOfTag(std::string_view tag) {
  if (tag.empty() || tag.back() != ')') return 1;
  const size_t open = tag.rfind('(');
  if (open == std::string_view::npos) return 1;
  absl::StatusOr<int64_t> n = ParseInt64(tag.substr(open + 1, tag.size() - open - 2));
  return n.ok() && *n > 0 ? *n : 1;
}

}  // namespace

std::string_view StripSerialPrefix(std::string_view line) {
  line = Trim(line);
  if (ConsumePrefix(&line, "RX:")) line = Trim(line);
  if (ConsumePrefix(&line, "[dut]:")) line = Trim(line);
  return line;
}

std::optional<TflmTimingLine> ParseTflmTimingLine(std::string_view line) {
  line = StripSerialPrefix(line);
  const size_t took = line.find(kTook);
  if (took == std::string_view::npos || took == 0) return std::nullopt;
  TflmTimingLine timing;
  timing.tag = std::string(line.substr(0, took));
  std::string_view rest = line.substr(took + kTook.size());
  timing.profiler_event = !rest.empty() && rest.back() == '.';
  if (timing.profiler_event) rest.remove_suffix(1);
  // "<ticks> ticks (<ms> ms)"
  const std::vector<std::string_view> tokens = SplitWhitespace(rest);
  if (tokens.size() != 4 || tokens[1] != "ticks" || tokens[2].size() < 2 || tokens[2].front() != '(' ||
      tokens[3] != "ms)") {
    return std::nullopt;
  }
  absl::StatusOr<int64_t> ticks = ParseInt64(tokens[0]);
  if (!ticks.ok() || *ticks < -(kTwoTo32 / 2) || *ticks >= kTwoTo32) return std::nullopt;
  if (!ParseInt64(tokens[2].substr(1)).ok()) return std::nullopt;
  // The firmware sums into an int32_t and prints it with %d: a negative value
  // is a counter that passed 2^31, not a negative duration.
  timing.ticks = static_cast<uint32_t>(*ticks < 0 ? *ticks + kTwoTo32 : *ticks);
  timing.iterations = IterationsOfTag(timing.tag);
  return timing;
}

bool IsTflmAllocationFailure(std::string_view line) {
  for (std::string_view message : kAllocationFailures) {
    if (line.find(message) != std::string_view::npos) return true;
  }
  return false;
}

bool IsGarbageLine(std::string_view line) {
  for (char c : line) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t' && c != '\r') || byte >= 0x7f) return true;
  }
  return false;
}

double TicksToMicros(uint64_t ticks, uint64_t clock_hz) {
  return clock_hz == 0 ? 0.0 : static_cast<double>(ticks) * 1e6 / static_cast<double>(clock_hz);
}

absl::StatusOr<TflmLog> ParseTflmLog(std::string_view text, std::string_view ready_banner) {
  if (ready_banner.empty()) ready_banner = kDefaultReadyBanner;
  const bool ends_with_break = !text.empty() && text.back() == '\n';
  const std::vector<TextLine> lines = SplitLines(text);
  TflmLog log;
  for (size_t i = 0; i < lines.size(); ++i) {
    const TextLine& line = lines[i];
    const bool last_and_unterminated = i + 1 == lines.size() && !ends_with_break;
    if (IsGarbageLine(line.text)) return DataLoss(line.number, "unreadable bytes (noise or a wrong baud rate?)");
    const std::string_view content = StripSerialPrefix(line.text);
    if (content.empty()) continue;
    if (std::optional<TflmTimingLine> timing = ParseTflmTimingLine(content)) {
      if (last_and_unterminated) return DataLoss(line.number, "the output ends in the middle of a line");
      (timing->profiler_event ? log.events : log.runs).push_back(*std::move(timing));
      continue;
    }
    if (content.find(kTook) != std::string_view::npos || last_and_unterminated) {
      // A timing line that does not parse was cut off or corrupted; either
      // way a figure would be missing without anyone noticing.
      return DataLoss(line.number, "incomplete or malformed line '" + std::string(content.substr(0, 80)) + "'");
    }
    if (content.find(ready_banner) != std::string_view::npos) log.ready = true;
    if (IsTflmAllocationFailure(content) && !log.allocation_failure) {
      log.allocation_failure = std::string(content);
    }
  }
  return log;
}

std::vector<double> TflmPerInferenceMicros(const std::vector<TflmTimingLine>& runs, uint64_t clock_hz) {
  std::vector<double> samples;
  samples.reserve(runs.size());
  for (const TflmTimingLine& run : runs) {
    samples.push_back(TicksToMicros(run.ticks, clock_hz) / static_cast<double>(run.iterations));
  }
  return samples;
}

}  // namespace benchd::agent
