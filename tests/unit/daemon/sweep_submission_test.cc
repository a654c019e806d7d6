#include "daemon/core/sweep_submission.h"

#include <gtest/gtest.h>

namespace benchd::daemon {
namespace {

TEST(SweepSubmissionTest, PlansExperimentsWithRunSettings) {
  auto catalog = common::PlatformCatalog::Builtin();
  ASSERT_TRUE(catalog.ok());
  auto sweep = PlanSweep("name: s\nplatform: host-cpu\nmatrix: {precision: [FP32, INT8], batch: [1, 8]}\n"
                         "run: {warmup: 3, iterations: 30, timeout: 45s, retries: 4}\n",
                         "s.yaml", *catalog);
  ASSERT_TRUE(sweep.ok()) << sweep.status();
  EXPECT_EQ(sweep->name, "s");
  ASSERT_EQ(sweep->experiments.size(), 4u);
  const NewExperiment& last = sweep->experiments[3];
  EXPECT_EQ(last.ordinal, 3);
  EXPECT_EQ(last.platform, "host-cpu");
  EXPECT_EQ(last.settings.warmup(), 3);
  EXPECT_EQ(last.settings.iterations(), 30);
  EXPECT_EQ(last.settings.timeout_ms(), 45000);
  EXPECT_EQ(last.max_attempts, 5);
  EXPECT_EQ(last.parameters.values().at("precision").string_value(), "INT8");
  EXPECT_EQ(last.config_key, "");
  auto tx2 = PlanSweep("name: s\nplatform: tx2\nmatrix: {power_mode: [maxq], precision: [FP16]}\n", "t.yaml", *catalog);
  ASSERT_TRUE(tx2.ok()) << tx2.status();
  EXPECT_EQ(tx2->experiments[0].config_key, "power_mode=maxq");
}

TEST(SweepSubmissionTest, UnknownPlatformIsInvalidArgument) {
  auto catalog = common::PlatformCatalog::Builtin();
  auto sweep = PlanSweep("name: s\nplatform: gpu9\n", "s.yaml", *catalog);
  EXPECT_EQ(sweep.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace benchd::daemon
