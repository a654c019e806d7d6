#include "agents/core/run_power.h"

#include <algorithm>
#include <map>
#include <optional>
#include <thread>

#include "agents/drivers/driver_util.h"
#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::agent {
namespace {

benchd::v1::PhasePower ToProto(const power::WindowFigure& figure) {
  benchd::v1::PhasePower phase;
  phase.set_avg_w(figure.avg_watts);
  phase.set_energy_j(figure.energy_j);
  phase.set_seconds(figure.seconds);
  phase.set_samples(figure.samples);
  phase.set_effective_rate_hz(figure.effective_rate_hz);
  phase.set_from_counter(figure.from_counter);
  return phase;
}

// Whether `figure` rests on enough samples; else a warning says why not.
bool EnoughSamples(const power::WindowFigure& figure, const std::string& rail, power::Phase phase,
                   std::vector<std::string>& warnings) {
  if (figure.samples >= RunPowerSession::kMinSamplesPerFigure) return true;
  warnings.push_back(fmt::format(
      "rail {}: no {} power: its windows last {:.3f} ms and hold {} samples (at least {} needed); "
      "measure longer (iterations, min_duration) or sample faster",
      rail, power::PhaseName(phase), figure.seconds * 1e3, figure.samples, RunPowerSession::kMinSamplesPerFigure));
  return false;
}

// The average over every window of `phase`; nothing when it was not marked
// (a sweep without `power: {base: ...}` has no base window) or its windows
// hold too few samples, since an empty message would read as 0 W measured.
// A window the samples do not cover becomes a warning.
std::optional<benchd::v1::PhasePower> PhaseFigure(const power::RailTrace& trace, const power::PhaseTimeline& timeline,
                                                  power::Phase phase, const std::string& rail,
                                                  std::vector<std::string>& warnings) {
  const std::vector<power::Window> windows = timeline.WindowsOf(phase);
  if (windows.empty()) return std::nullopt;
  absl::StatusOr<power::WindowFigure> figure = power::IntegrateWindows(trace, windows);
  if (!figure.ok()) {
    warnings.push_back(fmt::format("rail {}: no {} power: {}", rail, power::PhaseName(phase),
                                   std::string(figure.status().message())));
    return std::nullopt;
  }
  if (!EnoughSamples(*figure, rail, phase, warnings)) return std::nullopt;
  return ToProto(*figure);
}

}  // namespace

RunPowerSession::~RunPowerSession() { Abandon(); }

absl::Status RunPowerSession::Begin(std::chrono::milliseconds base, const std::atomic<bool>& cancel) {
  monitor_.Drain();  // samples of an earlier, abandoned run
  dropped_at_begin_ = monitor_.dropped_samples();
  BENCHD_RETURN_IF_ERROR(common::WithContext(monitor_.Start(), "start power sampling"));
  running_ = true;
  drainer_ = std::jthread([this](std::stop_token stop) {
    while (!stop.stop_requested()) {
      {
        std::unique_lock lock(mu_);
        drain_wake_.wait_for(lock, stop, kDrainInterval, [] { return false; });
      }
      if (!stop.stop_requested()) DrainIntoTrace();
    }
  });
  const int64_t started = MonotonicNowNs();
  if (!WaitForEveryRailAt(started, &cancel)) {
    if (cancel) return absl::CancelledError("the run was cancelled");
    return absl::UnavailableError(fmt::format("power sampling: no sample of every rail within {} ms (rails: {})",
                                              kSampleDeadline.count(),
                                              fmt::join(monitor_.rails().Names(), ", ")));
  }
  if (base.count() <= 0) return absl::OkStatus();
  const int64_t base_start = MonotonicNowNs();
  timeline_.Add(power::Phase::kBase, base_start).IgnoreError();
  // The base window is a measurement the agent holds, not a wait for an
  // event: nothing runs on the device meanwhile.
  const auto until = std::chrono::steady_clock::now() + base;
  while (std::chrono::steady_clock::now() < until) {
    if (cancel) return absl::CancelledError("the run was cancelled");
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(10), until - std::chrono::steady_clock::now()));
  }
  timeline_.Add(power::Phase::kEnd, MonotonicNowNs()).IgnoreError();
  return absl::OkStatus();
}

