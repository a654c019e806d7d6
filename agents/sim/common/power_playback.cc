#include "agents/sim/common/power_playback.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>

namespace benchd::sim {
namespace {

constexpr long long kMaxLoadMs = 600'000;

}  // namespace

std::chrono::nanoseconds FromMs(double ms) { return std::chrono::nanoseconds(std::llround(std::max(ms, 0.0) * 1e6)); }

void SteadyPlaybackClock::SleepUntil(std::chrono::steady_clock::time_point deadline) {
  // An absolute sleep on CLOCK_MONOTONIC (libstdc++'s steady_clock), since
  // std::this_thread::sleep_until turns a steady deadline into a relative
  // sleep; a signal's early wake-up sleeps again towards the same deadline.
  const auto since_epoch = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch());
  timespec until{};
  until.tv_sec = static_cast<time_t>(since_epoch.count() / 1'000'000'000);
  until.tv_nsec = static_cast<long>(since_epoch.count() % 1'000'000'000);
  while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr) == EINTR) {
  }
}

template <typename Level>
absl::Status PowerPlayback::Hold(TimePoint from, TimePoint to, const Level& level) {
  for (TimePoint tick = from; tick < to;) {
    absl::Status written = tree_.Write(noise_.Around(level(tick)));
    if (!written.ok()) return written;
    tick = std::min(tick + kPowerTick, to);
    clock_.SleepUntil(tick);
  }
  return absl::OkStatus();
}

absl::Status PowerPlayback::Play(std::chrono::nanoseconds load, const RunPhases& phases) {
  const TimePoint start = clock_.Now();
  const TimePoint warmup_start = start + load;
  const TimePoint measure_start = warmup_start + phases.warmup;
  const TimePoint end = measure_start + phases.measure;
  const PowerFigures& levels = profile_.levels;
  const std::vector<double>& trace = profile_.trace_w;
  auto running = [&](TimePoint tick) {
    if (trace.empty()) return levels.full_w;
    const auto row = static_cast<size_t>((tick - warmup_start) / kPowerTick);
    return trace[row % trace.size()];
  };
  absl::Status status = Hold(start, warmup_start, [&](TimePoint) { return levels.idle_w; });
  if (status.ok()) status = Hold(warmup_start, measure_start, running);
  if (status.ok()) status = Hold(measure_start, end, running);
  if (!status.ok()) return status;
  return tree_.Write(noise_.Around(levels.base_w));
}

std::optional<SimPowerSettings> SimPowerFromEnvironment() {
  const char* dir = std::getenv("BENCHD_SIM_POWER_DIR");
  if (dir == nullptr || *dir == '\0') return std::nullopt;
  SimPowerSettings settings;
  settings.dir = dir;
  if (const char* text = std::getenv("BENCHD_SIM_LOAD_MS")) {
    const std::string_view value(text);
    long long ms = -1;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    if (ec == std::errc() && ptr == value.data() + value.size() && ms >= 0 && ms <= kMaxLoadMs) {
      settings.load = std::chrono::milliseconds(ms);
    } else {
      std::fprintf(stderr, "benchd sim: ignoring BENCHD_SIM_LOAD_MS='%s': not a whole number of ms in [0, %lld]\n",
                   text, kMaxLoadMs);
    }
  }
  return settings;
}

absl::Status PlayRunPower(const SimPowerSettings& settings, PowerLayout layout, const std::string& chip,
                          const PowerProfile& profile, const RunPhases& phases) {
  PowerTreeOptions options;
  options.dir = settings.dir;
  options.layout = layout;
  options.chip = chip;
  options.base_w = profile.levels.base_w;
  absl::StatusOr<PowerTree> tree = PowerTree::Open(options);
  if (!tree.ok()) return absl::Status(tree.status().code(), "simulated power: " + std::string(tree.status().message()));
  SteadyPlaybackClock clock;
  PowerPlayback playback(*std::move(tree), profile, Noise(), clock);
  absl::Status played = playback.Play(settings.load, phases);
  if (!played.ok()) return absl::Status(played.code(), "simulated power: " + std::string(played.message()));
  return absl::OkStatus();
}

}  // namespace benchd::sim
