// The phases of a simulated run on a fake clock (nothing waits), the power
// figures behind them, and the environment that turns them on.

#include "agents/sim/common/power_playback.h"

#include <chrono>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "agents/power/sysfs_attribute.h"
#include "agents/sim/common/power_figures.h"
#include "agents/sim/common/reference_data.h"
#include "gtest/gtest.h"
#include "tests/unit/sim/scoped_env.h"
#include "tests/unit/drivers_fpga/temp_tree.h"

namespace benchd::sim {
namespace {

using std::chrono::milliseconds;
using TimePoint = std::chrono::steady_clock::time_point;

// Jumps to each deadline at once and records, per sleep, the deadline and the
// board power the tree showed while "sleeping".
class FakePlaybackClock final : public PlaybackClock {
 public:
  explicit FakePlaybackClock(std::string value_path) : value_path_(std::move(value_path)) {}

  TimePoint Now() override { return now_; }
  void SleepUntil(TimePoint deadline) override {
    const auto value = agent::power::SysfsAttribute::Open(value_path_);
    EXPECT_TRUE(value.ok()) << value.status();
    sleeps.push_back({deadline - start, value.ok() ? value->ReadInt().value_or(-1) : -1});
    now_ = std::max(now_, deadline);
  }

  struct Sleep {
    std::chrono::nanoseconds until;  // from the start
    int64_t uw;                      // the value during the sleep
  };
  std::vector<Sleep> sleeps;
  const TimePoint start = TimePoint() + std::chrono::hours(1);

 private:
  std::string value_path_;
  TimePoint now_ = start;
};

class PowerPlaybackTest : public ::testing::Test {
 protected:
  PowerTree Tree(double base_w) {
    absl::StatusOr<PowerTree> tree = PowerTree::Open({dir_, PowerLayout::kHwmon, "ncs2", base_w});
    EXPECT_TRUE(tree.ok()) << tree.status();
    return *std::move(tree);
  }
  int64_t ValueUw() {
    auto value = agent::power::SysfsAttribute::Open(dir_ + "/hwmon0/power1_input");
    return value.ok() ? value->ReadInt().value_or(-1) : -1;
  }

