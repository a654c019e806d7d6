#include "cli/output/format.h"

#include <cmath>
#include <ctime>
#include <map>

#include "common/proto_json.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::cli {

std::string FormatDuration(int64_t milliseconds) {
  if (milliseconds < 0) milliseconds = 0;
  if (milliseconds < 1000) return fmt::format("{}ms", milliseconds);
  // Rounded to whole seconds: nobody reads the milliseconds of an ETA.
  const int64_t total_seconds = (milliseconds + 500) / 1000;
  const int64_t hours = total_seconds / 3600;
  const int64_t minutes = (total_seconds % 3600) / 60;
  const int64_t seconds = total_seconds % 60;
  if (hours > 0) return fmt::format("{}h{:02}m", hours, minutes);
  if (minutes > 0 && seconds == 0) return fmt::format("{}m", minutes);
  if (minutes > 0) return fmt::format("{}m{:02}s", minutes, seconds);
  return fmt::format("{}s", seconds);
}

std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return "-";
  const std::time_t seconds = static_cast<std::time_t>(timestamp.seconds());
  std::tm utc{};
  if (gmtime_r(&seconds, &utc) == nullptr) return "-";
  char buffer[32];
  const size_t length = std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return length == 0 ? "-" : std::string(buffer, length);
}

std::string FormatMetric(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0) return "0";
  const double magnitude = std::fabs(value);
  if (magnitude >= 1000) return fmt::format("{:.1f}", value);
  if (magnitude >= 1) return fmt::format("{:.2f}", value);
  return fmt::format("{:.3g}", value);
}

std::string FormatExact(double value) { return fmt::format("{}", value); }

std::string FormatState(benchd::v1::ExperimentState state) {
  const std::string name = common::ExperimentStateName(state);
  return name.empty() ? "unknown" : name;
}

std::string FormatParameters(const benchd::v1::Parameters& parameters) {
  // The proto map has no order; sorting keeps rows comparable line by line.
  const std::map<std::string, benchd::v1::ParamValue> sorted(parameters.values().begin(),
                                                             parameters.values().end());
  std::string text;
  for (const auto& [name, value] : sorted) {
    if (name == "platform") continue;
    if (!text.empty()) text += ' ';
    text += name;
    text += '=';
    text += common::ParamValueToString(value);
  }
  return text;
}

std::string ShortenForCell(std::string_view text, size_t max_width) {
  const size_t line_end = text.find_first_of("\r\n");
  const bool more_lines = line_end != std::string_view::npos &&
                          text.find_first_not_of("\r\n", line_end) != std::string_view::npos;
  text = text.substr(0, line_end);
  // Walk code points, remembering where the last one that still leaves room
  // for "..." ends, so that a cut never splits a multi-byte character.
  size_t width = 0;
  size_t cut = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (width == max_width - 3) cut = i;
    ++width;
  }
  if (width <= max_width && !more_lines) return std::string(text);
  if (width <= max_width - 3) return std::string(text) + "...";
  return std::string(text.substr(0, cut)) + "...";
}

}  // namespace benchd::cli
