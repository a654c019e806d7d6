#include "daemon/core/sweep_submission.h"

#include <gtest/gtest.h>

#include "common/proto_json.h"

namespace benchd::daemon {
namespace {

// PlanSweep hands the store its points' parameters as JSON text when the
// expander rendered them so (large matrices), else as a message.
benchd::v1::Parameters ParametersOf(const NewExperiment& experiment) {
  if (experiment.parameters_json.empty()) return experiment.parameters;
  auto parsed = common::ParametersFromJson(nlohmann::json::parse(experiment.parameters_json));
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : benchd::v1::Parameters{};
}

TEST(SweepSubmissionTest, PlansExperimentsWithRunSettings) {
  auto catalog = common::PlatformCatalog::Builtin();
  ASSERT_TRUE(catalog.ok());
  auto sweep = PlanSweep("name: s\nplatform: host-cpu\nmatrix: {precision: [FP32, INT8], batch: [1, 8]}\n"
                         "run: {warmup: 3, iterations: 30, timeout: 45s, retries: 4}\n",
                         "s.yaml", *catalog);
  ASSERT_TRUE(sweep.ok()) << sweep.status();
  EXPECT_EQ(sweep->sweep.name, "s");
  ASSERT_EQ(sweep->sweep.experiments.size(), 4u);
  const NewExperiment& last = sweep->sweep.experiments[3];
  EXPECT_EQ(last.ordinal, 3);
  EXPECT_EQ(last.platform, "host-cpu");
  EXPECT_EQ(last.settings.warmup(), 3);
  EXPECT_EQ(last.settings.iterations(), 30);
  EXPECT_EQ(last.settings.timeout_ms(), 45000);
  EXPECT_EQ(last.max_attempts, 5);
  EXPECT_EQ(ParametersOf(last).values().at("precision").string_value(), "INT8");
  EXPECT_EQ(last.config_key, "");
  auto tx2 = PlanSweep("name: s\nplatform: tx2\nmatrix: {power_mode: [maxq], precision: [FP16]}\n", "t.yaml", *catalog);
  ASSERT_TRUE(tx2.ok()) << tx2.status();
  EXPECT_EQ(tx2->sweep.experiments[0].config_key, "power_mode=maxq");
}

TEST(SweepSubmissionTest, ThePointCapIsConfigurable) {
  auto catalog = common::PlatformCatalog::Builtin();
  PlanOptions options;
  options.max_points = 3;
  auto planned = PlanSweep("name: s\nplatform: host-cpu\nmatrix: {batch: [1, 2], threads: [1, 2]}\n", "s.yaml",
                           *catalog, options);
  ASSERT_FALSE(planned.ok());
  EXPECT_NE(std::string(planned.status().message()).find("more than 3 points"), std::string::npos) << planned.status();
}

TEST(SweepSubmissionTest, UnknownPlatformIsInvalidArgument) {
  auto catalog = common::PlatformCatalog::Builtin();
  auto sweep = PlanSweep("name: s\nplatform: gpu9\n", "s.yaml", *catalog);
  EXPECT_EQ(sweep.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SweepSubmissionTest, ResubmissionLeavesOutMeasuredPointsAndRefusesAnEmptyOne) {
  auto catalog = common::PlatformCatalog::Builtin();
  const std::string yaml = "name: s\nplatform: host-cpu\nmatrix: {batch: [1, 8, 64]}\n";
  auto first = PlanSweep(yaml, "s.yaml", *catalog);
  ASSERT_TRUE(first.ok());
  PlanOptions options;
  options.resumed_from = 7;
  options.measured_point_keys = {first->sweep.experiments[0].point_key, first->sweep.experiments[2].point_key};
  auto resumed = PlanSweep(yaml, "s.yaml", *catalog, options);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->already_measured, 2);
  ASSERT_EQ(resumed->sweep.experiments.size(), 1u);
  EXPECT_EQ(ParametersOf(resumed->sweep.experiments[0]).values().at("batch").int_value(), 8);
  EXPECT_EQ(resumed->sweep.experiments[0].ordinal, 0);
  EXPECT_EQ(resumed->sweep.resumed_from, 7);
  options.measured_point_keys.insert(first->sweep.experiments[1].point_key);
  EXPECT_EQ(PlanSweep(yaml, "s.yaml", *catalog, options).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(SweepSubmissionTest, CarriesPriorityRequirementsPowerAndOverrides) {
  auto catalog = common::PlatformCatalog::Builtin();
  auto planned = PlanSweep(R"(name: s
matrix: {platform: [tx2, host-cpu]}
run: {iterations: 100, platforms: {tx2: {iterations: 500, min_duration: 3s}}}
power: {sample_hz: 250, idle: 2s, base: 1s}
requires: {lab: b1}
priority: 3
)",
                           "s.yaml", *catalog);
  ASSERT_TRUE(planned.ok()) << planned.status();
  EXPECT_EQ(planned->sweep.priority, 3);
  const NewExperiment& tx2 = planned->sweep.experiments[0];
  EXPECT_EQ(tx2.settings.iterations(), 500);
  EXPECT_EQ(tx2.settings.min_duration_ms(), 3000);
  EXPECT_EQ(tx2.settings.power().sample_hz(), 250);
  EXPECT_EQ(tx2.settings.power().idle_ms(), 2000);
  EXPECT_EQ(tx2.requires_labels.at("lab"), "b1");
  EXPECT_EQ(planned->sweep.experiments[1].settings.iterations(), 100);
  EXPECT_EQ(tx2.point_key.size(), 16u);
}

}  // namespace
}  // namespace benchd::daemon
