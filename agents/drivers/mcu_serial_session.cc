#include "agents/drivers/mcu_serial_session.h"

#include <algorithm>

#include "agents/parsers/energyrunner_parser.h"
#include "agents/parsers/text_scan.h"
#include "agents/parsers/tflm_output_parser.h"
#include "common/status_util.h"

namespace benchd::agent {
namespace {

using std::chrono::milliseconds;

// A timing line's `ms` field may be garbage, but its tag is not: a banner
// in the middle of a run means the board reset (watchdog, brown-out, crash).
absl::Status BoardReset(const std::string& line) {
  return absl::UnavailableError("the board reset during the run ('" + line.substr(0, 80) + "')");
}

absl::Status NoFit(const std::string& line) {
  return absl::FailedPreconditionError("the model does not fit: the firmware reports '" + line.substr(0, 200) + "'");
}

// key=value tokens of a banner line, as environment entries.
void AddBannerFacts(std::string_view line, std::map<std::string, std::string>& facts) {
  for (std::string_view token : SplitWhitespace(StripSerialPrefix(line))) {
    const size_t equals = token.find('=');
    if (equals == std::string_view::npos || equals == 0) continue;
    facts["firmware." + std::string(token.substr(0, equals))] = std::string(token.substr(equals + 1));
  }
}

}  // namespace

absl::StatusOr<std::string> McuSerialSession::NextLine(milliseconds silence, Clock::time_point deadline) {
  const Clock::time_point silence_end = Clock::now() + silence;
  const bool overall = deadline <= silence_end;
  absl::StatusOr<std::string> line = port_.ReadLine(std::min(deadline, silence_end), &cancel_);
  if (!line.ok()) {
    if (absl::IsDeadlineExceeded(line.status())) {
      return absl::DeadlineExceededError(
          overall ? "the run's timeout passed while waiting for the board"
                  : "the board stopped answering: nothing for " + std::to_string(silence.count()) + " ms (" +
                        std::string(line.status().message()) + ")");
    }
    return line.status();
  }
  if (log_ != nullptr) *log_ += "< " + *line + "\n";
  return line;
}

absl::Status McuSerialSession::Send(const std::string& command, Clock::time_point deadline) {
  if (log_ != nullptr) *log_ += "> " + command + "\n";
  return port_.Write(command, deadline);
}

absl::StatusOr<std::vector<std::string>> McuSerialSession::Command(const std::string& command, milliseconds silence,
                                                                   Clock::time_point deadline) {
  BENCHD_RETURN_IF_ERROR(Send(command + "%", deadline));
  std::vector<std::string> lines;
  while (true) {
    BENCHD_ASSIGN_OR_RETURN(std::string line, NextLine(silence, deadline));
    if (IsGarbageLine(line)) return absl::DataLossError("garbage in the answer to '" + command + "'");
    const ErLine classified = ClassifyEnergyRunnerLine(line);
    if (classified.kind == ErLineKind::kError) {
      return absl::InternalError("the DUT rejected '" + command + "': " + classified.text);
    }
    lines.push_back(std::move(line));
    if (classified.kind == ErLineKind::kReady) return lines;
  }
}

absl::StatusOr<std::map<std::string, std::string>> McuSerialSession::WaitForReady(McuProtocol protocol,
                                                                                  const std::string& banner,
                                                                                  milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  std::map<std::string, std::string> facts;
  while (true) {
    absl::StatusOr<std::string> line = NextLine(timeout, deadline);
    if (!line.ok()) {
      if (absl::IsDeadlineExceeded(line.status())) {
        return absl::DeadlineExceededError("the board did not report ready within " + std::to_string(timeout.count()) +
                                           " ms after flashing");
      }
      return line.status();
    }
    // Boot noise (a bootloader at another baud rate) is common; only the
    // banner counts.
    if (IsGarbageLine(*line)) continue;
    if (IsTflmAllocationFailure(*line)) return NoFit(*line);
    if (protocol == McuProtocol::kTflm) {
      if (line->find(banner) == std::string::npos) continue;
      AddBannerFacts(*line, facts);
      return facts;
    }
    std::string_view mode = StripSerialPrefix(*line);
    if (ConsumePrefix(&mode, "m-timestamp-mode-")) {
      if (mode == "energy") {
        return absl::UnavailableError("the firmware is built for energy mode; benchd needs performance mode "
                                      "(EE_CFG_ENERGY_MODE=0) to read m-lap-us timestamps");
      }
      facts["timestamp_mode"] = std::string(mode);
    }
    if (ClassifyEnergyRunnerLine(*line).kind == ErLineKind::kReady) break;
  }
  BENCHD_ASSIGN_OR_RETURN(std::vector<std::string> name, Command("name", timeout, deadline));
  BENCHD_ASSIGN_OR_RETURN(std::vector<std::string> profile, Command("profile", timeout, deadline));
  name.insert(name.end(), profile.begin(), profile.end());
  for (const std::string& line : name) {
    const ErLine classified = ClassifyEnergyRunnerLine(line);
    if (classified.kind == ErLineKind::kName) facts["dut_name"] = classified.text;
    if (classified.kind == ErLineKind::kProfile) facts["dut_profile"] = classified.text;
    if (classified.kind == ErLineKind::kModel) facts["dut_model"] = classified.text;
  }
  return facts;
}

absl::StatusOr<std::vector<double>> McuSerialSession::CollectTflm(const McuSampleRequest& request,
                                                                  const std::string& banner) {
  // The firmware prints all the time; what is buffered is stale, and the
  // first line after the flush may be the tail of a line.
  BENCHD_RETURN_IF_ERROR(port_.DiscardInput());
  BENCHD_RETURN_IF_ERROR(NextLine(request.line_timeout, request.deadline).status());
  std::vector<double> samples;
  int64_t skipped = 0;
  while (static_cast<int64_t>(samples.size()) < request.iterations) {
    BENCHD_ASSIGN_OR_RETURN(std::string line, NextLine(request.line_timeout, request.deadline));
    if (IsGarbageLine(line)) return absl::DataLossError("garbage from the board (noise or a wrong baud rate?)");
    if (IsTflmAllocationFailure(line)) return NoFit(line);
    if (line.find(banner) != std::string::npos) return BoardReset(line);
    const std::optional<TflmTimingLine> timing = ParseTflmTimingLine(line);
    if (!timing) {
      if (line.find(" took ") != std::string::npos) {
        return absl::DataLossError("malformed timing line '" + line.substr(0, 80) + "'");
      }
      continue;  // free text: allocation summaries, debug prints
    }
    if (timing->profiler_event) continue;
    // A run of N inferences counts N toward warm-up; its per-inference mean
    // is one sample.
    if (skipped < request.warmup) {
      skipped += timing->iterations;
      continue;
    }
    samples.push_back(TicksToMicros(timing->ticks, request.clock_hz) / static_cast<double>(timing->iterations));
  }
  return samples;
}

absl::StatusOr<std::vector<double>> McuSerialSession::CollectEnergyRunner(const McuSampleRequest& request) {
  std::vector<double> samples;
  for (int i = 0; i < request.iterations; ++i) {
    const int warmup = i == 0 ? request.warmup : 0;
    const std::string command = "infer 1 " + std::to_string(warmup);
    // Silence is bounded per inference the board must run before it prints
    // again: all the warm-ups come before m-warmup-done.
    const milliseconds silence = request.line_timeout * (warmup + 1);
    BENCHD_RETURN_IF_ERROR(Send(command + "%", request.deadline));
    std::vector<std::string> response;
    while (true) {
      BENCHD_ASSIGN_OR_RETURN(std::string line, NextLine(silence, request.deadline));
      if (IsGarbageLine(line)) return absl::DataLossError("garbage from the board (noise or a wrong baud rate?)");
      const ErLine classified = ClassifyEnergyRunnerLine(line);
      if (IsTflmAllocationFailure(line)) return NoFit(line);
      if (classified.kind == ErLineKind::kError) {
        return absl::InternalError("the DUT rejected '" + command + "': " + classified.text);
      }
      if (classified.kind == ErLineKind::kInitDone) return BoardReset(line);
      // Lines before the response starts (an m-ready left over) are not
      // part of it.
      if (response.empty() && classified.kind != ErLineKind::kWarmupStart &&
          classified.kind != ErLineKind::kInferStart) {
        continue;
      }
      response.push_back(std::move(line));
      if (classified.kind == ErLineKind::kReady) break;
    }
    absl::StatusOr<ErInferResult> result = ParseEnergyRunnerInfer(response);
    if (!result.ok()) return common::WithContext(result.status(), "sample " + std::to_string(i));
    samples.push_back(result->per_inference_us);
  }
  return samples;
}

}  // namespace benchd::agent
