#pragma once

// From power samples to the figures a run reports: phases on the sampling
// clock, average power and energy over a window, energy per inference.
// Pure functions over a `PowerTrace`; no threads, no clock.
//
// Energy over a window comes from the source's energy counter when every
// sample of the rail carries one (RAPL): the counter's values at the window
// edges, linearly interpolated between samples, are subtracted. Otherwise
// power is integrated with trapezoids between consecutive samples; a window
// edge that falls between two samples is clipped there, with the power at the
// edge linearly interpolated, so the result is exact for any trace that is
// linear between samples.
//
// A window must lie within the rail's samples (first sample <= begin, end <=
// last sample): nothing is extrapolated. Mark phases after the samplers have
// started and stop them after the last mark (a polling sampler polls once
// more when stopped).
// Thread-safety: `PowerTrace` and `PhaseTimeline` are plain values.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "agents/power/phase.h"
#include "agents/power/power_sample.h"

namespace benchd::agent::power {

struct Window {
  int64_t begin_ns = 0;
  int64_t end_ns = 0;
  double seconds() const { return static_cast<double>(end_ns - begin_ns) * 1e-9; }
};

// Phase marks in time order: a phase runs from its mark to the next mark.
class PhaseTimeline {
 public:
  struct Mark {
    Phase phase;
    int64_t t_ns;
  };
  // INVALID_ARGUMENT when `t_ns` is before the previous mark.
  [[nodiscard]] absl::Status Add(Phase phase, int64_t t_ns);
  // The window of the last time `phase` was marked; nullopt when it was never
  // marked or nothing was marked after it.
  std::optional<Window> WindowOf(Phase phase) const;
  // Every closed window of `phase`, in time order (a run of several repeats
  // marks `measure` once per repeat).
  std::vector<Window> WindowsOf(Phase phase) const;
  const std::vector<Mark>& marks() const { return marks_; }

 private:
  std::vector<Mark> marks_;
};

// The samples of one rail, in time order.
struct RailTrace {
  std::vector<int64_t> t_ns;
  std::vector<double> watts;
  std::vector<double> energy_j;  // NaN where the source has no counter
  bool HasCounter() const;
};

// Samples collected per rail, from `PowerMonitor::Drain()` batches.
class PowerTrace {
 public:
  // Samples of one rail must arrive in time order (they do: one thread
  // samples a rail, and the buffer keeps order).
  void Add(std::span<const PowerSample> samples);
  // nullptr for a rail without samples.
  const RailTrace* Rail(uint32_t rail) const;

 private:
  std::unordered_map<uint32_t, RailTrace> rails_;
};

struct WindowFigure {
  double energy_j = 0;
  double avg_watts = 0;
  int64_t samples = 0;           // samples with begin <= t <= end
  double effective_rate_hz = 0;  // samples / window length
  bool from_counter = false;     // energy from the counter, not trapezoids
  double seconds = 0;
};

enum class EnergyMethod { kPreferCounter, kTrapezoid };

// Energy by trapezoids over (t, watts) within `window`, clipping at the edges.
// OUT_OF_RANGE when the samples do not cover the window, INVALID_ARGUMENT for
// an empty window or mismatched spans.
[[nodiscard]] absl::StatusOr<double> TrapezoidEnergy(std::span<const int64_t> t_ns, std::span<const double> watts,
                                                     Window window);
[[nodiscard]] absl::StatusOr<WindowFigure> IntegrateWindow(const RailTrace& trace, Window window,
                                                           EnergyMethod method = EnergyMethod::kPreferCounter);
// The windows together: energies, lengths and sample counts add up, the
// average is total energy / total length. INVALID_ARGUMENT for no window.
[[nodiscard]] absl::StatusOr<WindowFigure> IntegrateWindows(const RailTrace& trace, std::span<const Window> windows,
                                                            EnergyMethod method = EnergyMethod::kPreferCounter);

// Over every window of each phase (see WindowsOf).
struct InferenceEnergy {
  WindowFigure measure;
  std::optional<WindowFigure> idle;  // when the idle phase was marked
  double joules_per_inference = 0;
  // (measure energy - idle power x measure time) / inferences: the energy the
  // inferences cost beyond keeping the device idle; set with `idle`.
  std::optional<double> dynamic_joules_per_inference;
};

// FAILED_PRECONDITION when the measure phase was not marked and closed,
// INVALID_ARGUMENT when `inferences` is not positive, plus the errors of
// `IntegrateWindow`.
[[nodiscard]] absl::StatusOr<InferenceEnergy> EnergyPerInference(const RailTrace& trace,
                                                                 const PhaseTimeline& phases, int64_t inferences,
                                                                 EnergyMethod method = EnergyMethod::kPreferCounter);

}  // namespace benchd::agent::power
