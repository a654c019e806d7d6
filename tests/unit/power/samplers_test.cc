// The sampler threads, driven by a fake clock (polling), a real child
// process (command) and a pseudo-terminal (serial meter). No test sleeps:
// each waits for samples to arrive, with a deadline.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "agents/power/power_monitor.h"
#include "agents/power/stream_samplers.h"
#include "tests/unit/drivers_fpga/temp_tree.h"
#include "tests/unit/drivers_mcu/pty_pair.h"
#include "tests/unit/power/fake_clock.h"

namespace benchd::agent::power {
namespace {

using agent::testing::FreshDir;
using agent::testing::PtyPair;
using agent::testing::WriteFile;
using power::testing::FakeClock;
using std::chrono::seconds;

constexpr int64_t kMs = 1'000'000;

PowerSourceConfig Polled(PowerSourceType type, double rate_hz, std::vector<std::string> rails = {}) {
  PowerSourceConfig config;
  config.type = type;
  config.rate_hz = rate_hz;
  config.rails = std::move(rails);
  return config;
}

TEST(PollingSamplerTest, PollsOnTheClockGridAndOnceMoreWhenStopped) {
  const std::string root = FreshDir("poll-grid");
  WriteFile(root + "/sys/class/hwmon/hwmon0/name", "ina226\n");
  WriteFile(root + "/sys/class/hwmon/hwmon0/power1_label", "VCCINT\n");
  WriteFile(root + "/sys/class/hwmon/hwmon0/power1_input", "1000000\n");
  FakeClock clock(1000 * kMs);
  auto monitor = PowerMonitor::Create({Polled(PowerSourceType::kHwmon, 100)}, clock, {root});
  ASSERT_TRUE(monitor.ok()) << monitor.status();
  ASSERT_TRUE((*monitor)->Start().ok());
  ASSERT_TRUE(clock.WaitForWaits(1, seconds(10)));  // polled once, waiting for 1010 ms
  WriteFile(root + "/sys/class/hwmon/hwmon0/power1_input", "3000000\n");
  clock.Advance(10 * kMs);
  ASSERT_TRUE((*monitor)->WaitForSamples(2, seconds(10)));
  (*monitor)->Stop();

  const std::vector<PowerSample> samples = (*monitor)->Drain();
  ASSERT_EQ(samples.size(), 3u);  // t = 1000 ms, 1010 ms, and the poll at stop
  EXPECT_EQ(samples[0].t_ns, 1000 * kMs);
  EXPECT_DOUBLE_EQ(samples[0].watts, 1.0);
  EXPECT_EQ(samples[1].t_ns, 1010 * kMs);
  EXPECT_DOUBLE_EQ(samples[1].watts, 3.0);
  EXPECT_EQ(samples[2].t_ns, 1010 * kMs);
  EXPECT_EQ((*monitor)->rails().Name(samples[0].rail), "VCCINT");
  const auto stats = (*monitor)->stats();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].first, "hwmon#0");
  EXPECT_EQ(stats[0].second.readings, 3u);
  EXPECT_FALSE(stats[0].second.running);
}

TEST(PollingSamplerTest, SkipsMissedPeriodsInsteadOfBursting) {
  const std::string root = FreshDir("poll-missed");
  WriteFile(root + "/sys/class/hwmon/hwmon0/name", "x\n");
  WriteFile(root + "/sys/class/hwmon/hwmon0/power1_input", "1000000\n");
  FakeClock clock(0);
  auto monitor = PowerMonitor::Create({Polled(PowerSourceType::kHwmon, 1000)}, clock, {root});
  ASSERT_TRUE(monitor.ok()) << monitor.status();
  ASSERT_TRUE((*monitor)->Start().ok());
  ASSERT_TRUE(clock.WaitForWaits(1, seconds(10)));
  clock.AdvanceTo(5 * kMs + kMs / 2);  // the thread was away for 5.5 periods
  ASSERT_TRUE((*monitor)->WaitForSamples(2, seconds(10)));
  (*monitor)->Stop();
  const std::vector<PowerSample> samples = (*monitor)->Drain();
  ASSERT_GE(samples.size(), 2u);
  EXPECT_EQ(samples[1].t_ns, 5 * kMs + kMs / 2);
  EXPECT_EQ((*monitor)->stats()[0].second.missed_deadlines, 4u);  // the deadlines at 2, 3, 4 and 5 ms
}

