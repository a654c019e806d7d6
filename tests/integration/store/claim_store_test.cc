#include <algorithm>
#include <set>
#include <thread>

#include "tests/integration/store/store_fixture.h"

namespace benchd::daemon {
namespace {

using namespace std::chrono_literals;

TEST_F(PgStoreTest, ConcurrentClaimersNeverGetTheSameExperiment) {
  constexpr int kExperiments = 120;
  const int64_t sweep_id = CreateSweep(kExperiments);
  CreateSweep(5, "tx2");  // another platform: never handed to host-cpu slots

  constexpr int kClaimers = 3;
  std::vector<std::vector<int64_t>> claimed(kClaimers);
  std::vector<absl::Status> errors(kClaimers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClaimers; ++i) {
    threads.emplace_back([&, i] {
      const DeviceSlot slot{"agent-" + std::to_string(i), "cpu0", "host-cpu"};
      for (;;) {
        auto claim = ClaimNext(*store_, slot, 1min);
        if (!claim.ok()) {
          errors[i] = claim.status();
          return;
        }
        if (!claim->has_value()) return;
        claimed[i].push_back((*claim)->experiment_id);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& error : errors) EXPECT_TRUE(error.ok()) << error;

  std::multiset<int64_t> all;
  for (const auto& ids : claimed) all.insert(ids.begin(), ids.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kExperiments));
  EXPECT_EQ(std::set<int64_t>(all.begin(), all.end()).size(), all.size())
      << "an experiment was claimed twice";
  auto experiments = store_->ListExperiments(sweep_id);
  ASSERT_TRUE(experiments.ok());
  for (const auto& experiment : *experiments) {
    EXPECT_EQ(all.count(experiment.id()), 1u) << "experiment " << experiment.id();
    EXPECT_EQ(experiment.state(), benchd::v1::EXPERIMENT_STATE_RUNNING);
    EXPECT_EQ(experiment.attempts(), 1);
  }
  EXPECT_EQ(Value("SELECT count(*) FROM runs"), std::to_string(kExperiments));
  EXPECT_EQ(Value("SELECT count(*) FROM events WHERE kind = 'run_assigned'"),
            std::to_string(kExperiments));
}

TEST_F(PgStoreTest, ClaimsInSweepAndOrdinalOrder) {
  const int64_t sweep_id = CreateSweep(3);
  const Claim first = MustClaim("a", "cpu0");
  const Claim second = MustClaim("a", "cpu1");
  auto experiments = store_->ListExperiments(sweep_id);
  ASSERT_TRUE(experiments.ok());
  EXPECT_EQ(first.experiment_id, (*experiments)[0].id());
  EXPECT_EQ(second.experiment_id, (*experiments)[1].id());
  EXPECT_EQ(first.attempt, 1);
  auto none = ClaimNext(*store_, {"a", "cpu2", "ncs2"}, 1min);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(PgStoreTest, RegisterAgentRequeuesRunsItNoLongerHas) {
  ASSERT_TRUE(store_->RegisterAgent(MakeHello("a", {"cpu0", "cpu1"})).ok());
  const int64_t sweep_id = CreateSweep(3);
  const Claim kept = MustClaim("a", "cpu0");
  const Claim dropped = MustClaim("a", "cpu1");

  // The agent restarts still running `kept`, and without `cpu1`.
  auto requeued = store_->RegisterAgent(MakeHello("a", {"cpu0"}, {kept.run_id}));
  ASSERT_TRUE(requeued.ok()) << requeued.status();
  EXPECT_EQ(requeued->lost_run_ids, std::vector<int64_t>{dropped.run_id});
  EXPECT_EQ(requeued->sweep_ids, std::vector<int64_t>{sweep_id});

  EXPECT_EQ(ExperimentState(sweep_id, dropped.experiment_id), benchd::v1::EXPERIMENT_STATE_PENDING);
  EXPECT_EQ(ExperimentState(sweep_id, kept.experiment_id), benchd::v1::EXPERIMENT_STATE_RUNNING);
  EXPECT_EQ(Value("SELECT state FROM runs WHERE id = " + std::to_string(dropped.run_id)), "lost");
  EXPECT_EQ(Value("SELECT state FROM runs WHERE id = " + std::to_string(kept.run_id)), "assigned");

  // The requeued experiment comes back with its next attempt number.
  const Claim retry = MustClaim("a", "cpu0");
  EXPECT_EQ(retry.experiment_id, dropped.experiment_id);
  EXPECT_EQ(retry.attempt, 2);

  auto agents = store_->ListAgents();
  ASSERT_TRUE(agents.ok()) << agents.status();
  ASSERT_EQ(agents->size(), 1u);
  const auto& agent = (*agents)[0];
  EXPECT_EQ(agent.name(), "a");
  EXPECT_EQ(agent.hostname(), "a.lab");
  EXPECT_TRUE(agent.connected());
  ASSERT_EQ(agent.devices_size(), 1);  // cpu1 was not in the second hello
  EXPECT_EQ(agent.devices(0).name(), "cpu0");
  EXPECT_EQ(agent.devices(0).state(), "busy");
  EXPECT_EQ(agent.devices(0).labels().at("rack"), "r1");
}

TEST_F(PgStoreTest, RegisterAgentRejectsDuplicateDeviceNames) {
  auto result = store_->RegisterAgent(MakeHello("a", {"cpu0", "cpu0"}));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->RegisterAgent(MakeHello("", {})).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(PgStoreTest, DisconnectedAgentsDevicesAreOffline) {
  ASSERT_TRUE(store_->RegisterAgent(MakeHello("a", {"cpu0"})).ok());
  ASSERT_TRUE(store_->MarkAgentDisconnected("a").ok());
  EXPECT_EQ(store_->MarkAgentDisconnected("nobody").code(), absl::StatusCode::kNotFound);
  auto agents = store_->ListAgents();
  ASSERT_TRUE(agents.ok());
  EXPECT_FALSE((*agents)[0].connected());
  EXPECT_EQ((*agents)[0].devices(0).state(), "offline");
}

TEST_F(PgStoreTest, ExpireLeasesRequeuesThenFailsAtTheRetryLimit) {
  ASSERT_TRUE(store_->RegisterAgent(MakeHello("a", {"cpu0", "cpu1"})).ok());
  const int64_t sweep_id = CreateSweep(2, "host-cpu", /*max_attempts=*/2);
  const Claim first = MustClaim("a", "cpu0", "host-cpu", 1h);
  const Claim healthy = MustClaim("a", "cpu1", "host-cpu", 1h);
  // Time travel instead of waiting: the lease of `first` ran out a second ago.
  const auto expire = [&](int64_t run_id) {
    ASSERT_TRUE(db_.Query("UPDATE runs SET lease_expires_at = now() - interval '1 second' "
                          "WHERE id = " +
                          std::to_string(run_id))
                    .ok());
  };
  expire(first.run_id);

  auto expired = store_->ExpireLeases();
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_EQ(expired->lost_run_ids, std::vector<int64_t>{first.run_id});
  EXPECT_EQ(expired->sweep_ids, std::vector<int64_t>{sweep_id});
  EXPECT_EQ(ExperimentState(sweep_id, first.experiment_id), benchd::v1::EXPERIMENT_STATE_PENDING);
  EXPECT_EQ(ExperimentState(sweep_id, healthy.experiment_id), benchd::v1::EXPERIMENT_STATE_RUNNING);

  const Claim second = MustClaim("a", "cpu0", "host-cpu", 1h);
  ASSERT_EQ(second.experiment_id, first.experiment_id);
  EXPECT_EQ(second.attempt, 2);
  expire(second.run_id);
  expired = store_->ExpireLeases();
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(expired->lost_run_ids, std::vector<int64_t>{second.run_id});

  auto experiments = store_->ListExperiments(sweep_id);
  ASSERT_TRUE(experiments.ok());
  const auto& failed = (*experiments)[0];
  EXPECT_EQ(failed.state(), benchd::v1::EXPERIMENT_STATE_FAILED);
  EXPECT_EQ(failed.attempts(), 2);
  EXPECT_EQ(failed.error(), "lease expired");
  // Nothing left to expire, and the healthy run kept its lease.
  expired = store_->ExpireLeases();
  ASSERT_TRUE(expired.ok());
  EXPECT_TRUE(expired->lost_run_ids.empty());
  EXPECT_EQ(Value("SELECT count(*) FROM events WHERE kind = 'run_lost'"), "2");
  // Each names its device, so `benchctl events --device` finds it.
  EXPECT_EQ(Value("SELECT string_agg(DISTINCT device, ',') FROM events WHERE kind = 'run_lost'"), "cpu0");
}

TEST_F(PgStoreTest, HeartbeatExtendsLeasesOfListedRunsOnly) {
  ASSERT_TRUE(store_->RegisterAgent(MakeHello("a", {"cpu0", "cpu1"})).ok());
  CreateSweep(2);
  const Claim listed = MustClaim("a", "cpu0", "host-cpu", 1s);
  const Claim unlisted = MustClaim("a", "cpu1", "host-cpu", 1s);
  auto renewed = store_->RecordHeartbeat("a", {listed.run_id, 987654}, 1h);
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_EQ(*renewed, std::vector<int64_t>{listed.run_id});
  const auto lease_left = [&](int64_t run_id) {
    return std::stod(
        Value("SELECT extract(epoch FROM lease_expires_at - now()) FROM runs WHERE id = " +
              std::to_string(run_id)));
  };
  EXPECT_GT(lease_left(listed.run_id), 3000);
  EXPECT_LT(lease_left(unlisted.run_id), 2);
  EXPECT_EQ(store_->RecordHeartbeat("nobody", {}, 1h).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace benchd::daemon

namespace benchd::daemon {
namespace {

// The devices that want one group in a pass share one claim: the first in
// request order get its experiments in ordinal order, the rest find it empty
// and go on to their next group.
TEST_F(PgStoreTest, DevicesWantingOneGroupShareAClaimAndTheLeftOverMoveOn) {
  const int64_t first_sweep = CreateSweep(2);
  const int64_t second_sweep = CreateSweep(2);
  auto groups = store_->LoadWorkGroups();
  ASSERT_TRUE(groups.ok()) << groups.status();
  ASSERT_EQ(groups->size(), 2u);
  const std::vector<const WorkGroup*> ranked = {&(*groups)[0], &(*groups)[1]};
  ASSERT_EQ(ranked[0]->sweep_id, first_sweep);
  std::vector<ClaimRequest> requests;
  for (const char* device : {"cpu0", "cpu1", "cpu2"}) {
    requests.push_back({{"a", device, "host-cpu"}, ranked, "{}", std::chrono::minutes(1)});
  }
  auto outcomes = store_->ClaimBatch(requests);
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  ASSERT_EQ(outcomes->size(), 3u);
  auto first = store_->ListExperiments(first_sweep);
  auto second = store_->ListExperiments(second_sweep);
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE((*outcomes)[0].claim && (*outcomes)[1].claim && (*outcomes)[2].claim);
  EXPECT_EQ((*outcomes)[0].claim->experiment_id, (*first)[0].id());
  EXPECT_EQ((*outcomes)[1].claim->experiment_id, (*first)[1].id());
  EXPECT_TRUE((*outcomes)[0].came_up_empty.empty());
  EXPECT_EQ((*outcomes)[2].came_up_empty, std::vector<const WorkGroup*>{ranked[0]});
  EXPECT_EQ((*outcomes)[2].claim->experiment_id, (*second)[0].id());
  EXPECT_EQ((*outcomes)[2].claim->sweep_id, second_sweep);
  for (size_t i = 0; i < 3; ++i) {
    const Claim& claim = *(*outcomes)[i].claim;
    EXPECT_EQ(Value("SELECT device FROM runs WHERE id = " + std::to_string(claim.run_id)),
              requests[i].slot.device_name);
    EXPECT_EQ(claim.attempt, 1);
    EXPECT_EQ(claim.settings.iterations(), 10);
  }
  EXPECT_EQ(Value("SELECT string_agg(device, ',' ORDER BY run_id) FROM events WHERE kind = 'run_assigned'"),
            "cpu0,cpu1,cpu2");
}

}  // namespace
}  // namespace benchd::daemon
