// Integration against analytic traces, with exact expected values, window
// clipping, counters and energy per inference.

#include "agents/power/energy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

namespace benchd::agent::power {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

// Samples p(t) every `step_ns` over [0, end_ns].
RailTrace Sampled(const std::function<double(double)>& watts_at_s, int64_t step_ns, int64_t end_ns) {
  RailTrace trace;
  for (int64_t t = 0; t <= end_ns; t += step_ns) {
    trace.t_ns.push_back(t);
    trace.watts.push_back(watts_at_s(static_cast<double>(t) * 1e-9));
    trace.energy_j.push_back(std::nan(""));
  }
  return trace;
}

TEST(EnergyTest, ConstantPower) {
  const RailTrace trace = Sampled([](double) { return 7.5; }, kSecond / 100, 10 * kSecond);
  auto figure = IntegrateWindow(trace, Window{2 * kSecond, 6 * kSecond});
  ASSERT_TRUE(figure.ok()) << figure.status();
  EXPECT_DOUBLE_EQ(figure->energy_j, 30.0);
  EXPECT_DOUBLE_EQ(figure->avg_watts, 7.5);
  EXPECT_EQ(figure->samples, 401);
  EXPECT_DOUBLE_EQ(figure->effective_rate_hz, 100.25);
  EXPECT_FALSE(figure->from_counter);
}

TEST(EnergyTest, RampIsExactEvenWithWindowEdgesBetweenSamples) {
  // p(t) = 2 + 3t W, sampled every 0.3 s; over [0.45, 2.05] s the integral is
  // 2 * 1.6 + 1.5 * (2.05^2 - 0.45^2) = 9.2.
  const RailTrace trace = Sampled([](double s) { return 2 + 3 * s; }, 300'000'000, 3 * kSecond);
  auto energy = TrapezoidEnergy(trace.t_ns, trace.watts, Window{450'000'000, 2'050'000'000});
  ASSERT_TRUE(energy.ok()) << energy.status();
  EXPECT_NEAR(*energy, 9.2, 1e-12);
}

TEST(EnergyTest, SquareWaveOverWholePeriods) {
  // 10 W for 1 s, 2 W for 1 s, sampled every 0.5 s: trapezoids turn each
  // edge into a ramp, symmetric about it, so whole periods are exact:
  // (10 + 2) / 2 * 4 s = 24 J.
  const RailTrace trace =
      Sampled([](double s) { return std::fmod(s, 2.0) < 1.0 ? 10.0 : 2.0; }, kSecond / 2, 6 * kSecond);
  auto energy = TrapezoidEnergy(trace.t_ns, trace.watts, Window{0, 4 * kSecond});
  ASSERT_TRUE(energy.ok()) << energy.status();
  EXPECT_DOUBLE_EQ(*energy, 24.0);
  // Within one high half-period between samples the clipped value is exact too.
  auto high = TrapezoidEnergy(trace.t_ns, trace.watts, Window{100'000'000, 400'000'000});
  ASSERT_TRUE(high.ok());
  EXPECT_DOUBLE_EQ(*high, 3.0);
}

TEST(EnergyTest, ClipsAWindowInsideOneSegment) {
  RailTrace trace;
  trace.t_ns = {0, kSecond};
  trace.watts = {0, 10};
  // Over [0.25, 0.75] s the power is 2.5..7.5 W: 2.5 J.
  auto energy = TrapezoidEnergy(trace.t_ns, trace.watts, Window{kSecond / 4, 3 * kSecond / 4});
  ASSERT_TRUE(energy.ok());
  EXPECT_DOUBLE_EQ(*energy, 2.5);
}

TEST(EnergyTest, WindowsOutsideTheSamplesOrEmptyAreErrors) {
  const RailTrace trace = Sampled([](double) { return 1.0; }, kSecond, 5 * kSecond);
  EXPECT_EQ(IntegrateWindow(trace, Window{-1, kSecond}).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(IntegrateWindow(trace, Window{0, 5 * kSecond + 1}).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(IntegrateWindow(trace, Window{kSecond, kSecond}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(IntegrateWindow(RailTrace{}, Window{0, 1}).status().code(), absl::StatusCode::kOutOfRange);
}

TEST(EnergyTest, PrefersTheCounterWhenEverySampleHasOne) {
  // The counter says 12 J over the second between the samples, while the
  // (coarse) power readings would integrate to 5 J: the counter wins.
  RailTrace trace;
  trace.t_ns = {0, kSecond, 2 * kSecond};
  trace.watts = {5, 5, 5};
  trace.energy_j = {0, 12, 24};
  auto figure = IntegrateWindow(trace, Window{kSecond / 2, 3 * kSecond / 2});
  ASSERT_TRUE(figure.ok());
  EXPECT_TRUE(figure->from_counter);
  EXPECT_DOUBLE_EQ(figure->energy_j, 12.0);
  auto by_power = IntegrateWindow(trace, Window{kSecond / 2, 3 * kSecond / 2}, EnergyMethod::kTrapezoid);
  ASSERT_TRUE(by_power.ok());
  EXPECT_FALSE(by_power->from_counter);
  EXPECT_DOUBLE_EQ(by_power->energy_j, 5.0);
}

TEST(EnergyTest, EnergyPerInferenceWithAndWithoutIdle) {
  // Idle at 3 W, warm-up, then 8 W for 4 s of measuring 200 inferences.
  const RailTrace trace = Sampled([](double s) { return s <= 2.0 ? 3.0 : 8.0; }, kSecond / 1000, 7 * kSecond);
  PhaseTimeline phases;
  ASSERT_TRUE(phases.Add(Phase::kIdle, kSecond / 2).ok());
  ASSERT_TRUE(phases.Add(Phase::kWarmup, 2 * kSecond).ok());
  ASSERT_TRUE(phases.Add(Phase::kMeasure, 5 * kSecond / 2).ok());
  ASSERT_TRUE(phases.Add(Phase::kEnd, 13 * kSecond / 2).ok());
  auto result = EnergyPerInference(trace, phases, 200);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_NEAR(result->measure.energy_j, 32.0, 1e-9);
  EXPECT_NEAR(result->joules_per_inference, 0.16, 1e-12);
  ASSERT_TRUE(result->idle.has_value());
  EXPECT_NEAR(result->idle->avg_watts, 3.0, 1e-12);
  ASSERT_TRUE(result->dynamic_joules_per_inference.has_value());
  EXPECT_NEAR(*result->dynamic_joules_per_inference, (32.0 - 3.0 * 4) / 200, 1e-12);
  EXPECT_EQ(result->measure.samples, 4001);

  EXPECT_EQ(EnergyPerInference(trace, phases, 0).status().code(), absl::StatusCode::kInvalidArgument);
  PhaseTimeline open;
  ASSERT_TRUE(open.Add(Phase::kMeasure, kSecond).ok());
  EXPECT_EQ(EnergyPerInference(trace, open, 1).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(EnergyTest, EnergyPerInferenceAddsUpEveryRepeatsMeasureWindow) {
  // Two repeats measured at 8 W for 1 s each, with 3 W idle between them;
  // the second is 10 W: 18 J over 2 s for 100 inferences.
  const RailTrace trace = Sampled(
      [](double s) { return s >= 1 && s <= 2 ? 8.0 : s >= 3 && s <= 4 ? 10.0 : 3.0; }, kSecond / 1000, 5 * kSecond);
  PhaseTimeline phases;
  ASSERT_TRUE(phases.Add(Phase::kIdle, kSecond / 2).ok());
  ASSERT_TRUE(phases.Add(Phase::kMeasure, kSecond).ok());
  ASSERT_TRUE(phases.Add(Phase::kEnd, 2 * kSecond).ok());
  ASSERT_TRUE(phases.Add(Phase::kIdle, 5 * kSecond / 2).ok());
  ASSERT_TRUE(phases.Add(Phase::kMeasure, 3 * kSecond).ok());
  ASSERT_TRUE(phases.Add(Phase::kCooldown, 4 * kSecond).ok());
  ASSERT_EQ(phases.WindowsOf(Phase::kMeasure).size(), 2u);
  auto result = EnergyPerInference(trace, phases, 100);
  ASSERT_TRUE(result.ok()) << result.status();
  // The steps fall on samples at the window edges: nothing of them leaks in.
  EXPECT_NEAR(result->measure.energy_j, 18.0, 1e-9);
  EXPECT_NEAR(result->measure.seconds, 2.0, 1e-12);
  EXPECT_NEAR(result->joules_per_inference, result->measure.energy_j / 100, 1e-12);
  ASSERT_TRUE(result->idle.has_value());
  EXPECT_NEAR(result->idle->seconds, 1.0, 1e-12);
  EXPECT_EQ(IntegrateWindows(trace, {}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PhaseTimelineTest, PhaseNamesRoundTrip) {
  for (Phase phase : {Phase::kBase, Phase::kIdle, Phase::kWarmup, Phase::kMeasure, Phase::kCooldown, Phase::kEnd}) {
    EXPECT_EQ(PhaseFromName(PhaseName(phase)), phase);
  }
  EXPECT_FALSE(PhaseFromName("measuring").has_value());
}

TEST(PhaseTimelineTest, APhaseRunsToTheNextMarkAndMarksStayInOrder) {
  PhaseTimeline phases;
  ASSERT_TRUE(phases.Add(Phase::kWarmup, 10).ok());
  ASSERT_TRUE(phases.Add(Phase::kMeasure, 20).ok());
  EXPECT_FALSE(phases.WindowOf(Phase::kMeasure).has_value());
  ASSERT_TRUE(phases.Add(Phase::kCooldown, 35).ok());
  const std::optional<Window> measure = phases.WindowOf(Phase::kMeasure);
  ASSERT_TRUE(measure.has_value());
  EXPECT_EQ(measure->begin_ns, 20);
  EXPECT_EQ(measure->end_ns, 35);
  EXPECT_FALSE(phases.WindowOf(Phase::kBase).has_value());
  EXPECT_EQ(phases.Add(Phase::kEnd, 30).code(), absl::StatusCode::kInvalidArgument);
}

TEST(PowerTraceTest, SplitsSamplesByRail) {
  PowerTrace trace;
  const std::vector<PowerSample> samples = {{0, 1, 1.0}, {1, 1, 2.0}, {0, 2, 3.0}};
  trace.Add(samples);
  ASSERT_NE(trace.Rail(0), nullptr);
  EXPECT_EQ(trace.Rail(0)->t_ns, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(trace.Rail(1)->watts, (std::vector<double>{2.0}));
  EXPECT_EQ(trace.Rail(7), nullptr);
  EXPECT_FALSE(trace.Rail(0)->HasCounter());
}

}  // namespace
}  // namespace benchd::agent::power
