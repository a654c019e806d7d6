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
    auto expansion = ExpandFull(text, options);
    if (!expansion.ok()) return expansion.status();
    return std::move(expansion->points);
  }

  absl::StatusOr<Expansion> ExpandFull(const std::string& text, ExpandOptions options = {}) {
    auto spec = ParseSweep(text, "x.yaml");
    if (!spec.ok()) return spec.status();
    return ExpandSweep(*spec, catalog_, options);
  }

  static std::vector<std::string> Describe(const std::vector<SweepPoint>& points,
                                           std::initializer_list<const char*> names) {
    std::vector<std::string> out;
    for (const auto& point : points) {
      std::string text;
      for (const char* name : names) {
        const auto* value = FindParam(point.parameters, name);
        text += (text.empty() ? "" : "/") + (value ? ParamValueToString(*value) : std::string("-"));
      }
      out.push_back(text);
    }
    return out;
  }

  PlatformCatalog catalog_;
};

// ExpandOptions::json_parameters may take a faster path; it must give the
// same points, keys and errors as the reference path.
TEST_F(SweepExpanderTest, JsonParametersAgreeWithTheReferencePath) {
  const std::vector<std::string> sweeps = {
      "name: s\nplatform: host-cpu\nmatrix: {precision: [FP32, INT8], batch: [1, 8.0, 64], tag: ['a\"b', 'c\\\\d']}\n",
      "name: s\nmatrix: {platform: [tx2, host-cpu], precision: [FP32], power_mode: [maxn, maxq]}\n"
      "exclude: [{platform: host-cpu, power_mode: maxq}]\n",
      "name: s\nplatform: zcu104-finn\nmodel: {topology: cnv}\nmatrix: {precision: [INT2, INT4]}\n"
      "zip: [{pruning: [50, 100], batch: [1, ~]}]\n",
      "name: s\nplatform: host-cpu\nmatrix: {batch: [8, 8.0]}\n",
      "name: s\nplatform: host-cpu\nmatrix: {precision: [FP32, INT4]}\n",
      "name: s\nplatform: host-cpu\nmatrix: {batch: [1, 2]}\nexclude: [{batch: 1}, {batch: 2}]\n",
  };
  for (const std::string& text : sweeps) {
    SCOPED_TRACE(text);
    ExpandOptions json_options;
    json_options.json_parameters = true;
    auto reference = ExpandFull(text);
    auto json = ExpandFull(text, json_options);
    ASSERT_EQ(json.status(), reference.status());
    if (!reference.ok()) continue;
    ASSERT_EQ(json->points.size(), reference->points.size());
    for (size_t i = 0; i < reference->points.size(); ++i) {
      const SweepPoint& fast = json->points[i];
      const SweepPoint& slow = reference->points[i];
      EXPECT_EQ(fast.platform, slow.platform);
      EXPECT_EQ(fast.point_key, slow.point_key);
      EXPECT_EQ(fast.config_key, slow.config_key);
      const nlohmann::json actual = fast.parameters_json.empty() ? ParametersToJson(fast.parameters)
                                                                 : nlohmann::json::parse(fast.parameters_json);
      EXPECT_EQ(actual, ParametersToJson(slow.parameters)) << "point " << i;
    }
  }
}

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
            "x.yaml:1:1: platform: a point has no platform ({\"batch\":1}); set `platform:` or add a `platform` axis");
  EXPECT_EQ(std::string(Expand("name: s\nplatform: host-cpu\nmatrix: {batch: [1]}\nexclude: [{batch: 1}]\n").status().message()),
            "x.yaml: the sweep has no points left after exclude:, where:");
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

TEST_F(SweepExpanderTest, ZipVariesAxesTogetherAfterTheMatrix) {
  auto points = Expand(R"(name: s
platform: nucleo-f767zi
matrix: {cmsis_nn: [true, false]}
zip:
  - {model: [LeNet-MNIST, ResNet20-CIFAR-10], input: ["28x28x1", "32x32x3"]}
)");
  ASSERT_TRUE(points.ok()) << points.status();
  EXPECT_EQ(Describe(*points, {"cmsis_nn", "model", "input"}),
            (std::vector<std::string>{"true/LeNet-MNIST/28x28x1", "true/ResNet20-CIFAR-10/32x32x3",
                                      "false/LeNet-MNIST/28x28x1", "false/ResNet20-CIFAR-10/32x32x3"}));
}

