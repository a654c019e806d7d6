#include "agents/parsers/vitis_perf_parser.h"

#include <cctype>
#include <string>
#include <vector>

#include "agents/parsers/text_scan.h"
#include "agents/parsers/tool_text.h"
#include "nlohmann/json.hpp"

namespace benchd::agent {
namespace {

// A glog line: severity letter, MMDD, a space and hh:mm:ss.uuuuuu.
bool IsGlogLine(std::string_view line) {
  if (line.size() < 21 || std::string("IWEF").find(line[0]) == std::string::npos) return false;
  for (size_t i = 1; i <= 4; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(line[i]))) return false;
  }
  return line[5] == ' ' && line[8] == ':' && line[11] == ':';
}

// "step 10FPS=123.4": benchmark.hpp's report_step, progress rather than the
// result, so it is skipped rather than taken for the final FPS.
bool IsStepLine(std::string_view line) {
  if (!ConsumePrefix(&line, "step ")) return false;
  size_t digits = 0;
  while (digits < line.size() && std::isdigit(static_cast<unsigned char>(line[digits]))) ++digits;
  return digits > 0 && line.substr(digits).starts_with("FPS=");
}

std::string Shorten(std::string_view text) {
  constexpr size_t kMax = 40;
  std::string shown(text.substr(0, kMax));
  if (text.size() > kMax) shown += "...";
  return shown;
}

}  // namespace

absl::StatusOr<VitisPerformance> ParseVitisPerformance(std::string_view text) {
  constexpr std::string_view kTool = "test_performance";
  VitisPerformance result;
  bool have_fps = false;
  const std::vector<TextLine> lines = SplitLines(text);
  if (const TextLine* binary = FindBinaryLine(lines)) {
    return ToolOutputError(kTool, binary->number, "binary garbage, not a report");
  }
  for (const TextLine& line : lines) {
    const std::string_view trimmed = Trim(line.text);
    if (trimmed.empty() || IsGlogLine(trimmed) || IsStepLine(trimmed) ||
        trimmed.starts_with("WARNING: Logging before InitGoogleLogging()")) {
      continue;
    }
    const size_t equals = trimmed.find('=');
    const std::string_view key = trimmed.substr(0, equals);
    if (equals == std::string_view::npos || (key != "FPS" && key != "E2E_MEAN" && key != "DPU_MEAN")) {
      return ToolOutputError(kTool, line.number, "unexpected line '" + Shorten(trimmed) + "'");
    }
    absl::StatusOr<double> value = ParseDouble(trimmed.substr(equals + 1));
    if (!value.ok()) {
      return ToolOutputError(kTool, line.number, std::string(key) + ": " + std::string(value.status().message()));
    }
    if (key == "FPS") {
      if (have_fps) return ToolOutputError(kTool, line.number, "FPS given twice");
      if (*value <= 0) return ToolOutputError(kTool, line.number, "FPS must be positive");
      result.fps = *value;
      have_fps = true;
      continue;
    }
    if (*value < 0) return ToolOutputError(kTool, line.number, std::string(key) + " must not be negative");
    std::optional<LatencyFigures>& slot = key == "E2E_MEAN" ? result.e2e_mean : result.dpu_mean;
    if (slot.has_value()) return ToolOutputError(kTool, line.number, std::string(key) + " given twice");
    slot = MakeFigures(std::string(key), key == "E2E_MEAN" ? LatencyScope::kRequest : LatencyScope::kCompute);
    slot->mean_us = *value;
  }
  if (!have_fps) return ToolOutputError(kTool, 0, "no FPS= line (empty or truncated report)");
  return result;
}

absl::StatusOr<XdputilInfo> ParseXdputilQuery(std::string_view text) {
  constexpr std::string_view kTool = "xdputil query";
  const size_t start = text.find('{');
  if (start == std::string_view::npos) return ToolOutputError(kTool, 0, "no JSON object");
  // nlohmann::json throws on malformed input; this adapter is where that is
  // turned into a status.
  nlohmann::json json = nlohmann::json::parse(text.substr(start), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return ToolOutputError(kTool, 0, "malformed JSON");

  XdputilInfo info;
  const auto string_at = [](const nlohmann::json& object, const char* key) -> std::string {
    auto it = object.find(key);
    if (it == object.end() || !it->is_string()) return "";
    return std::string(Trim(it->get_ref<const std::string&>()));
  };
  if (auto spec = json.find("DPU IP Spec"); spec != json.end() && spec->is_object()) {
    info.ip_version = string_at(*spec, "IP version");
  }
  if (auto versions = json.find("VAI Version"); versions != json.end() && versions->is_object()) {
    const std::string factory = string_at(*versions, "target_factory");  // "target-factory.3.0.0 <sha>"
    constexpr std::string_view kPrefix = "target-factory.";
    if (factory.starts_with(kPrefix)) {
      info.vitis_ai_version = factory.substr(kPrefix.size(), factory.find(' ') - kPrefix.size());
    }
    info.vart_version = string_at(*versions, "libvart-runner.so");
  }
  auto kernels = json.find("kernels");
  if (kernels != json.end() && kernels->is_array()) {
    for (const nlohmann::json& kernel : *kernels) {
      if (!kernel.is_object()) continue;
      const std::string arch = string_at(kernel, "DPU Arch");
      if (arch.empty()) continue;  // another compute unit (a pre-processing kernel)
      if (++info.dpu_cores > 1) continue;
      info.dpu_arch = arch;
      if (auto mhz = kernel.find("DPU Frequency (MHz)"); mhz != kernel.end() && mhz->is_number()) {
        info.dpu_frequency_mhz = mhz->get<double>();
      }
    }
  }
  if (info.dpu_cores == 0) return ToolOutputError(kTool, 0, "no DPU core in \"kernels\"");
  return info;
}

}  // namespace benchd::agent