  const std::string dir_ = agent::testing::FreshDir("sim-power-playback");
  FakePlaybackClock clock_{dir_ + "/hwmon0/power1_input"};
};

TEST_F(PowerPlaybackTest, IdleWhileLoadingFullWhileRunningBaseAtTheEnd) {
  PowerPlayback playback(Tree(0.53), {{0.53, 1.2, 1.548}, {}}, Noise(1, 0), clock_);
  ASSERT_TRUE(playback.Play(milliseconds(25), {milliseconds(12), milliseconds(20)}).ok());

  // Ticks every 10 ms from each phase start; each phase ends on its deadline.
  const std::vector<std::pair<int, int64_t>> expected = {
      {10, 1200000}, {20, 1200000}, {25, 1200000},  // load
      {35, 1548000}, {37, 1548000},                 // warm-up
      {47, 1548000}, {57, 1548000},                 // measure
  };
  ASSERT_EQ(clock_.sleeps.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(clock_.sleeps[i].until, milliseconds(expected[i].first)) << i;
    EXPECT_EQ(clock_.sleeps[i].uw, expected[i].second) << i;
  }
  EXPECT_EQ(clock_.Now() - clock_.start, milliseconds(57));
  EXPECT_EQ(ValueUw(), 530000);
}

TEST_F(PowerPlaybackTest, ReplaysATraceOneRowPerTickFromTheWarmUp) {
  PowerPlayback playback(Tree(0.25), {{0.25, 0.8, 9.0}, {1.0, 2.0, 3.0}}, Noise(1, 0), clock_);
  ASSERT_TRUE(playback.Play(milliseconds(0), {milliseconds(15), milliseconds(30)}).ok());

  const std::vector<std::pair<int, int64_t>> expected = {
      {10, 1000000}, {15, 2000000},                 // warm-up: rows 0, 1
      {25, 2000000}, {35, 3000000}, {45, 1000000},  // measure: rows 1, 2, then 0 again
  };
  ASSERT_EQ(clock_.sleeps.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(clock_.sleeps[i].until, milliseconds(expected[i].first)) << i;
    EXPECT_EQ(clock_.sleeps[i].uw, expected[i].second) << i;
  }
  EXPECT_EQ(ValueUw(), 250000);
}

TEST_F(PowerPlaybackTest, NoiseVariesTheLevelsAroundTheFigures) {
  PowerPlayback playback(Tree(1), {{1, 2, 4}, {}}, Noise(7, 0.02), clock_);
  ASSERT_TRUE(playback.Play(milliseconds(0), {milliseconds(0), milliseconds(500)}).ok());
  std::set<int64_t> seen;
  for (const auto& sleep : clock_.sleeps) {
    EXPECT_NEAR(static_cast<double>(sleep.uw), 4e6, 4e6 * 0.2);
    seen.insert(sleep.uw);
  }
  EXPECT_GT(seen.size(), 40u);
}

TEST(PowerFiguresTest, TakesTheRowsOwnFigures) {
  const QutibenchRow row = *FindQutibench("TX2-maxn", "MLP", "FP16", "maxn", 1, 12.5);
  const PowerFigures figures = *PowerFiguresOf(row);
  EXPECT_DOUBLE_EQ(figures.base_w, 1.8);
  EXPECT_DOUBLE_EQ(figures.idle_w, 5.7);
  EXPECT_DOUBLE_EQ(figures.full_w, *row.full_power_w);
}

TEST(PowerFiguresTest, CompletesARowWithoutBaseAndIdleFromItsHardware) {
  const QutibenchRow row = *FindQutibench("EdgeTPU-fast", "ResNet-50v15", "INT8", "fast", 1, 100);
  ASSERT_FALSE(row.base_power_w.has_value());
  const PowerFigures figures = *PowerFiguresOf(row);
  EXPECT_DOUBLE_EQ(figures.full_w, *row.full_power_w);  // its own
  // No ResNet-50v15 row publishes them: the first INT8 row of the hardware
  // at the same pruning and batch, EfficientNet-S.
  EXPECT_DOUBLE_EQ(figures.base_w, 0.8096);
  EXPECT_DOUBLE_EQ(figures.idle_w, 0.8096);
}

TEST(PowerFiguresTest, EveryPlatformHasDefaultFigures) {
  for (const char* platform : {"tx2", "ncs2", "edgetpu", "zcu102-dpu", "zcu104-dpu", "ultra96-dpu", "zcu104-finn",
                               "zcu104-bismo", "u96-a53"}) {
    const std::optional<PowerFigures> figures = PlatformPowerFigures(platform);
    ASSERT_TRUE(figures.has_value()) << platform;
    EXPECT_GT(figures->base_w, 0) << platform;
  }
  EXPECT_DOUBLE_EQ(PlatformPowerFigures("tx2")->base_w, 1.8);
  EXPECT_DOUBLE_EQ(PlatformPowerFigures("ncs2")->base_w, 0.53);
  // The ZCU104-DPU rows publish base and idle on different topologies.
  EXPECT_DOUBLE_EQ(PlatformPowerFigures("zcu104-dpu")->base_w, 9.2);
  EXPECT_DOUBLE_EQ(PlatformPowerFigures("zcu104-dpu")->idle_w, 15.72);
  EXPECT_FALSE(PlatformPowerFigures("host-cpu").has_value());
}

TEST(PowerFiguresTest, EveryEdgeTpuTopologyHasATraceAtBothClocks) {
  for (const char* topology :
       {"GoogLeNetv1", "MobileNetv1", "EfficientNet-S", "EfficientNet-M", "EfficientNet-L", "ResNet-50v15"}) {
    const std::optional<std::string_view> column = EdgeTpuTraceModel(topology);
    ASSERT_TRUE(column.has_value()) << topology;
    for (const char* clock : {"fast", "slow"}) {
      const std::optional<EdgeTpuTrace> trace = EdgeTpuPower(clock, std::string(*column));
      ASSERT_TRUE(trace.has_value()) << topology << " " << clock;
      EXPECT_GT(trace->watts.size(), 20u);  // 26 to 584 rows
      EXPECT_GT(trace->idle_w, 0);
    }
  }
  EXPECT_FALSE(EdgeTpuTraceModel("MLP").has_value());
}

using test_support::ScopedEnv;

TEST(SimPowerSettingsTest, OffWithoutADirectory) {
  unsetenv("BENCHD_SIM_POWER_DIR");
  EXPECT_FALSE(SimPowerFromEnvironment().has_value());
  ScopedEnv empty("BENCHD_SIM_POWER_DIR", "");
  EXPECT_FALSE(SimPowerFromEnvironment().has_value());
}

TEST(SimPowerSettingsTest, ReadsTheDirectoryAndTheLoadTime) {
  ScopedEnv dir("BENCHD_SIM_POWER_DIR", "/tmp/rails");
  unsetenv("BENCHD_SIM_LOAD_MS");
  EXPECT_EQ(SimPowerFromEnvironment()->dir, "/tmp/rails");
  EXPECT_EQ(SimPowerFromEnvironment()->load, milliseconds(100));
  {
    ScopedEnv load("BENCHD_SIM_LOAD_MS", "0");
    EXPECT_EQ(SimPowerFromEnvironment()->load, milliseconds(0));
  }
  for (const char* bad : {"-5", "1.5", "abc", "600001"}) {
    ScopedEnv load("BENCHD_SIM_LOAD_MS", bad);
    EXPECT_EQ(SimPowerFromEnvironment()->load, milliseconds(100)) << bad;
  }
}

}  // namespace
}  // namespace benchd::sim