TEST_F(SweepExpanderTest, NullInAZipLeavesTheParameterOut) {
  auto points = Expand(R"(name: s
zip:
  - {platform: [tx2, tx2, ncs2], power_mode: [maxn, maxq, null], precision: [FP16, FP16, FP16]}
)");
  ASSERT_TRUE(points.ok()) << points.status();
  EXPECT_EQ(Describe(*points, {"platform", "power_mode"}),
            (std::vector<std::string>{"tx2/maxn", "tx2/maxq", "ncs2/-"}));
  EXPECT_FALSE(Expand("name: s\nplatform: tx2\nmatrix: {power_mode: [maxn, null]}\n").ok());
}

TEST_F(SweepExpanderTest, ZippedAxesMustBeEquallyLong) {
  auto spec = ParseSweep("name: s\nplatform: host-cpu\nzip:\n  - {a: [1, 2], b: [1]}\n", "x.yaml");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(std::string(spec.status().message()),
            "x.yaml:4:20: zip[0].b: has 1 values but 'a' has 2; zipped axes must be equally long");
}

TEST_F(SweepExpanderTest, IncludeAddsKeysToMatchingPointsOrAddsPoints) {
  auto points = Expand(R"(name: s
matrix:
  platform: [tx2, edgetpu]
  precision: [FP16, INT8]
exclude: [{platform: tx2, precision: INT8}, {platform: edgetpu, precision: FP16}]
include:
  - {platform: tx2, power_mode: maxq}
  - {platform: edgetpu, precision: INT8, clock: fast}
  - {platform: edgetpu, precision: INT8, clock: slow, batch: 4}
)");
  ASSERT_TRUE(points.ok()) << points.status();
  // The third include cannot extend the edgetpu point (clock is already
  // fast there), so it is a point of its own... no: it extends it too, with
  // clock slow and batch 4 overwriting what the second added. Keys that are
  // not matrix axes are extras; extras are applied to every match.
  EXPECT_EQ(Describe(*points, {"platform", "precision", "power_mode", "clock", "batch"}),
            (std::vector<std::string>{"tx2/FP16/maxq/-/-", "edgetpu/INT8/-/slow/4"}));
}

TEST_F(SweepExpanderTest, IncludeWithoutMatchIsANewPoint) {
  auto points = Expand(R"(name: s
platform: host-cpu
matrix: {precision: [FP32]}
include:
  - {precision: INT8, batch: 64}
)");
  ASSERT_TRUE(points.ok()) << points.status();
  EXPECT_EQ(Describe(*points, {"platform", "precision", "batch"}),
            (std::vector<std::string>{"host-cpu/FP32/-", "host-cpu/INT8/64"}));
}

TEST_F(SweepExpanderTest, WhereKeepsOnlyPointsThatSatisfyEveryExpression) {
  auto points = Expand(R"(name: s
matrix:
  platform: [tx2, host-cpu]
  precision: [FP16, FP32, INT8]
  batch: [1, 64]
where:
  - "platform != 'tx2' or precision in ['FP16', 'FP32']"
  - "platform == 'tx2' or precision != 'FP16'"
  - not (batch > 8 and precision == 'INT8')
)");
  ASSERT_TRUE(points.ok()) << points.status();
  EXPECT_EQ(Describe(*points, {"platform", "precision", "batch"}),
            (std::vector<std::string>{"tx2/FP16/1", "tx2/FP16/64", "tx2/FP32/1", "tx2/FP32/64", "host-cpu/FP32/1",
                                      "host-cpu/FP32/64", "host-cpu/INT8/1"}));
}

TEST_F(SweepExpanderTest, WhereSyntaxErrorsPointIntoTheExpression) {
  auto spec = ParseSweep("name: s\nplatform: host-cpu\nwhere: \"batch >\"\n", "x.yaml");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(std::string(spec.status().message()), "x.yaml:3:8: where: column 8: unexpected end of expression");
  auto bad_type = Expand("name: s\nplatform: host-cpu\nmatrix: {precision: [FP32]}\nwhere: precision > 3\n");
  ASSERT_FALSE(bad_type.ok());
  EXPECT_NE(std::string(bad_type.status().message()).find("x.yaml:4:8: where: cannot order precision ('FP32') against 3"),
            std::string::npos)
      << bad_type.status();
}