TEST(PowerMonitorTest, RaplThroughTheMonitorGivesCounterEnergyForAPhase) {
  const std::string root = FreshDir("monitor-rapl");
  const std::string zone = root + "/sys/class/powercap/intel-rapl:0";
  const int64_t max = 1'000'000'000;
  WriteFile(zone + "/name", "package-0\n");
  WriteFile(zone + "/max_energy_range_uj", std::to_string(max) + "\n");
  WriteFile(zone + "/energy_uj", std::to_string(max - 2'000'000) + "\n");
  FakeClock clock(0);
  PowerSourceConfig rapl = Polled(PowerSourceType::kRapl, 10);
  rapl.name = "host";
  auto monitor = PowerMonitor::Create({rapl}, clock, {root});
  ASSERT_TRUE(monitor.ok()) << monitor.status();
  ASSERT_TRUE((*monitor)->Start().ok());
  // Each 100 ms the counter advances 1.5 J (15 W), wrapping on the way.
  PhaseTimeline phases;
  for (int i = 1; i <= 4; ++i) {
    ASSERT_TRUE(clock.WaitForWaits(i, seconds(10)));  // poll i - 1 done, the sampler waits
    WriteFile(zone + "/energy_uj", std::to_string((max - 2'000'000 + i * 1'500'000) % max) + "\n");
    clock.Advance(100 * kMs);
    if (i == 2) {
      ASSERT_TRUE(phases.Add(Phase::kMeasure, clock.NowNs()).ok());
    }
    if (i == 4) {
      ASSERT_TRUE(phases.Add(Phase::kEnd, clock.NowNs()).ok());
    }
  }
  ASSERT_TRUE((*monitor)->WaitForSamples(4, seconds(10)));
  (*monitor)->Stop();

  PowerTrace trace;
  trace.Add((*monitor)->Drain());
  const std::optional<uint32_t> rail = (*monitor)->FindRail("host/package-0");
  ASSERT_TRUE(rail.has_value());
  const RailTrace* samples = trace.Rail(*rail);
  ASSERT_NE(samples, nullptr);
  for (double watts : samples->watts) EXPECT_NEAR(watts, 15.0, 1e-9);
  auto result = EnergyPerInference(*samples, phases, 30);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->measure.from_counter);
  EXPECT_NEAR(result->measure.energy_j, 3.0, 1e-9);
  EXPECT_NEAR(result->joules_per_inference, 0.1, 1e-12);
}

TEST(PowerMonitorTest, DiscoveryErrorsNameTheSource) {
  const std::string root = FreshDir("monitor-errors");
  FakeClock clock;
  auto monitor = PowerMonitor::Create({Polled(PowerSourceType::kIna3221, 10, {"VDD_IN"})}, clock, {root});
  EXPECT_EQ(monitor.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(monitor.status().message().find("power source 0 (ina3221)"), std::string::npos) << monitor.status();
}

// A sampler whose source ended (a command exited, a tty hung up) stops by
// itself; that comes from outside the process with no event to wait on, so
// this is a bounded poll of its state, without sleeping.
void WaitUntilStopped(const Sampler& sampler) {
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (sampler.stats().running && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  EXPECT_FALSE(sampler.stats().running);
}

LineSink SinkFor(const std::string& parser, FakeClock& clock, RailRegistry& registry, SampleBuffer& buffer) {
  return LineSink{*FindLineParser(parser), "", {}, &clock, &registry, &buffer};
}

TEST(LineHandlerTest, WantedRailsAreRegisteredBeforeTheStreamPrintsThem) {
  FakeClock clock(7);
  RailRegistry registry;
  SampleBuffer buffer(100);
  LineSink sink = SinkFor("tegrastats", clock, registry, buffer);
  sink.rail_prefix = "tegra/";
  sink.wanted_rails = {"VDD_IN", "VDD_MISSING"};
  LineHandler handler(std::move(sink));
  // Known before any line: the agent waits for a sample of each, so a rail
  // the tool never prints is noticed instead of silently dropped.
  std::vector<std::string> names = registry.Names();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"tegra/VDD_IN", "tegra/VDD_MISSING"}));

  absl::StatusOr<size_t> pushed = handler.Handle("VDD_IN 3141/3141 VDD_SYS_GPU 500/500");
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_EQ(*pushed, 1u);  // VDD_SYS_GPU is not wanted
  pushed = handler.Handle("VDD_SYS_GPU 500/500");
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_EQ(*pushed, 0u);
  EXPECT_EQ(registry.Names().size(), 2u);
}

