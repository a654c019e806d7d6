// The simulated power tree read by the agent's own rail readers: the layouts
// are discovered, values arrive in watts, readers that keep the files open
// see every update, and no reader ever sees a partial value.

#include "agents/sim/common/sim_power.h"

#include <atomic>
#include <charconv>
#include <cmath>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agents/power/hwmon_source.h"
#include "agents/power/ina3221_source.h"
#include "agents/power/sysfs_attribute.h"
#include "gtest/gtest.h"
#include "tests/unit/drivers_fpga/temp_tree.h"

namespace benchd::sim {
namespace {

using agent::power::HwmonSource;
using agent::power::Ina3221Source;
using agent::power::RailValue;
using agent::testing::FreshDir;

PowerTree OpenTree(const std::string& dir, PowerLayout layout, const std::string& chip, double base_w,
                   bool replace_names = false) {
  absl::StatusOr<PowerTree> tree = PowerTree::Open({dir, layout, chip, base_w, replace_names});
  EXPECT_TRUE(tree.ok()) << tree.status();
  return *std::move(tree);
}

// Microwatts, so values compare exactly.
std::vector<int64_t> Microwatts(agent::power::PolledSource& source) {
  std::vector<RailValue> values;
  EXPECT_TRUE(source.Poll(0, values).ok());
  std::vector<int64_t> uw;
  for (const RailValue& value : values) uw.push_back(std::llround(value.watts * 1e6));
  return uw;
}

std::vector<double> Watts(agent::power::PolledSource& source) {
  std::vector<RailValue> values;
  EXPECT_TRUE(source.Poll(0, values).ok());
  std::vector<double> watts;
  for (const RailValue& value : values) watts.push_back(value.watts);
  return watts;
}

TEST(SimPowerTest, ParsesLayoutNames) {
  EXPECT_EQ(ParsePowerLayout("ina3221"), PowerLayout::kIna3221);
  EXPECT_EQ(ParsePowerLayout("hwmon"), PowerLayout::kHwmon);
  EXPECT_FALSE(ParsePowerLayout("INA3221").has_value());
}

TEST(SimPowerTest, Tx2SplitKeepsTheBoardFigureOnVddIn) {
  const Tx2Rails at_base = SplitTx2Power(1.8, 1.8);
  EXPECT_DOUBLE_EQ(at_base.in_w, 1.8);
  EXPECT_NEAR(at_base.gpu_w, 0.144, 1e-12);
  EXPECT_NEAR(at_base.cpu_w, 0.306, 1e-12);
  const Tx2Rails loaded = SplitTx2Power(13.6, 1.8);
  EXPECT_DOUBLE_EQ(loaded.in_w, 13.6);
  EXPECT_GT(loaded.gpu_w, loaded.cpu_w);
  EXPECT_LT(loaded.gpu_w + loaded.cpu_w, loaded.in_w);
}

TEST(SimPowerTest, Ina3221TreeIsDiscoveredAndReadInMilliwatts) {
  const std::string dir = FreshDir("sim-power-ina");
  PowerTree tree = OpenTree(dir, PowerLayout::kIna3221, "", 1.8);
  auto source = Ina3221Source::Create({dir, {}});
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->rails(), (std::vector<std::string>{"VDD_IN", "VDD_SYS_GPU", "VDD_SYS_CPU"}));
  EXPECT_EQ(agent::power::ReadTrimmedFile(dir + "/1-0040/iio:device0/rail_name_0").value_or(""), "VDD_IN");

  std::vector<double> watts = Watts(**source);  // created at base power
  ASSERT_EQ(watts.size(), 3u);
  EXPECT_NEAR(watts[0], 1.8, 1e-9);
  EXPECT_NEAR(watts[1], 0.144, 1e-9);
  EXPECT_NEAR(watts[2], 0.306, 1e-9);

  // The source opened its files before these writes and keeps them open.
  for (double board_w : {8.873, 13.6, 1.8}) {
    ASSERT_TRUE(tree.Write(board_w).ok());
    const Tx2Rails split = SplitTx2Power(board_w, 1.8);
    watts = Watts(**source);
    ASSERT_EQ(watts.size(), 3u);
    EXPECT_NEAR(watts[0], board_w, 1e-9);  // VDD_IN is the published figure, to the mW
    EXPECT_NEAR(watts[1], split.gpu_w, 0.5e-3);
    EXPECT_NEAR(watts[2], split.cpu_w, 0.5e-3);
  }
}

TEST(SimPowerTest, HwmonTreeIsDiscoveredByChipNameAndReadInMicrowatts) {
  const std::string dir = FreshDir("sim-power-hwmon");
  PowerTree tree = OpenTree(dir, PowerLayout::kHwmon, "ncs2", 0.53);
  auto source = HwmonSource::Create({dir, "ncs2", {}});
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->rails(), std::vector<std::string>{"board"});
  EXPECT_EQ(Microwatts(**source), std::vector<int64_t>{530000});
  ASSERT_TRUE(tree.Write(1.548).ok());
  std::vector<double> watts = Watts(**source);
  ASSERT_EQ(watts.size(), 1u);
  EXPECT_NEAR(watts[0], 1.548, 1e-12);
  EXPECT_EQ(agent::testing::ReadFileOrEmpty(dir + "/hwmon0/power1_input"), "1548000        \n");
}

