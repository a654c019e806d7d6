#include "agents/sim/mcu/emulated_firmware.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <vector>

namespace benchd::sim::mcu {
namespace {

constexpr char kBanner[] = "TFLM benchmark ready";
constexpr double kBootMs = 40;      // clock, HAL and interpreter set-up
constexpr double kCommandMs = 0.2;  // parsing a command and printing the answer
constexpr uint64_t kTimerStartUs = (uint64_t{1} << 32) - 2'000'000;
constexpr int kNoAnswerAfterInferences = 3;
constexpr int kTruncateAfterInferences = 2;
constexpr int kDefaultWarmups = 10;  // `infer N` without W, as the reference firmware

// The simulator parses failure names in one place (simulation.cc), from
// the environment; a mode recorded with the firmware goes through it too.
Failure ParseFailure(const std::string& text) {
  const char* saved = std::getenv("BENCHD_SIM_FAILURE");
  const std::string previous = saved != nullptr ? saved : "";
  ::setenv("BENCHD_SIM_FAILURE", text.c_str(), 1);
  const Failure failure = FailureFromEnvironment();
  if (saved != nullptr) {
    ::setenv("BENCHD_SIM_FAILURE", previous.c_str(), 1);
  } else {
    ::unsetenv("BENCHD_SIM_FAILURE");
  }
  return failure;
}

std::vector<std::string> Words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

}  // namespace

double EmulatedFirmware::NextLatencyMs() { return noise_.Around(mean_latency_ms_); }

uint32_t EmulatedFirmware::TimerUs(Clock::time_point now) const {
  const double elapsed_us = std::chrono::duration<double, std::micro>(now - reset_at_).count() / time_scale_;
  return static_cast<uint32_t>(kTimerStartUs + static_cast<uint64_t>(std::max(0.0, elapsed_us)));
}

void EmulatedFirmware::Emit(double delay_ms, std::string line) {
  cursor_ += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(delay_ms * time_scale_));
  queue_.push_back(Pending{cursor_, std::move(line) + "\r\n"});
}

void EmulatedFirmware::EmitGarbage(double delay_ms) {
  std::uniform_int_distribution<int> byte(0x80, 0xff);
  std::string noise(48, '\0');
  for (char& c : noise) c = static_cast<char>(byte(noise_.engine()));
  Emit(delay_ms, std::move(noise));
}

void EmulatedFirmware::Reset(const BoardState& state, Clock::time_point now) {
  state_ = state;
  queue_.clear();
  input_.clear();
  inferences_ = 0;
  handshakes_ = 0;
  db_expected_ = db_received_ = 0;
  reset_at_ = cursor_ = now;
  running_ = false;
  energyrunner_ = state.firmware.protocol == "energyrunner";
  failure_ = state.failure.empty() || state.failure == "none" ? board_failure_ : ParseFailure(state.failure);
  const BuildConfig& firmware = state.firmware;
  const BoardSpec* board = FindBoard(firmware.board);
  const ModelSpec* model = FindModel(firmware.model);
  clock_hz_ = board != nullptr ? board->clock_hz : 0;
  classes_ = model != nullptr ? model->classes : 10;
  const std::optional<double> latency = MeanLatencyMs(firmware);
  mean_latency_ms_ = latency.value_or(0);

  switch (failure_.mode) {
    case FailureMode::kCrash: CrashNow();
    case FailureMode::kExit: exit_requested_ = failure_.exit_code; return;
    case FailureMode::kHang: return;
    default: break;
  }
  Emit(kBootMs, energyrunner_ ? "m-timestamp-mode-performance"
                              : "benchd sim firmware " + firmware.board + " " + firmware.model + " " + firmware.dtype);
  if (!latency || board == nullptr || model == nullptr || failure_.mode == FailureMode::kNoFit) {
    // What TFLM prints when AllocateTensors cannot place the tensors.
    const int64_t arena = model == nullptr ? 0 : (firmware.dtype == "float32" ? model->arena_bytes_float32 : model->arena_bytes_int8);
    Emit(1, "Arena size is too small for all buffers. Needed " + std::to_string(arena) + " but only " +
                std::to_string(arena * 7 / 8) + " was available.");
    Emit(0, "AllocateTensors() failed");
    return;
  }
  running_ = true;
  if (energyrunner_) {
    Emit(0, "m-init-done");
    Emit(0, "m-ready");
    return;
  }
  Emit(0, std::string(kBanner) + " board=" + firmware.board + " model=" + firmware.model + " dtype=" +
              firmware.dtype + " cmsis_nn=" + (firmware.cmsis_nn ? "true" : "false") + " opt=" + firmware.opt +
              " fpu=" + (firmware.fpu ? "true" : "false") + " arena_used_bytes=" +
              std::to_string(firmware.dtype == "float32" ? model->arena_bytes_float32 : model->arena_bytes_int8));
}

void EmulatedFirmware::ScheduleTflmInference() {
  if (!running_ || energyrunner_ || !queue_.empty()) return;
  const double latency_ms = NextLatencyMs();
  const auto ticks = static_cast<uint64_t>(std::llround(latency_ms * 1e-3 * static_cast<double>(clock_hz_)));
  const std::string line = "Inference took " + std::to_string(static_cast<int32_t>(static_cast<uint32_t>(ticks))) +
                           " ticks (" + std::to_string(ticks / (clock_hz_ / 1000)) + " ms)";
  ++inferences_;
  if (failure_.mode == FailureMode::kNoAnswer && inferences_ > kNoAnswerAfterInferences) {
    running_ = false;
  } else if (failure_.mode == FailureMode::kTruncate && inferences_ > kTruncateAfterInferences) {
    cursor_ += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(latency_ms * time_scale_));
    queue_.push_back(Pending{cursor_, line.substr(0, line.size() / 2)});  // no line break, then silence
    running_ = false;
  } else if (failure_.mode == FailureMode::kGarbage) {
    EmitGarbage(latency_ms);
  } else {
    Emit(latency_ms, line);
  }
}

