// What the sweep language adds to the store: point keys for resubmission,
// re-running failed experiments, priority, and the settings an experiment
// carries to its agent.

#include "tests/integration/store/store_fixture.h"

namespace benchd::daemon {
namespace {

using namespace std::chrono_literals;

TEST_F(PgStoreTest, SucceededPointKeysAndRequeueOfFailedExperiments) {
  auto sweep_id = store_->CreateSweep(HostCpuSweep("s", 3));
  ASSERT_TRUE(sweep_id.ok()) << sweep_id.status();
  ASSERT_TRUE(store_->RegisterAgent(MakeHello("a", {"cpu0"})).ok());

  const Claim first = MustClaim("a", "cpu0");
  Ingest("a", SucceededReport(first.run_id, 1));
  const Claim second = MustClaim("a", "cpu0");
  Ingest("a", FailedReport(second.run_id, 1, benchd::v1::FAILURE_KIND_INFRASTRUCTURE, "tool crashed"));

  auto keys = store_->SucceededPointKeys(*sweep_id);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(*keys, std::vector<std::string>{"key-0"});
  EXPECT_EQ(Value("SELECT state FROM experiments WHERE point_key = 'key-1'"), "failed");

  auto requeued = store_->RequeueFailed(*sweep_id);
  ASSERT_TRUE(requeued.ok()) << requeued.status();
  EXPECT_EQ(*requeued, 1);
  EXPECT_EQ(Value("SELECT state || '/' || attempts || '/' || max_attempts || '/' || error FROM experiments "
                  "WHERE point_key = 'key-1'"),
            "pending/1/2/");
  // The requeued experiment is claimable again; attempt numbers go on.
  const Claim again = MustClaim("a", "cpu0");
  EXPECT_EQ(again.experiment_id, second.experiment_id);
  EXPECT_EQ(again.attempt, 2);
  Ingest("a", FailedReport(again.run_id, 1, benchd::v1::FAILURE_KIND_INFRASTRUCTURE, "crashed again"));
  ASSERT_TRUE(store_->RequeueFailed(*sweep_id).ok());
  // The budget is the original one each time, not doubled.
  EXPECT_EQ(Value("SELECT max_attempts FROM experiments WHERE point_key = 'key-1'"), "3");

  EXPECT_EQ(store_->SucceededPointKeys(9999).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->RequeueFailed(9999).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(PgStoreTest, HigherPrioritySweepsAreClaimedFirst) {
  ASSERT_TRUE(store_->CreateSweep(HostCpuSweep("low", 2, 0)).ok());
  auto urgent = store_->CreateSweep(HostCpuSweep("urgent", 2, 10));
  ASSERT_TRUE(urgent.ok());
  auto sweep = store_->GetSweep(*urgent);
  ASSERT_TRUE(sweep.ok());
  EXPECT_EQ(sweep->priority(), 10);
  const Claim claim = MustClaim("a", "cpu0");
  EXPECT_EQ(Value("SELECT sweep_id FROM experiments WHERE id = " + std::to_string(claim.experiment_id)),
            std::to_string(*urgent));
}

TEST_F(PgStoreTest, ClaimCarriesMinimumDurationPowerAndConfigKey) {
  NewSweep sweep = HostCpuSweep("s", 1);
  NewExperiment& experiment = sweep.experiments[0];
  experiment.config_key = "power_mode=maxq";
  experiment.settings.set_min_duration_ms(2500);
  experiment.settings.mutable_power()->set_sample_hz(500);
  experiment.settings.mutable_power()->set_idle_ms(3000);
  experiment.settings.mutable_power()->set_base_ms(1000);
  experiment.requires_labels = {{"lab", "b1"}};
  ASSERT_TRUE(store_->CreateSweep(sweep).ok());
  // A device without the required label is not offered the experiment.
  auto unlabelled = ClaimNext(*store_, {"a", "cpu0", "host-cpu"}, std::chrono::minutes(1));
  ASSERT_TRUE(unlabelled.ok()) << unlabelled.status();
  EXPECT_FALSE(unlabelled->has_value());
  auto labelled = ClaimNext(*store_, {"a", "cpu0", "host-cpu"}, std::chrono::minutes(1),
                            DeviceView{.platform = "host-cpu", .labels = {{"lab", "b1"}, {"rack", "2"}}});
  ASSERT_TRUE(labelled.ok()) << labelled.status();
  ASSERT_TRUE(labelled->has_value());
  const Claim claim = **labelled;
  EXPECT_EQ(claim.config_key, "power_mode=maxq");
  EXPECT_EQ(claim.settings.min_duration_ms(), 2500);
  EXPECT_EQ(claim.settings.power().sample_hz(), 500);
  EXPECT_EQ(claim.settings.power().idle_ms(), 3000);
  EXPECT_EQ(claim.settings.power().base_ms(), 1000);
  // Per-sweep settings live in run_settings; the view joins them back.
  EXPECT_EQ(Value("SELECT requires->>'lab' FROM experiment_settings"), "b1");
  EXPECT_EQ(Value("SELECT power_sample_hz FROM experiment_settings"), "500");
}

}  // namespace
}  // namespace benchd::daemon
