#include "agents/power/line_parsers.h"

#include <gtest/gtest.h>

namespace benchd::agent::power {
namespace {

std::vector<LineReading> Parsed(absl::StatusOr<std::vector<LineReading>> readings) {
  EXPECT_TRUE(readings.ok()) << readings.status();
  return readings.ok() ? *readings : std::vector<LineReading>{};
}

void ExpectRail(const LineReading& reading, const std::string& rail, double watts) {
  EXPECT_EQ(reading.rail, rail);
  EXPECT_DOUBLE_EQ(reading.watts, watts);
}

TEST(TegrastatsParserTest, Tx2RootLine) {
  const auto readings = Parsed(ParseTegrastatsLine(
      "RAM 2931/7851MB (lfb 902x4MB) SWAP 0/3925MB (cached 0MB) CPU [38%@2035,15%@2035,12%@2035,41%@2035,"
      "36%@2035,40%@2035] EMC_FREQ 27%@1866 GR3D_FREQ 99%@1300 PLL@47C MCPU@47C PMIC@100C Tboard@42C GPU@45.5C "
      "BCPU@47C thermal@46.3C Tdiode@44.5C VDD_SYS_GPU 6112/5984 VDD_SYS_SOC 1145/1140 VDD_4V0_WIFI 19/19 "
      "VDD_IN 12342/12190 VDD_SYS_CPU 1832/1795 VDD_SYS_DDR 1602/1588"));
  ASSERT_EQ(readings.size(), 6u);
  ExpectRail(readings[0], "VDD_SYS_GPU", 6.112);
  ExpectRail(readings[3], "VDD_IN", 12.342);
  ExpectRail(readings[5], "VDD_SYS_DDR", 1.602);
}

TEST(TegrastatsParserTest, NonRootMaxqAndNanoAndXavierNames) {
  auto readings = Parsed(ParseTegrastatsLine(
      "RAM 1500/7851MB (lfb 1200x4MB) CPU [12%@1190,off,off,8%@1190,10%@1190,9%@1190] EMC_FREQ 0% "
      "GR3D_FREQ 0% VDD_IN 3141/3141 VDD_SYS_GPU 0/0"));
  ASSERT_EQ(readings.size(), 2u);
  ExpectRail(readings[0], "VDD_IN", 3.141);
  ExpectRail(readings[1], "VDD_SYS_GPU", 0.0);
  readings = Parsed(ParseTegrastatsLine("RAM 1/3964MB CPU [1%@102] POM_5V_IN 2140/2140 POM_5V_GPU 0/0"));
  ASSERT_EQ(readings.size(), 2u);
  ExpectRail(readings[0], "POM_5V_IN", 2.14);
  readings = Parsed(ParseTegrastatsLine("RAM 1/15G GPU 0/0 CPU 311/311 SOC 1087/1087 CV 0/0 VDDRQ 155/155 SYS5V 1776/1776"));
  ASSERT_EQ(readings.size(), 6u);
  ExpectRail(readings[1], "CPU", 0.311);
}

TEST(TegrastatsParserTest, NewerMilliwattSuffixWithDateStamp) {
  const auto readings = Parsed(ParseTegrastatsLine(
      "08-29-2023 10:14:01 RAM 2545/30536MB (lfb 6522x4MB) CPU [0%@729,0%@729] GR3D_FREQ 0% cpu@41.5C "
      "VDD_GPU_SOC 2345mW/2345mW VDD_CPU_CV 397mW/397mW VIN_SYS_5V0 2322mW/2322mW"));
  ASSERT_EQ(readings.size(), 3u);
  ExpectRail(readings[0], "VDD_GPU_SOC", 2.345);
  ExpectRail(readings[2], "VIN_SYS_5V0", 2.322);
}

TEST(TegrastatsParserTest, TruncatedAndGarbageLines) {
  // Cut inside the last pair before its "/": that rail is skipped, the rest kept.
  auto readings = Parsed(ParseTegrastatsLine("VDD_IN 12342/12190 VDD_SYS_CPU 18"));
  ASSERT_EQ(readings.size(), 1u);
  ExpectRail(readings[0], "VDD_IN", 12.342);
  EXPECT_EQ(ParseTegrastatsLine("VDD_IN 12342/").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseTegrastatsLine("").ok());
  EXPECT_FALSE(ParseTegrastatsLine("RAM 2931/7851MB SWAP 0/3925MB").ok());
  EXPECT_FALSE(ParseTegrastatsLine("\x01\x02 garbage VDD_IN -5/3 vdd_in 1/1").ok());
  EXPECT_FALSE(ParseTegrastatsLine("VDD_IN 12mA/12mA").ok());
}

TEST(NvidiaSmiParserTest, PowerOnlyAndIndexedLines) {
  auto readings = Parsed(ParseNvidiaSmiCsvLine("287.45"));
  ASSERT_EQ(readings.size(), 1u);
  ExpectRail(readings[0], "gpu", 287.45);
  readings = Parsed(ParseNvidiaSmiCsvLine("1, 291.02\r"));
  ASSERT_EQ(readings.size(), 1u);
  ExpectRail(readings[0], "gpu1", 291.02);
  readings = Parsed(ParseNvidiaSmiCsvLine("0, 75.10 W"));
  ExpectRail(readings[0], "gpu0", 75.1);
}

TEST(NvidiaSmiParserTest, HeadersUnsupportedAndTruncatedLines) {
  EXPECT_FALSE(ParseNvidiaSmiCsvLine("power.draw [W]").ok());
  EXPECT_FALSE(ParseNvidiaSmiCsvLine("index, power.draw [W]").ok());
  EXPECT_FALSE(ParseNvidiaSmiCsvLine("[N/A]").ok());
  EXPECT_FALSE(ParseNvidiaSmiCsvLine("0, [Not Supported]").ok());
  EXPECT_FALSE(ParseNvidiaSmiCsvLine("0, ").ok());
  EXPECT_FALSE(ParseNvidiaSmiCsvLine("").ok());
  EXPECT_FALSE(ParseNvidiaSmiCsvLine("2024/03/14 10:21:07.512, 0, 291.02, 400.00").ok());
  EXPECT_FALSE(ParseNvidiaSmiCsvLine("-3.5").ok());
  EXPECT_FALSE(ParseNvidiaSmiCsvLine("nan").ok());
}

TEST(MeterCsvParserTest, VoltsTimesAmps) {
  auto readings = Parsed(ParseMeterCsvLine("1234,5.000,0.250"));
  ASSERT_EQ(readings.size(), 1u);
  ExpectRail(readings[0], "meter", 1.25);
  EXPECT_FALSE(ParseMeterCsvLine("1234,5.000").ok());
  EXPECT_FALSE(ParseMeterCsvLine("t_ms,volts,amps").ok());
  EXPECT_FALSE(ParseMeterCsvLine("1234,5.0,0.2,9").ok());
}

TEST(LineParserTableTest, FindsByNameAndListsTheKnownOnes) {
  auto parser = FindLineParser("tegrastats");
  ASSERT_TRUE(parser.ok());
  EXPECT_TRUE((*parser)("VDD_IN 1/1").ok());
  auto unknown = FindLineParser("powertop");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("nvidia-smi-csv"), std::string::npos);
}

}  // namespace
}  // namespace benchd::agent::power
