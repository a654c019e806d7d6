#include "agents/power/energy.h"

#include <algorithm>
#include <cmath>

#include "common/status_util.h"

namespace benchd::agent::power {
namespace {

// The value at `t` of the piecewise-linear function through (ts, values);
// `t` lies within [ts.front(), ts.back()].
double Interpolate(std::span<const int64_t> ts, std::span<const double> values, int64_t t) {
  const auto upper = std::lower_bound(ts.begin(), ts.end(), t);
  const size_t i = static_cast<size_t>(upper - ts.begin());
  if (i < ts.size() && ts[i] == t) return values[i];
  const size_t lo = i - 1;
  const double fraction = static_cast<double>(t - ts[lo]) / static_cast<double>(ts[i] - ts[lo]);
  return values[lo] + (values[i] - values[lo]) * fraction;
}

absl::Status CheckCovered(std::span<const int64_t> t_ns, Window window) {
  if (window.end_ns <= window.begin_ns) {
    return absl::InvalidArgumentError("empty window [" + std::to_string(window.begin_ns) + ", " +
                                      std::to_string(window.end_ns) + "] ns");
  }
  if (t_ns.empty() || t_ns.front() > window.begin_ns || t_ns.back() < window.end_ns) {
    return absl::OutOfRangeError(
        "window [" + std::to_string(window.begin_ns) + ", " + std::to_string(window.end_ns) + "] ns is not covered by " +
        (t_ns.empty() ? std::string("any sample")
                      : "the samples [" + std::to_string(t_ns.front()) + ", " + std::to_string(t_ns.back()) + "] ns"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status PhaseTimeline::Add(Phase phase, int64_t t_ns) {
  if (!marks_.empty() && t_ns < marks_.back().t_ns) {
    return absl::InvalidArgumentError("phase '" + std::string(PhaseName(phase)) + "' marked at " +
                                      std::to_string(t_ns) + " ns, before the previous mark");
  }
  marks_.push_back(Mark{phase, t_ns});
  return absl::OkStatus();
}

std::optional<Window> PhaseTimeline::WindowOf(Phase phase) const {
  for (size_t i = marks_.size(); i-- > 0;) {
    if (marks_[i].phase != phase) continue;
    if (i + 1 == marks_.size()) return std::nullopt;
    return Window{marks_[i].t_ns, marks_[i + 1].t_ns};
  }
  return std::nullopt;
}

std::vector<Window> PhaseTimeline::WindowsOf(Phase phase) const {
  std::vector<Window> windows;
  for (size_t i = 0; i + 1 < marks_.size(); ++i) {
    if (marks_[i].phase == phase && marks_[i + 1].t_ns > marks_[i].t_ns) {
      windows.push_back(Window{marks_[i].t_ns, marks_[i + 1].t_ns});
    }
  }
  return windows;
}

bool RailTrace::HasCounter() const {
  return t_ns.size() >= 2 && std::none_of(energy_j.begin(), energy_j.end(), [](double e) { return std::isnan(e); });
}

void PowerTrace::Add(std::span<const PowerSample> samples) {
  for (const PowerSample& sample : samples) {
    RailTrace& rail = rails_[sample.rail];
    rail.t_ns.push_back(sample.t_ns);
    rail.watts.push_back(sample.watts);
    rail.energy_j.push_back(sample.energy_j);
  }
}

const RailTrace* PowerTrace::Rail(uint32_t rail) const {
  const auto it = rails_.find(rail);
  return it == rails_.end() ? nullptr : &it->second;
}

absl::StatusOr<double> TrapezoidEnergy(std::span<const int64_t> t_ns, std::span<const double> watts, Window window) {
  if (t_ns.size() != watts.size()) return absl::InvalidArgumentError("times and powers differ in length");
  BENCHD_RETURN_IF_ERROR(CheckCovered(t_ns, window));
  // The first segment that reaches past the window's start.
  size_t i = static_cast<size_t>(std::upper_bound(t_ns.begin(), t_ns.end(), window.begin_ns) - t_ns.begin());
  i = i == 0 ? 0 : i - 1;
  // Sums (p_lo + p_hi) * Δt in W·ns with Neumaier's compensation, and scales
  // once at the end: hour-long kHz traces add millions of small terms.
  double sum = 0;
  double compensation = 0;
  for (; i + 1 < t_ns.size() && t_ns[i] < window.end_ns; ++i) {
    const int64_t t0 = t_ns[i];
    const int64_t t1 = t_ns[i + 1];
    if (t1 <= t0) continue;  // two samples at one instant: no width
    const int64_t lo = std::max(t0, window.begin_ns);
    const int64_t hi = std::min(t1, window.end_ns);
    if (hi <= lo) continue;
    const double slope = (watts[i + 1] - watts[i]) / static_cast<double>(t1 - t0);
    const double p_lo = lo == t0 ? watts[i] : watts[i] + slope * static_cast<double>(lo - t0);
    const double p_hi = hi == t1 ? watts[i + 1] : watts[i] + slope * static_cast<double>(hi - t0);
    const double term = (p_lo + p_hi) * static_cast<double>(hi - lo);
    const double next = sum + term;
    compensation += std::abs(sum) >= std::abs(term) ? (sum - next) + term : (term - next) + sum;
    sum = next;
  }
  return (sum + compensation) * 0.5e-9;
}

namespace {

// IntegrateWindow with the counter decision made: HasCounter() scans the
// whole trace, once per call of the public functions, not per window.
absl::StatusOr<WindowFigure> IntegrateDecided(const RailTrace& trace, Window window, bool use_counter) {
  WindowFigure figure;
  figure.seconds = window.seconds();
  if (use_counter) {
    BENCHD_RETURN_IF_ERROR(CheckCovered(trace.t_ns, window));
    figure.energy_j = Interpolate(trace.t_ns, trace.energy_j, window.end_ns) -
                      Interpolate(trace.t_ns, trace.energy_j, window.begin_ns);
    figure.from_counter = true;
  } else {
    BENCHD_ASSIGN_OR_RETURN(figure.energy_j, TrapezoidEnergy(trace.t_ns, trace.watts, window));
  }
  figure.avg_watts = figure.energy_j / figure.seconds;
  const auto first = std::lower_bound(trace.t_ns.begin(), trace.t_ns.end(), window.begin_ns);
  const auto last = std::upper_bound(trace.t_ns.begin(), trace.t_ns.end(), window.end_ns);
  figure.samples = last - first;
  figure.effective_rate_hz = static_cast<double>(figure.samples) / figure.seconds;
  return figure;
}

bool UseCounter(const RailTrace& trace, EnergyMethod method) {
  return method == EnergyMethod::kPreferCounter && trace.HasCounter();
}

}  // namespace

absl::StatusOr<WindowFigure> IntegrateWindow(const RailTrace& trace, Window window, EnergyMethod method) {
  return IntegrateDecided(trace, window, UseCounter(trace, method));
}

absl::StatusOr<WindowFigure> IntegrateWindows(const RailTrace& trace, std::span<const Window> windows,
                                              EnergyMethod method) {
  if (windows.empty()) return absl::InvalidArgumentError("no window to integrate over");
  const bool use_counter = UseCounter(trace, method);
  WindowFigure total;
  for (const Window& window : windows) {
    BENCHD_ASSIGN_OR_RETURN(const WindowFigure figure, IntegrateDecided(trace, window, use_counter));
    total.energy_j += figure.energy_j;
    total.seconds += figure.seconds;
    total.samples += figure.samples;
  }
  total.from_counter = use_counter;
  total.avg_watts = total.energy_j / total.seconds;
  total.effective_rate_hz = static_cast<double>(total.samples) / total.seconds;
  return total;
}

absl::StatusOr<InferenceEnergy> EnergyPerInference(const RailTrace& trace, const PhaseTimeline& phases,
                                                   int64_t inferences, EnergyMethod method) {
  if (inferences <= 0) {
    return absl::InvalidArgumentError("energy per inference: " + std::to_string(inferences) + " inferences");
  }
  const std::vector<Window> measure = phases.WindowsOf(Phase::kMeasure);
  if (measure.empty()) return absl::FailedPreconditionError("energy per inference: no closed 'measure' phase");
  InferenceEnergy result;
  BENCHD_ASSIGN_OR_RETURN(result.measure, IntegrateWindows(trace, measure, method));
  result.joules_per_inference = result.measure.energy_j / static_cast<double>(inferences);
  if (const std::vector<Window> idle = phases.WindowsOf(Phase::kIdle); !idle.empty()) {
    BENCHD_ASSIGN_OR_RETURN(result.idle, IntegrateWindows(trace, idle, method));
    result.dynamic_joules_per_inference =
        (result.measure.energy_j - result.idle->avg_watts * result.measure.seconds) / static_cast<double>(inferences);
  }
  return result;
}

}  // namespace benchd::agent::power