TEST(SimPowerTest, ReopeningKeepsNamesAndTheFilesReadersHaveOpen) {
  const std::string dir = FreshDir("sim-power-reopen");
  { PowerTree first = OpenTree(dir, PowerLayout::kHwmon, "edgetpu-lab", 0.8); }
  auto source = HwmonSource::Create({dir, "edgetpu-lab", {}});
  ASSERT_TRUE(source.ok()) << source.status();

  // A simulator's own chip name does not replace the one the rails tool chose.
  PowerTree simulator = OpenTree(dir, PowerLayout::kHwmon, "edgetpu", 0.25);
  EXPECT_EQ(agent::power::ReadTrimmedFile(dir + "/hwmon0/name").value_or(""), "edgetpu-lab");
  EXPECT_EQ(Microwatts(**source), std::vector<int64_t>{800000});  // an existing value stays until written
  ASSERT_TRUE(simulator.Write(2.5).ok());
  EXPECT_EQ(Microwatts(**source), std::vector<int64_t>{2500000});

  PowerTree tool = OpenTree(dir, PowerLayout::kHwmon, "edgetpu", 0.25, /*replace_names=*/true);
  EXPECT_EQ(agent::power::ReadTrimmedFile(dir + "/hwmon0/name").value_or(""), "edgetpu");
  ASSERT_TRUE(tool.Write(0.25).ok());
  EXPECT_EQ(Microwatts(**source), std::vector<int64_t>{250000});
}

TEST(SimPowerTest, AValueFileOfAnotherSizeGetsTheRecordSize) {
  const std::string dir = FreshDir("sim-power-resize");
  agent::testing::WriteFile(dir + "/hwmon0/name", "ncs2\n");
  agent::testing::WriteFile(dir + "/hwmon0/power1_label", "board\n");
  agent::testing::WriteFile(dir + "/hwmon0/power1_input", "123456789012345678901234\n");
  PowerTree tree = OpenTree(dir, PowerLayout::kHwmon, "ncs2", 0.5);
  ASSERT_TRUE(tree.Write(1.5).ok());
  EXPECT_EQ(agent::testing::ReadFileOrEmpty(dir + "/hwmon0/power1_input"), "1500000        \n");
}

TEST(SimPowerTest, RejectsAnEmptyDirectoryOrChip) {
  EXPECT_EQ(PowerTree::Open({"", PowerLayout::kHwmon, "ncs2", 1}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PowerTree::Open({FreshDir("sim-power-nochip"), PowerLayout::kHwmon, "", 1}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Values of different lengths whose digits all differ, so a reader that saw
// part of one write and part of another, or a shorter value over a longer
// one's tail, reads a number outside the set.
TEST(SimPowerTest, ReadersNeverSeeAPartialValueWhileAWriterUpdates) {
  const std::string dir = FreshDir("sim-power-atomic");
  PowerTree tree = OpenTree(dir, PowerLayout::kHwmon, "ncs2", 1.0);
  const std::vector<double> written_w = {1.0, 98765.432109, 0.5, 23.456789};  // µW: 7, 11, 6, 8 digits
  const std::set<int64_t> expected_uw = {1000000, 98765432109, 500000, 23456789};
  const std::string value_path = tree.value_paths().front();
  auto source = HwmonSource::Create({dir, "ncs2", {}});
  ASSERT_TRUE(source.ok()) << source.status();

  std::atomic<bool> done{false};
  std::atomic<long> kept_reads{0}, fresh_reads{0};
  std::vector<std::string> bad;  // written by the reader threads, read after join
  std::vector<std::string> bad_fresh;
  std::thread kept_open([&] {  // the agent's way: one open file, pread at offset 0
    std::vector<RailValue> values;
    while (!done.load()) {
      const absl::Status polled = (*source)->Poll(0, values);
      const auto uw = static_cast<int64_t>(values.empty() ? -1 : std::llround(values[0].watts * 1e6));
      if (!polled.ok() || !expected_uw.contains(uw)) {
        bad.push_back(polled.ok() ? std::to_string(uw) : std::string(polled.message()));
      }
      ++kept_reads;
    }
  });
  std::thread reopening([&] {  // a reader that opens the file for every reading (cat)
    while (!done.load()) {
      const std::string text = agent::power::ReadTrimmedFile(value_path).value_or("<unreadable>");
      int64_t uw = -1;
      const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), uw);
      if (ec != std::errc() || ptr != text.data() + text.size() || !expected_uw.contains(uw)) {
        bad_fresh.push_back(text);
      }
      ++fresh_reads;
    }
  });
  // Both readers are running before the first write.
  while (kept_reads.load() == 0 || fresh_reads.load() == 0) std::this_thread::yield();
  absl::Status status;
  for (int i = 0; i < 10000 && status.ok(); ++i) status = tree.Write(written_w[static_cast<size_t>(i) % 4]);
  done = true;
  kept_open.join();
  reopening.join();
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_GT(kept_reads.load(), 0);
  EXPECT_GT(fresh_reads.load(), 0);
  EXPECT_TRUE(bad.empty()) << bad.size() << " partial values, first: " << bad.front();
  EXPECT_TRUE(bad_fresh.empty()) << bad_fresh.size() << " partial values, first: " << bad_fresh.front();
}

}  // namespace
}  // namespace benchd::sim