RunPowerOutcome RunPowerSession::Finish(const std::vector<PhaseMark>& marks, int64_t inferences,
                                        bool marked_by_driver) {
  RunPowerOutcome outcome;
  const int64_t driver_end = MonotonicNowNs();
  benchd::v1::PowerSummary& summary = outcome.summary;
  summary.set_phase_source(marked_by_driver ? "driver" : "agent");
  for (const PhaseMark& mark : marks) {
    if (absl::Status added = timeline_.Add(mark.phase, mark.t_ns); !added.ok()) {
      outcome.warnings.push_back("phase marks out of order: " + std::string(added.message()));
    }
  }
  const int64_t end = std::max(driver_end, timeline_.marks().empty() ? driver_end : timeline_.marks().back().t_ns);
  timeline_.Add(power::Phase::kEnd, end).IgnoreError();
  if (!WaitForEveryRailAt(end, nullptr)) {
    outcome.warnings.push_back("power sampling: some rail gave no sample after the run ended; its last window is cut");
  }
  StopDraining();
  monitor_.Stop();
  running_ = false;
  DrainIntoTrace(/*flush=*/true);

  for (const power::PhaseTimeline::Mark& mark : timeline_.marks()) {
    benchd::v1::PhaseMark* out = summary.add_phases();
    out->set_phase(std::string(power::PhaseName(mark.phase)));
    out->set_t_ns(mark.t_ns);
  }
  const uint64_t dropped = monitor_.dropped_samples() - dropped_at_begin_;
  summary.set_dropped_samples(static_cast<int64_t>(dropped));
  if (dropped > 0) outcome.warnings.push_back(fmt::format("power sampling dropped {} samples", dropped));

  // Rails in registration order: the first configured source's first rail
  // is the primary one.
  const std::vector<std::string> names = monitor_.rails().Names();
  for (uint32_t id = 0; id < names.size(); ++id) {
    const power::RailTrace* trace = trace_.Rail(id);
    if (trace == nullptr) continue;
    benchd::v1::RailPower* rail = summary.add_rails();
    rail->set_rail(names[id]);
    if (auto base = PhaseFigure(*trace, timeline_, power::Phase::kBase, names[id], outcome.warnings)) {
      *rail->mutable_base() = *std::move(base);
    }
    if (inferences <= 0) {
      outcome.warnings.push_back(fmt::format("rail {}: no energy per inference: the run reported no inferences",
                                             names[id]));
      continue;
    }
    absl::StatusOr<power::InferenceEnergy> energy = power::EnergyPerInference(*trace, timeline_, inferences);
    if (!energy.ok()) {
      outcome.warnings.push_back(fmt::format("rail {}: no full power: {}", names[id], std::string(energy.status().message())));
      continue;
    }
    const bool idle_ok = energy->idle && EnoughSamples(*energy->idle, names[id], power::Phase::kIdle, outcome.warnings);
    if (idle_ok) *rail->mutable_idle() = ToProto(*energy->idle);
    if (!EnoughSamples(energy->measure, names[id], power::Phase::kMeasure, outcome.warnings)) continue;
    *rail->mutable_full() = ToProto(energy->measure);
    rail->set_energy_per_inference_j(energy->joules_per_inference);
    if (idle_ok && energy->dynamic_joules_per_inference) {
      rail->set_dynamic_energy_per_inference_j(*energy->dynamic_joules_per_inference);
      // Kept as measured, but a paper should not quote it unread. Noise
      // puts full a hair under idle on a device the work hardly loads; a
      // drop of 1 % or more is a sign.
      if (energy->measure.avg_watts < 0.99 * energy->idle->avg_watts) {
        outcome.warnings.push_back(fmt::format(
            "rail {}: full power {:.3f} W is 1 % or more below idle power {:.3f} W, so the dynamic energy is negative: the idle "
            "window held activity, or the device throttled while measuring",
            names[id], energy->measure.avg_watts, energy->idle->avg_watts));
      }
    }
  }
  return outcome;
}

void RunPowerSession::Abandon() {
  StopDraining();
  if (!running_) return;
  monitor_.Stop();
  running_ = false;
  monitor_.Drain();
}

void RunPowerSession::StopDraining() {
  if (!drainer_.joinable()) return;
  drainer_.request_stop();
  drain_wake_.notify_all();
  drainer_.join();
}

void RunPowerSession::DrainIntoTrace(bool flush) {
  std::vector<benchd::v1::PowerBatch> full;
  {
    std::lock_guard lock(mu_);
    const std::vector<power::PowerSample> drained = monitor_.Drain();
    trace_.Add(drained);
    std::vector<std::string> names;
    for (const power::PowerSample& sample : drained) {
      benchd::v1::PowerBatch& batch = pending_[sample.rail];
      if (batch.channel().empty()) {
        if (names.empty()) names = monitor_.rails().Names();
        batch.set_channel(sample.rail < names.size() ? names[sample.rail] : fmt::format("rail{}", sample.rail));
      }
      batch.add_t_ns(sample.t_ns);
      batch.add_watts(sample.watts);
      if (batch.watts_size() >= kSamplesPerBatch) {
        std::string channel = batch.channel();
        full.push_back(std::move(batch));
        batch = benchd::v1::PowerBatch();
        batch.set_channel(std::move(channel));
      }
    }
    if (flush) {
      for (auto& [rail, batch] : pending_) {
        if (batch.watts_size() > 0) full.push_back(std::move(batch));
      }
      pending_.clear();
    }
  }
  // Outside the lock: the sink writes to the spool.
  if (sink_) {
    for (benchd::v1::PowerBatch& batch : full) sink_(std::move(batch));
  }
}

bool RunPowerSession::WaitForEveryRailAt(int64_t t_ns, const std::atomic<bool>* cancel) {
  const auto deadline = std::chrono::steady_clock::now() + kSampleDeadline;
  while (true) {
    DrainIntoTrace();
    const size_t rails = monitor_.rails().Names().size();
    bool all = rails > 0;
    {
      std::lock_guard lock(mu_);
      for (uint32_t id = 0; all && id < rails; ++id) {
        const power::RailTrace* trace = trace_.Rail(id);
        all = trace != nullptr && !trace->t_ns.empty() && trace->t_ns.back() >= t_ns;
      }
    }
    if (all) return true;
    if (cancel != nullptr && *cancel) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    monitor_.WaitForSamples(1, std::min(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now),
                                        std::chrono::milliseconds(50)));
  }
}

}  // namespace benchd::agent