TEST(CommandSamplerTest, ParsesStreamedLinesAndKillsTheCommandOnStop) {
  FakeClock clock(42);
  RailRegistry registry;
  SampleBuffer buffer(100);
  // The tool prints two readings and a garbage line, then keeps running (as
  // tegrastats does) until the sampler ends it.
  CommandSampler sampler("tegra",
                         {"/bin/sh", "-c",
                          "printf 'VDD_IN 3141/3141 VDD_SYS_GPU 500/500\\nnot a reading\\n"
                          "VDD_IN 3200mW/3170mW\\n'; exec sleep 1000"},
                         SinkFor("tegrastats", clock, registry, buffer));
  ASSERT_TRUE(sampler.Start().ok());
  ASSERT_TRUE(buffer.WaitForSize(3, seconds(10)));
  const auto begin = std::chrono::steady_clock::now();
  sampler.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, seconds(5));  // SIGTERM ended it; no grace period spent

  const std::vector<PowerSample> samples = buffer.Drain();
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(registry.Name(samples[0].rail), "VDD_IN");
  EXPECT_DOUBLE_EQ(samples[0].watts, 3.141);
  EXPECT_EQ(samples[0].t_ns, 42);
  EXPECT_EQ(registry.Name(samples[1].rail), "VDD_SYS_GPU");
  EXPECT_EQ(samples[2].rail, samples[0].rail);
  EXPECT_DOUBLE_EQ(samples[2].watts, 3.2);
  const SamplerStats stats = sampler.stats();
  EXPECT_EQ(stats.readings, 2u);
  EXPECT_EQ(stats.errors, 1u);
  EXPECT_FALSE(stats.running);
  // The child was reaped: no child of this process is left.
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(CommandSamplerTest, ACommandThatExitsEndsTheThreadWithAnError) {
  FakeClock clock;
  RailRegistry registry;
  SampleBuffer buffer(100);
  CommandSampler sampler("smi", {"/bin/sh", "-c", "echo 0, 287.45; echo '[N/A]'"},
                         SinkFor("nvidia-smi-csv", clock, registry, buffer));
  ASSERT_TRUE(sampler.Start().ok());
  ASSERT_TRUE(buffer.WaitForSize(1, seconds(10)));
  WaitUntilStopped(sampler);
  sampler.Stop();
  EXPECT_EQ(registry.Name(buffer.Drain().at(0).rail), "gpu0");
  const SamplerStats stats = sampler.stats();
  EXPECT_EQ(stats.errors, 2u);  // the [N/A] line and the end of output
  EXPECT_NE(stats.last_error.find("end of output"), std::string::npos) << stats.last_error;
}

TEST(CommandSamplerTest, AMissingProgramFailsAtStart) {
  FakeClock clock;
  RailRegistry registry;
  SampleBuffer buffer(10);
  CommandSampler sampler("x", {"/nonexistent/tegrastats"}, SinkFor("tegrastats", clock, registry, buffer));
  EXPECT_EQ(sampler.Start().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(sampler.stats().running);
}

TEST(SerialMeterSamplerTest, ReadsCsvLinesFromAPtyAndStopsPromptly) {
  PtyPair pty;
  FakeClock clock(7);
  RailRegistry registry;
  SampleBuffer buffer(100);
  LineSink sink = SinkFor("meter-csv", clock, registry, buffer);
  sink.rail_prefix = "usb-meter/";
  SerialMeterSampler sampler("usb-meter", pty.slave_path(), 115200, std::move(sink));
  ASSERT_TRUE(sampler.Start().ok());
  pty.Write("100,5.000,0.400\r\n101,5.0");
  pty.Write("00,0.500\r\ngarbage\r\n102,4.9,0.5\r\n");
  ASSERT_TRUE(buffer.WaitForSize(3, seconds(10)));
  sampler.Stop();
  const std::vector<PowerSample> samples = buffer.Drain();
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(registry.Name(samples[0].rail), "usb-meter/meter");
  EXPECT_DOUBLE_EQ(samples[0].watts, 2.0);
  EXPECT_DOUBLE_EQ(samples[1].watts, 2.5);
  EXPECT_DOUBLE_EQ(samples[2].watts, 2.45);
  EXPECT_EQ(samples[2].t_ns, 7);
  EXPECT_EQ(sampler.stats().errors, 1u);
}

TEST(SerialMeterSamplerTest, AnUnpluggedMeterEndsTheThreadWithAnError) {
  PtyPair pty;
  FakeClock clock;
  RailRegistry registry;
  SampleBuffer buffer(100);
  SerialMeterSampler sampler("m", pty.slave_path(), 9600, SinkFor("meter-csv", clock, registry, buffer));
  ASSERT_TRUE(sampler.Start().ok());
  pty.Write("1,5,1\n");
  ASSERT_TRUE(buffer.WaitForSize(1, seconds(10)));
  pty.CloseMaster();
  WaitUntilStopped(sampler);
  EXPECT_NE(sampler.stats().last_error.find("power meter"), std::string::npos) << sampler.stats().last_error;
  sampler.Stop();
  EXPECT_EQ(SerialMeterSampler("m2", "/nonexistent/tty", 9600, SinkFor("meter-csv", clock, registry, buffer))
                .Start()
                .code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace benchd::agent::power