TEST_F(SweepExpanderTest, PruneInvalidDropsAndListsPointsInsteadOfFailing) {
  const char* text = "name: s\nmatrix:\n  platform: [tx2, host-cpu]\n  precision: [FP16, INT8]\n";
  EXPECT_FALSE(Expand(text).ok());
  ExpandOptions options;
  options.prune_invalid = true;
  auto expansion = ExpandFull(text, options);
  ASSERT_TRUE(expansion.ok()) << expansion.status();
  EXPECT_EQ(Describe(expansion->points, {"platform", "precision"}),
            (std::vector<std::string>{"tx2/FP16", "host-cpu/INT8"}));
  ASSERT_EQ(expansion->dropped.size(), 2u);
  EXPECT_EQ(expansion->dropped[0].reason,
            "x.yaml:4:21: matrix.precision[1]: platform 'tx2' does not accept precision INT8 (accepted: FP16, "
            "FP32); exclude the combination or remove the value");
}

TEST_F(SweepExpanderTest, PointKeysAreStableAcrossEditsAndOrder) {
  auto first = Expand("name: s\nplatform: host-cpu\nmatrix: {precision: [FP32, INT8], batch: [1, 8]}\n");
  auto edited = Expand("name: renamed\nmatrix: {batch: [8, 64], precision: [INT8]}\nplatform: host-cpu\n");
  ASSERT_TRUE(first.ok() && edited.ok());
  // INT8/8 is in both files.
  EXPECT_EQ((*first)[3].point_key, (*edited)[0].point_key);
  EXPECT_NE((*first)[0].point_key, (*first)[1].point_key);
  EXPECT_EQ((*first)[0].point_key.size(), 16u);
}

TEST_F(SweepExpanderTest, DuplicatePointsFromIncludesAreErrors) {
  auto points = Expand("name: s\nplatform: host-cpu\nmatrix: {precision: [FP32]}\ninclude: [{precision: FP32}]\n");
  ASSERT_FALSE(points.ok());
  EXPECT_NE(std::string(points.status().message()).find("duplicate point"), std::string::npos);
}

TEST_F(SweepExpanderTest, ConfigKeysComeFromThePlatformCatalog) {
  auto points = Expand("name: s\nplatform: tx2\nmatrix: {power_mode: [maxn, maxq], precision: [FP16]}\n");
  ASSERT_TRUE(points.ok());
  EXPECT_EQ((*points)[0].config_key, "power_mode=maxn");
  EXPECT_EQ((*points)[1].config_key, "power_mode=maxq");
}

TEST_F(SweepExpanderTest, RunOverridesApplyPerPlatformAndMustNameKnownPlatforms) {
  auto spec = ParseSweep(R"(name: s
matrix: {platform: [tx2, nucleo-l496zg]}
run:
  iterations: 1000
  timeout: 5m
  platforms:
    nucleo-l496zg: {iterations: 50, min_duration: 2s}
power: {sample_hz: 500, idle: 3s, base: 1s}
requires: {lab: b1}
priority: 5
)",
                         "x.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->RunFor("tx2").iterations, 1000);
  EXPECT_EQ(spec->RunFor("nucleo-l496zg").iterations, 50);
  EXPECT_EQ(spec->RunFor("nucleo-l496zg").min_duration, std::chrono::seconds(2));
  EXPECT_EQ(spec->RunFor("nucleo-l496zg").timeout, std::chrono::minutes(5));
  EXPECT_EQ(spec->power.sample_hz, 500);
  EXPECT_EQ(spec->power.idle, std::chrono::seconds(3));
  EXPECT_EQ(spec->requires_labels.at("lab"), "b1");
  EXPECT_EQ(spec->priority, 5);

  auto unknown = Expand("name: s\nplatform: tx2\nrun: {platforms: {tx3: {iterations: 1}}}\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(std::string(unknown.status().message()), "x.yaml:3:19: run.platforms.tx3: unknown platform 'tx3'");
}

}  // namespace
}  // namespace benchd::common
