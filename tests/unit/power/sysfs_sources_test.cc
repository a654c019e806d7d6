// Rail discovery by name files in fake sysfs trees, unit conversion and the
// RAPL counter's wrap-around.

#include <gtest/gtest.h>

#include <vector>

#include "agents/power/hwmon_source.h"
#include "agents/power/ina3221_source.h"
#include "agents/power/rapl_source.h"
#include "tests/unit/drivers_fpga/temp_tree.h"

namespace benchd::agent::power {
namespace {

using agent::testing::FreshDir;
using agent::testing::WriteFile;

std::vector<RailValue> PollAll(PolledSource& source, int64_t t_ns) {
  std::vector<RailValue> values;
  EXPECT_TRUE(source.Poll(t_ns, values).ok());
  return values;
}

TEST(HwmonSourceTest, ReadsPowerInputsInMicrowattsNamedByLabels) {
  const std::string dir = FreshDir("hwmon-power");
  WriteFile(dir + "/hwmon3/name", "acpi_power\n");
  WriteFile(dir + "/hwmon3/power1_input", "12500000\n");
  WriteFile(dir + "/hwmon3/power1_label", "board\n");
  WriteFile(dir + "/hwmon3/power2_input", "750000\n");  // no label: "<chip>/power2"
  WriteFile(dir + "/hwmon0/name", "coretemp\n");
  WriteFile(dir + "/hwmon0/temp1_input", "45000\n");

  auto source = HwmonSource::Create({dir, "", {}});
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->rails(), (std::vector<std::string>{"board", "acpi_power/power2"}));
  const std::vector<RailValue> values = PollAll(**source, 0);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_DOUBLE_EQ(values[0].watts, 12.5);
  EXPECT_DOUBLE_EQ(values[1].watts, 0.75);
  EXPECT_TRUE(std::isnan(values[0].energy_j));
}

TEST(HwmonSourceTest, MultipliesMillivoltsByMilliampsWhenThereIsNoPowerFile) {
  // The mainline ina3221 hwmon driver: bus voltage and current per channel.
  const std::string dir = FreshDir("hwmon-vi");
  WriteFile(dir + "/hwmon1/name", "ina3221\n");
  WriteFile(dir + "/hwmon1/in1_label", "VDD_IN\n");
  WriteFile(dir + "/hwmon1/in1_input", "5000\n");
  WriteFile(dir + "/hwmon1/curr1_input", "1200\n");
  WriteFile(dir + "/hwmon1/in2_label", "VDD_GPU\n");
  WriteFile(dir + "/hwmon1/in2_input", "19000\n");
  WriteFile(dir + "/hwmon1/curr2_input", "250\n");
  WriteFile(dir + "/hwmon1/in4_input", "12\n");  // a shunt voltage: no current, not a rail

  auto source = HwmonSource::Create({dir, "ina3221", {"VDD_GPU", "VDD_IN"}});
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->rails(), (std::vector<std::string>{"VDD_GPU", "VDD_IN"}));
  const std::vector<RailValue> values = PollAll(**source, 0);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_DOUBLE_EQ(values[0].watts, 4.75);
  EXPECT_DOUBLE_EQ(values[1].watts, 6.0);
}

TEST(HwmonSourceTest, RereadsKeptOpenFilesAndReportsAMissingRail) {
  const std::string dir = FreshDir("hwmon-reread");
  WriteFile(dir + "/hwmon0/name", "ina226\n");
  WriteFile(dir + "/hwmon0/power1_input", "1000000\n");
  WriteFile(dir + "/hwmon0/power1_label", "VCCINT\n");
  auto source = HwmonSource::Create({dir, "", {"VCCINT"}});
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_DOUBLE_EQ(PollAll(**source, 0)[0].watts, 1.0);
  WriteFile(dir + "/hwmon0/power1_input", "2500000\n");
  EXPECT_DOUBLE_EQ(PollAll(**source, 1)[0].watts, 2.5);

  auto missing = HwmonSource::Create({dir, "", {"VCCAUX"}});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("found: VCCINT"), std::string::npos) << missing.status();
  EXPECT_EQ(HwmonSource::Create({dir, "other-chip", {}}).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(HwmonSourceTest, GarbageInAValueFileIsAReadErrorForThatRailOnly) {
  const std::string dir = FreshDir("hwmon-garbage");
  WriteFile(dir + "/hwmon0/name", "x\n");
  WriteFile(dir + "/hwmon0/power1_input", "1000000\n");
  WriteFile(dir + "/hwmon0/power2_input", "1000000\n");
  auto source = HwmonSource::Create({dir, "", {}});
  ASSERT_TRUE(source.ok()) << source.status();
  WriteFile(dir + "/hwmon0/power1_input", "n/a\n");
  std::vector<RailValue> values;
  EXPECT_EQ((*source)->Poll(0, values).code(), absl::StatusCode::kDataLoss);
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(values[0].rail, 1u);
}

// The TX2 layout with the indices shuffled: discovery must go by
// rail_name_N, never by the device or channel numbers of a real TX2.
void WriteDecoyIna3221Tree(const std::string& dir) {
  const std::string a = dir + "/0-0041/iio:device3";
  WriteFile(a + "/rail_name_0", "VDD_SYS_DDR\n");
  WriteFile(a + "/in_power0_input", "1602\n");
  WriteFile(a + "/rail_name_2", "VDD_IN\n");
  WriteFile(a + "/in_power2_input", "12342\n");
  WriteFile(a + "/in_power1_input", "99999\n");  // a channel without a name: ignored
  WriteFile(a + "/in_current2_input", "2468\n");
  const std::string b = dir + "/0-0040/iio_device";  // the older L4T directory name
  WriteFile(b + "/rail_name_1", "VDD_SYS_GPU\n");
  WriteFile(b + "/in_power1_input", "6112\n");
  WriteFile(b + "/rail_name_0", "VDD_4V0_WIFI\n");
  WriteFile(b + "/in_power0_input", "19\n");
}

TEST(Ina3221SourceTest, FindsRailsByTheirNameFilesAndReadsMilliwatts) {
  const std::string dir = FreshDir("ina3221");
  WriteDecoyIna3221Tree(dir);
  auto source = Ina3221Source::Create({dir, {"VDD_IN", "VDD_SYS_GPU"}});
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->rails(), (std::vector<std::string>{"VDD_IN", "VDD_SYS_GPU"}));
  const std::vector<RailValue> values = PollAll(**source, 0);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_DOUBLE_EQ(values[0].watts, 12.342);
  EXPECT_DOUBLE_EQ(values[1].watts, 6.112);
}

