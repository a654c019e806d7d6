#include "common/sweep/sweep_expander.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/proto_json.h"
#include "common/sweep/sweep_parser.h"

namespace benchd::common {
namespace {

class SweepExpanderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto catalog = PlatformCatalog::Builtin();
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = *catalog;
  }

  absl::StatusOr<std::vector<SweepPoint>> Expand(const std::string& text, ExpandOptions options = {}) {
    auto spec = ParseSweep(text, "x.yaml");
    if (!spec.ok()) return spec.status();
    return ExpandSweep(*spec, catalog_, options);
  }

  PlatformCatalog catalog_;
};

TEST_F(SweepExpanderTest, CartesianProductInFileOrderLastAxisFastest) {
  auto points = Expand("name: s\nplatform: host-cpu\nmatrix: {precision: [FP32, INT8], batch: [1, 8, 64]}\n");
  ASSERT_TRUE(points.ok()) << points.status();
  ASSERT_EQ(points->size(), 6u);
  std::vector<std::string> order;
  for (const auto& point : *points) {
    order.push_back(ParamValueToString(point.parameters.values().at("precision")) + "/" +
                    ParamValueToString(point.parameters.values().at("batch")));
    EXPECT_EQ(point.platform, "host-cpu");
  }
  EXPECT_EQ(order, (std::vector<std::string>{"FP32/1", "FP32/8", "FP32/64", "INT8/1", "INT8/8", "INT8/64"}));
}

TEST_F(SweepExpanderTest, ExcludeRemovesPartialMatches) {
  auto points = Expand(
      "name: s\nplatform: host-cpu\nmatrix: {precision: [FP32, INT8], pruning: [100, 12.5], batch: [1, 8]}\n"
      "exclude: [{precision: INT8, batch: 1}, {pruning: 12.5, batch: 8, precision: FP32}]\n");
  ASSERT_TRUE(points.ok()) << points.status();
  // 8 points, minus 2 (INT8 & batch 1), minus 1 (FP32, 12.5, 8).
  EXPECT_EQ(points->size(), 5u);
  for (const auto& point : *points) {
    const auto& v = point.parameters.values();
    EXPECT_FALSE(v.at("precision").string_value() == "INT8" && v.at("batch").int_value() == 1);
  }
}

TEST_F(SweepExpanderTest, ExcludeMatchesIntegersAgainstNumbers) {
  auto points = Expand("name: s\nplatform: host-cpu\nmatrix: {pruning: [100, 50]}\nexclude: [{pruning: 100.0}]\n");
  ASSERT_TRUE(points.ok());
  EXPECT_EQ(points->size(), 1u);
}

TEST_F(SweepExpanderTest, UnknownPlatformNamesTheValue) {
  auto points = Expand("name: s\nmatrix:\n  platform: [host-cpu, tx3]\n");
  ASSERT_FALSE(points.ok());
  EXPECT_TRUE(std::string(points.status().message()).starts_with(
      "x.yaml:3:24: matrix.platform[1]: unknown platform 'tx3' (known: "))
      << points.status();
}

TEST_F(SweepExpanderTest, ValueOutsidePlatformDomainIsAnError) {
  auto points = Expand("name: s\nplatform: host-cpu\nmatrix:\n  precision: [FP32, INT4]\n");
  ASSERT_FALSE(points.ok());
  EXPECT_EQ(std::string(points.status().message()),
            "x.yaml:4:21: matrix.precision[1]: platform 'host-cpu' does not accept precision INT4 "
            "(accepted: FP32, INT8); exclude the combination or remove the value");
}

TEST_F(SweepExpanderTest, MissingPlatformAndEmptyResultAreErrors) {
  EXPECT_EQ(std::string(Expand("name: s\nmatrix: {batch: [1]}\n").status().message()),
            "x.yaml:1:1: platform: missing; set `platform:` or add a `platform` matrix axis");
  EXPECT_EQ(std::string(Expand("name: s\nplatform: host-cpu\nmatrix: {batch: [1]}\nexclude: [{batch: 1}]\n").status().message()),
            "x.yaml: the sweep has no points left after `exclude:`");
}

TEST_F(SweepExpanderTest, HugeProductIsRefusedBeforeExpansion) {
  std::string values = "[";
  for (int i = 0; i < 1000; ++i) values += (i ? "," : "") + std::to_string(i);
  values += "]";
  ExpandOptions options;
  options.max_points = 1'000'000;
  auto points =
      Expand("name: s\nplatform: host-cpu\nmatrix:\n  a: " + values + "\n  b: " + values + "\n  c: [1, 2]\n", options);
  ASSERT_FALSE(points.ok());
  EXPECT_NE(points.status().message().find("more than 1000000 points"), std::string::npos) << points.status();
}

TEST_F(SweepExpanderTest, QuickstartSweepHas24Points) {
  std::ifstream in(std::string(BENCHD_SOURCE_DIR) + "/configs/sweeps/quickstart.yaml");
  std::stringstream text;
  text << in.rdbuf();
  auto points = Expand(text.str());
  ASSERT_TRUE(points.ok()) << points.status();
  EXPECT_EQ(points->size(), 2u * 4u * 3u);
}

}  // namespace
}  // namespace benchd::common
