#include "agents/sim/common/simulation.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace benchd::sim {
namespace {

constexpr double kDefaultRelativeStd = 0.02;
constexpr double kFloorFraction = 0.05;

const char* Getenv(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

template <typename T>
std::optional<T> ParseWhole(std::string_view text) {
  T value{};
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

uint64_t SeedFromEnvironment() {
  if (const char* text = Getenv("BENCHD_SIM_SEED")) {
    if (std::optional<uint64_t> seed = ParseWhole<uint64_t>(text)) return *seed;
    std::fprintf(stderr, "benchd sim: ignoring BENCHD_SIM_SEED='%s': not an unsigned integer\n", text);
  }
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

double RelativeStdFromEnvironment() {
  if (const char* text = Getenv("BENCHD_SIM_NOISE")) {
    std::optional<double> value = ParseWhole<double>(text);
    if (value && *value >= 0 && *value < 1) return *value;
    std::fprintf(stderr, "benchd sim: ignoring BENCHD_SIM_NOISE='%s': not a number in [0, 1)\n", text);
  }
  return kDefaultRelativeStd;
}

}  // namespace

Failure FailureFromEnvironment() {
  const char* text = Getenv("BENCHD_SIM_FAILURE");
  if (text == nullptr) return {};
  const std::string_view value(text);
  static constexpr std::pair<std::string_view, FailureMode> kModes[] = {
      {"none", FailureMode::kNone},         {"hang", FailureMode::kHang},
      {"crash", FailureMode::kCrash},       {"truncate", FailureMode::kTruncate},
      {"garbage", FailureMode::kGarbage},   {"no-answer", FailureMode::kNoAnswer},
      {"no-fit", FailureMode::kNoFit},
  };
  for (const auto& [name, mode] : kModes) {
    if (value == name) return Failure{mode, 0};
  }
  if (value.starts_with("exit:")) {
    std::optional<int> code = ParseWhole<int>(value.substr(5));
    if (code && *code >= 0 && *code <= 255) return Failure{FailureMode::kExit, *code};
  }
  std::fprintf(stderr,
               "benchd sim: ignoring BENCHD_SIM_FAILURE='%s': expected none, hang, crash, truncate, "
               "garbage, exit:N (0..255), no-answer or no-fit\n",
               text);
  return {};
}

Noise::Noise() : Noise(SeedFromEnvironment(), RelativeStdFromEnvironment()) {}

Noise::Noise(uint64_t seed, double relative_std) : engine_(seed), relative_std_(relative_std) {}

double Noise::Around(double mean) {
  // Zero spread is exact, so tests can compare stored figures with the
  // published ones without a tolerance.
  if (relative_std_ <= 0) return mean;
  std::normal_distribution<double> factor(1.0, relative_std_);
  return std::max(mean * factor(engine_), mean * kFloorFraction);
}

void HangForever() {
  std::cout.flush();
  std::fflush(stdout);
  // pause() returns only after a caught signal; the caller's SIGTERM or
  // SIGKILL ends the process instead.
  for (;;) pause();
}

void CrashNow() {
  std::cout.flush();
  std::fflush(stdout);
  std::fflush(stderr);
  std::signal(SIGSEGV, SIG_DFL);
  std::raise(SIGSEGV);
  std::abort();  // not reached: SIGSEGV's default action ends the process
}

void PrintGarbage(std::mt19937_64& engine, size_t bytes) {
  std::uniform_int_distribution<int> byte(0x80, 0xff);
  std::uniform_int_distribution<int> line_length(20, 120);
  std::string out;
  out.reserve(bytes);
  int until_break = line_length(engine);
  while (out.size() < bytes) {
    // Line breaks keep the output line-shaped, as a corrupted log is, so
    // parsers get to report a line number.
    if (--until_break == 0) {
      out += '\n';
      until_break = line_length(engine);
    } else {
      out += static_cast<char>(byte(engine));
    }
  }
  std::cout << out << std::flush;
}

}  // namespace benchd::sim