TEST(Ina3221SourceTest, AllRailsWhenNoneAreListed) {
  const std::string dir = FreshDir("ina3221-all");
  WriteDecoyIna3221Tree(dir);
  auto source = Ina3221Source::Create({dir, {}});
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->rails(),
            (std::vector<std::string>{"VDD_4V0_WIFI", "VDD_SYS_GPU", "VDD_SYS_DDR", "VDD_IN"}));
  EXPECT_EQ(Ina3221Source::Create({dir, {"POM_5V_IN"}}).status().code(), absl::StatusCode::kNotFound);
}

TEST(RaplCounterTest, DeltaUndoesOneWrapAround) {
  EXPECT_EQ(CounterDelta(100, 350, 1000), 250);
  EXPECT_EQ(CounterDelta(900, 100, 1000), 200);
  EXPECT_EQ(CounterDelta(262143328800, 50, 262143328850), 100);
  EXPECT_EQ(CounterDelta(7, 7, 1000), 0);
}

void WriteRaplZone(const std::string& dir, const std::string& zone, const std::string& name, int64_t energy_uj,
                   int64_t max_uj) {
  WriteFile(dir + "/" + zone + "/name", name + "\n");
  WriteFile(dir + "/" + zone + "/energy_uj", std::to_string(energy_uj) + "\n");
  WriteFile(dir + "/" + zone + "/max_energy_range_uj", std::to_string(max_uj) + "\n");
}

TEST(RaplSourceTest, NamesZonesByNameFilesAndComputesPowerAcrossAWrap) {
  const std::string dir = FreshDir("rapl");
  const int64_t max = 262143328850;
  WriteRaplZone(dir, "intel-rapl:1", "package-0", max - 1'000'000, max);  // numbered 1, named package-0
  WriteRaplZone(dir, "intel-rapl:1:0", "core", 5'000'000, max);
  WriteRaplZone(dir, "intel-rapl:0", "psys", 0, max);
  WriteFile(dir + "/intel-rapl/enabled", "1\n");  // the control type directory: not a zone

  auto source = RaplSource::Create({dir, {"package-0", "package-0/core"}});
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->rails(), (std::vector<std::string>{"package-0", "package-0/core"}));
  EXPECT_TRUE(PollAll(**source, 1'000'000'000).empty());  // the first poll sets the baseline

  // 0.5 s later: the package counter wrapped after 1 J and went on 3 J more.
  WriteFile(dir + "/intel-rapl:1/energy_uj", "3000000\n");
  WriteFile(dir + "/intel-rapl:1:0/energy_uj", "7500000\n");
  std::vector<RailValue> values = PollAll(**source, 1'500'000'000);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_DOUBLE_EQ(values[0].watts, 8.0);
  EXPECT_DOUBLE_EQ(values[0].energy_j, 4.0);
  EXPECT_DOUBLE_EQ(values[1].watts, 5.0);
  EXPECT_DOUBLE_EQ(values[1].energy_j, 2.5);

  WriteFile(dir + "/intel-rapl:1/energy_uj", "5000000\n");
  values = PollAll(**source, 2'000'000'000);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_DOUBLE_EQ(values[0].watts, 4.0);
  EXPECT_DOUBLE_EQ(values[0].energy_j, 6.0);
  EXPECT_DOUBLE_EQ(values[1].watts, 0.0);
}

TEST(RaplSourceTest, AnUnreadableCounterFailsAtCreation) {
  const std::string dir = FreshDir("rapl-unreadable");
  WriteRaplZone(dir, "intel-rapl:0", "package-0", 1, 1000);
  WriteFile(dir + "/intel-rapl:0/energy_uj", "");
  EXPECT_EQ(RaplSource::Create({dir, {}}).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace benchd::agent::power
