#include "common/sweep/sweep_parser.h"

#include <gtest/gtest.h>

namespace benchd::common {
namespace {

TEST(SweepParserTest, ParsesAFullSweep) {
  auto spec = ParseSweep(R"(name: s
platform: host-cpu
model: {topology: MLP, dataset: mnist}
matrix:
  precision: [FP32, INT8]
  batch: [1, 8]
exclude: [{precision: INT8, batch: 1}]
run: {warmup: 5, iterations: 50, repeats: 2, timeout: 30s, retries: 1}
)",
                         "s.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name, "s");
  ASSERT_EQ(spec->fixed.size(), 3u);
  EXPECT_EQ(spec->fixed[0].name, "platform");
  EXPECT_EQ(spec->fixed[1].name, "topology");
  ASSERT_EQ(spec->matrix.size(), 2u);
  EXPECT_EQ(spec->matrix[1].name, "batch");
  EXPECT_EQ(spec->matrix[1].values[1].value.int_value(), 8);
  EXPECT_EQ(spec->matrix[1].values[1].where.line, 6);
  ASSERT_EQ(spec->exclude.size(), 1u);
  EXPECT_EQ(spec->run.warmup, 5);
  EXPECT_EQ(spec->run.iterations, 50);
  EXPECT_EQ(spec->run.repeats, 2);
  EXPECT_EQ(spec->run.timeout, std::chrono::seconds(30));
  EXPECT_EQ(spec->run.retries, 1);
}

struct BadSweep {
  const char* text;
  const char* message;
};

// Names the case in test listings by the key path its error names.
void PrintTo(const BadSweep& bad, std::ostream* os) {
  const std::string message = bad.message;
  const size_t start = message.find(": ") + 2;
  *os << message.substr(start, message.find(':', start) - start);
}

class SweepParserErrorTest : public ::testing::TestWithParam<BadSweep> {};

TEST_P(SweepParserErrorTest, NamesFileLineColumnAndKeyPath) {
  auto spec = ParseSweep(GetParam().text, "bad.yaml");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(spec.status().message()), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Errors, SweepParserErrorTest,
    ::testing::Values(
        BadSweep{"name: s\nmatrix:\n  batch: [1, 2\n", "bad.yaml:4:1: invalid YAML: end of sequence flow not found"},
        BadSweep{"name: s\nmatrx: {}\n",
                 "bad.yaml:2:1: matrx: unknown key 'matrx' (expected one of: name, description, platform, model, "
                 "matrix, zip, exclude, include, where, run, power, requires, priority)"},
        BadSweep{"name: s\nrun: {iterations: lots}\n",
                 "bad.yaml:2:19: run.iterations: expected an integer, got 'lots'"},
        BadSweep{"name: s\nrun: {timeout: 10}\n",
                 "bad.yaml:2:16: run.timeout: invalid duration '10' (expected e.g. 500ms, 5s, 10m, 1h30m)"},
        BadSweep{"name: s\nmatrix:\n  batch: []\n",
                 "bad.yaml:3:10: matrix.batch: empty list: an axis needs at least one value"},
        BadSweep{"name: s\nmatrix:\n  batch: 8\n",
                 "bad.yaml:3:10: matrix.batch: expected a list of values, e.g. [1, 8, 64]"},
        BadSweep{"name: s\nmatrix:\n  batch: [1, 8, 1]\n", "bad.yaml:3:17: matrix.batch[2]: duplicate value '1'"},
        BadSweep{"name: s\nplatform: host-cpu\nmatrix:\n  platform: [tx2]\n",
                 "bad.yaml:4:3: matrix.platform: parameter 'platform' is set twice"},
        BadSweep{"name: s\nmatrix: {batch: [1]}\nexclude: [{bacth: 1}]\n",
                 "bad.yaml:3:12: exclude[0].bacth: unknown parameter 'bacth': not a matrix axis or fixed parameter"},
        BadSweep{"matrix: {batch: [1]}\n", "bad.yaml:1:1: name: missing; every sweep needs a name"},
        BadSweep{"- a\n- b\n", "bad.yaml:1:1: a sweep file must be a map (name:, matrix:, ...)"},
        BadSweep{"name: s\nrun: {ci_target: 0%}\n",
                 "bad.yaml:2:18: run.ci_target: '0%' is out of range: between 0% (exclusive) and 50%"},
        BadSweep{"name: s\nrun: {ci_target: tight}\n",
                 "bad.yaml:2:18: run.ci_target: expected a percentage such as 1% or a fraction such as 0.01, got "
                 "'tight'"},
        BadSweep{"name: s\nrun: {max_repeats: 1}\n",
                 "bad.yaml:2:20: run.max_repeats: 1 is out of range [2, 1000]"},
        BadSweep{"name: s\nmodel: {topology: MLP, layers: 3}\n",
                 "bad.yaml:2:24: model.layers: unknown key 'layers' (expected one of: topology, dataset)"}));

TEST(SweepParserTest, ReadsAdaptiveRepeatsAsAFraction) {
  auto percent = ParseSweep("name: s\nrun: {ci_target: 1%, max_repeats: 30}\n", "a.yaml");
  ASSERT_TRUE(percent.ok()) << percent.status();
  EXPECT_DOUBLE_EQ(percent->run.ci_target, 0.01);
  EXPECT_EQ(percent->run.max_repeats, 30);
  auto fraction = ParseSweep("name: s\nrun: {platforms: {tx2: {ci_target: 0.025}}}\n", "a.yaml");
  ASSERT_TRUE(fraction.ok()) << fraction.status();
  EXPECT_DOUBLE_EQ(fraction->RunFor("tx2").ci_target, 0.025);
  EXPECT_DOUBLE_EQ(fraction->RunFor("ncs2").ci_target, 0);
}

TEST(SweepParserTest, RefusesOversizedFiles) {
  std::string huge = "name: s\ndescription: \"" + std::string(kMaxSweepFileBytes, 'x') + "\"\n";
  auto spec = ParseSweep(huge, "huge.yaml");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("more than the limit"), std::string::npos);
}

}  // namespace
}  // namespace benchd::common