std::optional<EmulatedFirmware::Clock::time_point> EmulatedFirmware::NextDue() const {
  if (!queue_.empty()) return queue_.front().due;
  return std::nullopt;
}

std::string EmulatedFirmware::TakeDue(Clock::time_point now) {
  std::string out;
  while (!queue_.empty() && queue_.front().due <= now) {
    out += queue_.front().text;
    queue_.pop_front();
  }
  // Free-running: the next inference starts when the last line is out. A
  // board that fell behind (nobody reading, a slow host) does not catch up
  // in a burst: it starts from now.
  if (queue_.empty() && running_ && !energyrunner_) {
    cursor_ = std::max(cursor_, now);
    ScheduleTflmInference();
  }
  return out;
}

void EmulatedFirmware::OnInput(std::string_view bytes, Clock::time_point now) {
  if (!energyrunner_ || !state_) return;  // tflm firmware reads nothing
  input_.append(bytes);
  for (size_t end = input_.find('%'); end != std::string::npos; end = input_.find('%')) {
    const std::string command = input_.substr(0, end);
    input_.erase(0, end + 1);
    HandleCommand(command, now);
  }
}

void EmulatedFirmware::HandleCommand(const std::string& command, Clock::time_point now) {
  if (!running_) return;
  const std::vector<std::string> words = Words(command);
  if (words.empty()) return;
  if (failure_.mode == FailureMode::kNoAnswer && handshakes_ >= 2) return;
  cursor_ = std::max(cursor_, now);
  const std::string& verb = words[0];
  if (verb == "name") {
    ++handshakes_;
    Emit(kCommandMs, "m-name-dut-[benchd-sim " + state_->firmware.board + "]");
  } else if (verb == "profile") {
    ++handshakes_;
    Emit(kCommandMs, "m-profile-[benchd-sim TFLM " + state_->firmware.dtype + " " + state_->firmware.opt + "]");
    Emit(0, "m-model-[" + state_->firmware.model + "]");
  } else if (verb == "timestamp") {
    Emit(kCommandMs, "m-lap-us-" + std::to_string(TimerUs(cursor_)));
  } else if (verb == "results") {
    Emit(kCommandMs, "m-results-[" + last_results_ + "]");
  } else if (verb == "infer" && words.size() >= 2) {
    const int64_t n = std::atoll(words[1].c_str());
    const int64_t warmup = words.size() >= 3 ? std::atoll(words[2].c_str()) : kDefaultWarmups;
    if (n < 1) {
      Emit(kCommandMs, "e-[Inference N must be >0]");
    } else if (warmup < 0) {
      Emit(kCommandMs, "e-[Inference warmup must be >=0]");
    } else {
      Infer(n, warmup, now);
      if (!running_) return;  // truncated: no m-ready
    }
  } else if (verb == "db" && words.size() >= 3 && words[1] == "load") {
    db_expected_ = std::atoll(words[2].c_str());
    db_received_ = 0;
    Emit(kCommandMs, "m-[Expecting " + std::to_string(db_expected_) + " bytes]");
  } else if (verb == "db" && words.size() == 2) {
    db_received_ += static_cast<int64_t>(words[1].size() / 2);
    if (db_expected_ > 0 && db_received_ >= db_expected_) Emit(kCommandMs, "m-load-done");
  } else {
    Emit(kCommandMs, "e-[Unknown command: " + command + "]");
  }
  Emit(0, "m-ready");
}

void EmulatedFirmware::Infer(int64_t n, int64_t warmup, Clock::time_point now) {
  Emit(kCommandMs, "m-warmup-start-" + std::to_string(warmup));
  double warmup_ms = 0;
  for (int64_t i = 0; i < warmup; ++i) warmup_ms += NextLatencyMs();
  Emit(warmup_ms, "m-warmup-done");
  if (failure_.mode == FailureMode::kGarbage) {
    EmitGarbage(0);
  } else {
    Emit(0, "m-infer-start-" + std::to_string(n));
  }
  const uint32_t lap_start = TimerUs(cursor_);
  Emit(0, "m-lap-us-" + std::to_string(lap_start));
  if (failure_.mode == FailureMode::kTruncate) {
    running_ = false;
    return;
  }
  double total_ms = 0;
  for (int64_t i = 0; i < n; ++i) total_ms += NextLatencyMs();
  // The second lap is the first plus exactly the simulated work, wrapped at
  // 32 bits like the board's counter.
  const auto lap_end = static_cast<uint32_t>(lap_start + static_cast<uint64_t>(std::llround(total_ms * 1000)));
  Emit(total_ms, "m-lap-us-" + std::to_string(lap_end));
  Emit(0, "m-infer-done");
  std::uniform_int_distribution<int> pick(0, classes_ - 1);
  const int winner = pick(noise_.engine());
  last_results_.clear();
  for (int c = 0; c < classes_; ++c) {
    char score[16];
    std::snprintf(score, sizeof(score), "%.3f", c == winner ? 0.992 : (c == (winner + 1) % classes_ ? 0.008 : 0.0));
    last_results_ += (c == 0 ? "" : ",") + std::string(score);
  }
  Emit(0, "m-results-[" + last_results_ + "]");
}

}  // namespace benchd::sim::mcu
