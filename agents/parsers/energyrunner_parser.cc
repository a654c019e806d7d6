#include "agents/parsers/energyrunner_parser.h"

#include "agents/parsers/text_scan.h"
#include "agents/parsers/tflm_output_parser.h"

namespace benchd::agent {
namespace {

constexpr int64_t kTwoTo32 = int64_t{1} << 32;

absl::Status DataLoss(std::string_view message) {
  return absl::DataLossError("parse EnergyRunner response: " + std::string(message));
}

// "[abc]" -> "abc"; the text unchanged when it is not bracketed.
std::string Bracketed(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  return std::string(text);
}

ErLine NumberLine(ErLineKind kind, std::string_view digits) {
  absl::StatusOr<int64_t> value = ParseInt64(digits);
  if (!value.ok() || *value < 0) return ErLine{};
  return ErLine{kind, "", *value};
}

std::vector<double> ParseScores(std::string_view text) {
  std::vector<double> scores;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    absl::StatusOr<double> score = ParseDouble(Trim(text.substr(0, comma)));
    if (score.ok()) scores.push_back(*score);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return scores;
}

}  // namespace

ErLine ClassifyEnergyRunnerLine(std::string_view raw) {
  std::string_view line = StripSerialPrefix(raw);
  if (ConsumePrefix(&line, "e-")) return ErLine{ErLineKind::kError, Bracketed(line), 0};
  if (!ConsumePrefix(&line, "m-")) return ErLine{};
  if (line == "ready") return ErLine{ErLineKind::kReady, "", 0};
  if (line == "init-done") return ErLine{ErLineKind::kInitDone, "", 0};
  if (line == "warmup-done") return ErLine{ErLineKind::kWarmupDone, "", 0};
  if (line == "infer-done") return ErLine{ErLineKind::kInferDone, "", 0};
  if (ConsumePrefix(&line, "lap-us-")) return NumberLine(ErLineKind::kLapUs, line);
  if (ConsumePrefix(&line, "warmup-start-")) return NumberLine(ErLineKind::kWarmupStart, line);
  if (ConsumePrefix(&line, "infer-start-")) return NumberLine(ErLineKind::kInferStart, line);
  if (ConsumePrefix(&line, "results-")) return ErLine{ErLineKind::kResults, Bracketed(line), 0};
  if (ConsumePrefix(&line, "profile-")) return ErLine{ErLineKind::kProfile, Bracketed(line), 0};
  if (ConsumePrefix(&line, "model-")) return ErLine{ErLineKind::kModel, Bracketed(line), 0};
  if (ConsumePrefix(&line, "name-")) return ErLine{ErLineKind::kName, std::string(line), 0};
  return ErLine{};
}

absl::StatusOr<ErInferResult> ParseEnergyRunnerInfer(const std::vector<std::string>& lines) {
  // The steps of `ee_infer`, in the order the firmware prints them.
  enum Stage { kStart, kWarmingUp, kWarmedUp, kInferring, kLap0, kLap1, kDone, kReady };
  Stage stage = kStart;
  ErInferResult result;
  for (const std::string& text : lines) {
    if (IsGarbageLine(text)) return DataLoss("unreadable bytes (noise or a wrong baud rate?)");
    const ErLine line = ClassifyEnergyRunnerLine(text);
    const auto out_of_order = [&] {
      return DataLoss("unexpected '" + std::string(StripSerialPrefix(text)) + "' at step " +
                      std::to_string(static_cast<int>(stage)));
    };
    switch (line.kind) {
      case ErLineKind::kError:
        return absl::InternalError("the DUT rejected the command: " + line.text);
      case ErLineKind::kWarmupStart:
        if (stage != kStart) return out_of_order();
        result.warmups = line.value;
        stage = kWarmingUp;
        break;
      case ErLineKind::kWarmupDone:
        if (stage != kWarmingUp) return out_of_order();
        stage = kWarmedUp;
        break;
      case ErLineKind::kInferStart:
        if (stage != kStart && stage != kWarmedUp) return out_of_order();
        if (line.value < 1) return DataLoss("m-infer-start with no inferences");
        result.inferences = line.value;
        stage = kInferring;
        break;
      case ErLineKind::kLapUs:
        if (line.value >= kTwoTo32) return DataLoss("m-lap-us value beyond 32 bits");
        if (stage == kInferring) {
          result.lap_start_us = static_cast<uint32_t>(line.value);
          stage = kLap0;
        } else if (stage == kLap0) {
          result.lap_end_us = static_cast<uint32_t>(line.value);
          stage = kLap1;
        } else {
          return out_of_order();
        }
        break;
      case ErLineKind::kInferDone:
        if (stage != kLap1) return out_of_order();
        stage = kDone;
        break;
      case ErLineKind::kResults:
        if (stage == kDone) result.scores = ParseScores(line.text);
        break;
      case ErLineKind::kReady:
        if (stage != kDone) return out_of_order();
        stage = kReady;
        break;
      default:
        break;  // firmware debug prints between the protocol lines
    }
    if (stage == kReady) break;
  }
  if (stage != kReady) {
    return DataLoss("the response ended before m-ready (truncated at step " + std::to_string(static_cast<int>(stage)) +
                    ")");
  }
  // Unsigned subtraction is the difference modulo 2^32: a counter that
  // wrapped between the two laps still gives the elapsed time.
  const uint32_t elapsed = result.lap_end_us - result.lap_start_us;
  result.per_inference_us = static_cast<double>(elapsed) / static_cast<double>(result.inferences);
  return result;
}

absl::StatusOr<ErSession> ParseEnergyRunnerSession(std::string_view text) {
  ErSession session;
  std::vector<std::string> infer_lines;
  int infer_first_line = 0;
  for (const TextLine& line : SplitLines(text)) {
    if (IsGarbageLine(line.text)) {
      return DataLoss("line " + std::to_string(line.number) + ": unreadable bytes (noise or a wrong baud rate?)");
    }
    const ErLine classified = ClassifyEnergyRunnerLine(line.text);
    const bool starts_infer =
        classified.kind == ErLineKind::kWarmupStart || classified.kind == ErLineKind::kInferStart;
    if (infer_lines.empty() && !starts_infer) {
      switch (classified.kind) {
        case ErLineKind::kName: session.name = classified.text; break;
        case ErLineKind::kProfile: session.profile = classified.text; break;
        case ErLineKind::kModel: session.model = classified.text; break;
        case ErLineKind::kError: session.errors.push_back(classified.text); break;
        default: break;
      }
      continue;
    }
    if (infer_lines.empty()) infer_first_line = line.number;
    infer_lines.emplace_back(line.text);
    if (classified.kind != ErLineKind::kReady) continue;
    absl::StatusOr<ErInferResult> infer = ParseEnergyRunnerInfer(infer_lines);
    if (!infer.ok()) {
      return absl::Status(infer.status().code(), "inference starting at line " + std::to_string(infer_first_line) +
                                                     ": " + std::string(infer.status().message()));
    }
    session.infers.push_back(*std::move(infer));
    infer_lines.clear();
  }
  if (!infer_lines.empty()) {
    return DataLoss("inference starting at line " + std::to_string(infer_first_line) +
                    " has no m-ready: the session was truncated");
  }
  return session;
}

}  // namespace benchd::agent
