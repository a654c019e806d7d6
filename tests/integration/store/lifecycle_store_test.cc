// The experiment lifecycle in the store: fencing of stale attempts, device
// health and quarantine, operator actions (cancel, drain, enable), matching
// by labels and domains, unschedulable work, reconfiguration events.

#include <gtest/gtest.h>

#include "tests/integration/store/store_fixture.h"

namespace benchd::daemon {
namespace {

using namespace std::chrono_literals;

class LifecycleTest : public PgStoreTest {
 protected:
  void SetUp() override {
    PgStoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(store_->RegisterAgent(MakeHello("a", {"cpu0", "cpu1"})).ok());
  }
  std::string DeviceValue(const std::string& column, const std::string& device = "cpu0") {
    return Value("SELECT " + column + " FROM devices WHERE name = '" + device + "'");
  }
  int64_t Count(const std::string& sql) { return std::stoll(Value(sql)); }
};

TEST_F(LifecycleTest, AReportNamingAnotherAttemptIsRejectedOnce) {
  CreateSweep(1);
  const Claim claim = MustClaim("a", "cpu0");
  EXPECT_EQ(claim.attempt, 1);
  benchd::v1::Report stale = StartedReport(claim.run_id, 1);
  stale.set_attempt(7);
  Ingest("a", stale, IngestOutcome::kRejected);
  benchd::v1::Report also_stale = LatencyReport(claim.run_id, 2, 0, 0, {1.0});
  also_stale.set_attempt(7);
  Ingest("a", also_stale, IngestOutcome::kRejected);
  EXPECT_EQ(Count("SELECT count(*) FROM latency_samples"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM events WHERE kind = 'report_rejected'"), 1);
  // The right attempt is stored.
  benchd::v1::Report current = StartedReport(claim.run_id, 1);
  current.set_attempt(1);
  Ingest("a", current);
}

TEST_F(LifecycleTest, ReportsOfALostAttemptAreRejectedAfterTheExperimentMovedOn) {
  CreateSweep(1);
  const Claim first = MustClaim("a", "cpu0", "host-cpu", 1ms);
  Value("SELECT pg_sleep(0.01)");  // the 1 ms lease runs out on the server's clock
  auto expired = store_->ExpireLeases();
  ASSERT_TRUE(expired.ok()) << expired.status();
  ASSERT_EQ(expired->lost_run_ids, std::vector<int64_t>{first.run_id});
  const Claim second = MustClaim("a", "cpu1");
  EXPECT_EQ(second.experiment_id, first.experiment_id);
  EXPECT_EQ(second.attempt, 2);
  benchd::v1::Report late = SucceededReport(first.run_id, 1);
  late.set_attempt(1);
  auto result = store_->IngestReport("a", late);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->outcome, IngestOutcome::kRejected);
  EXPECT_EQ(result->reason, "run " + std::to_string(first.run_id) + " (attempt 1) is lost");
  Ingest("a", SucceededReport(second.run_id, 1));
  EXPECT_EQ(Count("SELECT count(*) FROM runs WHERE state = 'succeeded'"), 1);
}

TEST_F(LifecycleTest, ConsecutiveInfrastructureFailuresQuarantineTheDevice) {
  PgStoreOptions options{.dsn = db_.dsn(), .pool_size = 2};
  options.quarantine_after = 2;
  options.retry.backoff_initial = 0ms;
  PgStore store(options);
  ASSERT_TRUE(store.Open().ok());
  CreateSweep(4, "host-cpu", 5);
  // A measurement failure is the experiment's fault, not the board's.
  Claim claim = MustClaim("a", "cpu0");
  auto measured = store.IngestReport("a", FailedReport(claim.run_id, 1, benchd::v1::FAILURE_KIND_MEASUREMENT, "no fit"));
  ASSERT_TRUE(measured.ok());
  EXPECT_FALSE(measured->device_quarantined);
  EXPECT_EQ(DeviceValue("consecutive_failures"), "0");
  EXPECT_EQ(DeviceValue("last_error"), "no fit");

  claim = MustClaim("a", "cpu0");
  auto first = store.IngestReport("a", FailedReport(claim.run_id, 1, benchd::v1::FAILURE_KIND_INFRASTRUCTURE, "no answer"));
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->device_quarantined);
  claim = MustClaim("a", "cpu0");
  auto second = store.IngestReport("a", FailedReport(claim.run_id, 1, benchd::v1::FAILURE_KIND_INFRASTRUCTURE, "crashed"));
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->device_quarantined);
  EXPECT_EQ(DeviceValue("quarantined"), "t");
  EXPECT_EQ(DeviceValue("quarantine_reason"), "2 consecutive infrastructure failures; last: crashed");
  EXPECT_EQ(Count("SELECT count(*) FROM events WHERE kind = 'device_quarantined' AND device = 'cpu0'"), 1);

  auto health = store.LoadDeviceHealth();
  ASSERT_TRUE(health.ok());
  ASSERT_EQ(health->size(), 2u);
  EXPECT_TRUE((*health)[0].device_name == "cpu0" ? (*health)[0].quarantined : (*health)[1].quarantined);

  auto agents = store.ListAgents();
  ASSERT_TRUE(agents.ok());
  const auto& cpu0 = (*agents)[0].devices(0);
  EXPECT_EQ(cpu0.state(), "quarantined");
  EXPECT_EQ(cpu0.last_error(), "crashed");
  EXPECT_EQ(cpu0.consecutive_failures(), 2);

  // A failed health check keeps it out; a passing one returns it.
  auto failed = store.RecordHealthCheck("a", "cpu0", false, "still dead");
  ASSERT_TRUE(failed.ok());
  EXPECT_FALSE(*failed);
  EXPECT_EQ(DeviceValue("quarantined"), "t");
  auto passed = store.RecordHealthCheck("a", "cpu0", true, "ok");
  ASSERT_TRUE(passed.ok());
  EXPECT_TRUE(*passed);
  EXPECT_EQ(DeviceValue("quarantined"), "f");
  EXPECT_EQ(DeviceValue("consecutive_failures"), "0");
  EXPECT_EQ(store.RecordHealthCheck("a", "gpu9", true, "").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(LifecycleTest, ADeviceWhoseProbeFailedIsRegisteredUnavailableUntilAHealthCheckPasses) {
  benchd::v1::Hello hello = MakeHello("a", {"cpu0", "cpu1"});
  hello.mutable_devices(1)->set_unavailable_reason("probe failed: UNAVAILABLE: no Myriad device");
  ASSERT_TRUE(store_->RegisterAgent(hello).ok());
  EXPECT_EQ(DeviceValue("unavailable_reason", "cpu1"), "probe failed: UNAVAILABLE: no Myriad device");
  EXPECT_EQ(Value("SELECT message FROM events WHERE kind = 'device_unavailable'"),
            "device 'cpu1' is unavailable: probe failed: UNAVAILABLE: no Myriad device");
  auto health = store_->LoadDeviceHealth();
  ASSERT_TRUE(health.ok());
  for (const DeviceHealth& device : *health) EXPECT_EQ(device.unavailable, device.device_name == "cpu1");
  auto agents = store_->ListAgents();
  ASSERT_TRUE(agents.ok());
  ASSERT_EQ((*agents)[0].devices_size(), 2);
  EXPECT_EQ((*agents)[0].devices(0).state(), "idle");
  EXPECT_EQ((*agents)[0].devices(1).state(), "unavailable");
  EXPECT_EQ((*agents)[0].devices(1).unavailable_reason(), "probe failed: UNAVAILABLE: no Myriad device");

  // A failed check (the probe failed again) keeps it out; a passing one
  // brings it back.
  auto failed = store_->RecordHealthCheck("a", "cpu1", false, "probe failed: still unplugged");
  ASSERT_TRUE(failed.ok());
  EXPECT_FALSE(*failed);
  EXPECT_EQ(DeviceValue("unavailable_reason <> ''", "cpu1"), "t");
  auto passed = store_->RecordHealthCheck("a", "cpu1", true, "probe passed");
  ASSERT_TRUE(passed.ok());
  EXPECT_TRUE(*passed);
  EXPECT_EQ(DeviceValue("unavailable_reason", "cpu1"), "");
  EXPECT_EQ(Count("SELECT count(*) FROM events WHERE kind = 'device_recovered' AND device = 'cpu1'"), 1);

  // An agent that restarts with the device answering registers it available.
  hello.mutable_devices(1)->set_unavailable_reason("probe failed: gone again");
  ASSERT_TRUE(store_->RegisterAgent(hello).ok());
  hello.mutable_devices(1)->clear_unavailable_reason();
  ASSERT_TRUE(store_->RegisterAgent(hello).ok());
  EXPECT_EQ(DeviceValue("unavailable_reason", "cpu1"), "");
}

TEST_F(LifecycleTest, ASuccessResetsTheFailureCount) {
  CreateSweep(2);
  Claim claim = MustClaim("a", "cpu0");
  Ingest("a", FailedReport(claim.run_id, 1, benchd::v1::FAILURE_KIND_INFRASTRUCTURE, "flaky"));
  EXPECT_EQ(DeviceValue("consecutive_failures"), "1");
  claim = MustClaim("a", "cpu0");
  Ingest("a", SucceededReport(claim.run_id, 1));
  EXPECT_EQ(DeviceValue("consecutive_failures"), "0");
}

TEST_F(LifecycleTest, DisablingAndEnablingADevice) {
  ASSERT_TRUE(store_->SetDeviceEnabled("a", "cpu1", false).ok());
  EXPECT_EQ(DeviceValue("enabled", "cpu1"), "f");
  Value("UPDATE devices SET quarantined = true, consecutive_failures = 4 WHERE name = 'cpu1' RETURNING 1");
  ASSERT_TRUE(store_->SetDeviceEnabled("a", "cpu1", true).ok());
  EXPECT_EQ(DeviceValue("enabled || ' ' || quarantined || ' ' || consecutive_failures", "cpu1"), "true false 0");
  EXPECT_EQ(store_->SetDeviceEnabled("a", "gpu9", true).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->SetDeviceEnabled("nobody", "cpu0", true).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Count("SELECT count(*) FROM events WHERE kind IN ('device_enabled', 'device_disabled')"), 2);
}

TEST_F(LifecycleTest, DrainingAnAgentIsRecordedAndReportsItsActiveRuns) {
  CreateSweep(1);
  MustClaim("a", "cpu0");
  auto active = store_->SetAgentDraining("a", true);
  ASSERT_TRUE(active.ok()) << active.status();
  EXPECT_EQ(*active, 1);
  auto health = store_->LoadDeviceHealth();
  ASSERT_TRUE(health.ok());
  for (const auto& device : *health) EXPECT_TRUE(device.agent_draining);
  auto agents = store_->ListAgents();
  ASSERT_TRUE(agents.ok());
  EXPECT_TRUE((*agents)[0].draining());
  EXPECT_EQ((*agents)[0].devices(1).state(), "draining");  // cpu1 is free
  EXPECT_EQ((*agents)[0].devices(0).state(), "busy");
  ASSERT_TRUE(store_->SetAgentDraining("a", false).ok());
  EXPECT_EQ(store_->SetAgentDraining("nobody", true).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(LifecycleTest, CancellingASweepStopsItsRunsAndLeavesNothingToClaim) {
  const int64_t sweep_id = CreateSweep(3);
  const Claim running = MustClaim("a", "cpu0");
  auto cancelled = store_->CancelSweep(sweep_id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->cancelled_pending, 2);
  ASSERT_EQ(cancelled->stopped.size(), 1u);
  EXPECT_EQ(cancelled->stopped[0].run_id, running.run_id);
  EXPECT_EQ(cancelled->stopped[0].agent_name, "a");
  EXPECT_EQ(cancelled->stopped[0].device_name, "cpu0");
  EXPECT_EQ(Value("SELECT state FROM runs WHERE id = " + std::to_string(running.run_id)), "cancelled");
  EXPECT_EQ(Count("SELECT count(*) FROM experiments WHERE state = 'cancelled'"), 3);
  // The run's late report is refused, nothing is left to claim, and the
  // sweep counts as cancelled and complete.
  Ingest("a", SucceededReport(running.run_id, 1), IngestOutcome::kRejected);
  auto next = ClaimNext(*store_, {"a", "cpu1", "host-cpu"}, 1min);
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
  auto sweep = store_->GetSweep(sweep_id);
  ASSERT_TRUE(sweep.ok());
  EXPECT_TRUE(sweep->cancelled());
  EXPECT_EQ(sweep->progress().cancelled(), 3);
  // A rerun would undo the cancel behind the user's back.
  EXPECT_EQ(store_->RequeueFailed(sweep_id).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->CancelSweep(999).status().code(), absl::StatusCode::kNotFound);
  // Cancelling it again changes nothing and logs nothing.
  cancelled = store_->CancelSweep(sweep_id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->cancelled_pending, 0);
  EXPECT_TRUE(cancelled->stopped.empty());
  EXPECT_EQ(Count("SELECT count(*) FROM events WHERE kind = 'sweep_cancelled'"), 1);
}

TEST_F(LifecycleTest, AFinishedSweepIsNotMarkedCancelledAndCanStillBeRerun) {
  const int64_t sweep_id = CreateSweep(2);
  const Claim succeeded = MustClaim("a", "cpu0");
  Ingest("a", SucceededReport(succeeded.run_id, 1));
  const Claim failed = MustClaim("a", "cpu1");
  Ingest("a", FailedReport(failed.run_id, 1, benchd::v1::FAILURE_KIND_MEASUREMENT, "does not fit"));
  auto cancelled = store_->CancelSweep(sweep_id);
  EXPECT_EQ(cancelled.status().code(), absl::StatusCode::kFailedPrecondition) << cancelled.status();
  EXPECT_EQ(cancelled.status().message(),
            "sweep " + std::to_string(sweep_id) + " has finished: nothing is pending or running to cancel");
  auto sweep = store_->GetSweep(sweep_id);
  ASSERT_TRUE(sweep.ok()) << sweep.status();
  EXPECT_FALSE(sweep->cancelled());
  EXPECT_EQ(Count("SELECT count(*) FROM events WHERE kind = 'sweep_cancelled'"), 0);
  auto requeued = store_->RequeueFailed(sweep_id);
  ASSERT_TRUE(requeued.ok()) << requeued.status();
  EXPECT_EQ(*requeued, 1);
}

TEST_F(LifecycleTest, DomainsNarrowWhatADeviceIsOffered) {
  NewSweep sweep;
  sweep.name = "precisions";
  sweep.yaml = "name: precisions\n";
  const char* precisions[] = {"INT4", "FP32", "INT8"};
  for (int i = 0; i < 3; ++i) {
    NewExperiment experiment;
    experiment.ordinal = i;
    experiment.platform = "host-cpu";
    (*experiment.parameters.mutable_values())["precision"].set_string_value(precisions[i]);
    (*experiment.parameters.mutable_values())["batch"].set_int_value(8);
    sweep.experiments.push_back(std::move(experiment));
  }
  ASSERT_TRUE(store_->CreateSweep(sweep).ok());
  const std::string domains = R"({"precision": ["FP32", "INT8"], "batch": ["1", "8"]})";
  std::vector<std::string> got;
  for (int i = 0; i < 3; ++i) {
    auto claim = ClaimNext(*store_, {"a", "cpu" + std::to_string(i), "host-cpu"}, 1min, {}, domains);
    ASSERT_TRUE(claim.ok()) << claim.status();
    if (claim->has_value()) got.push_back((*claim)->parameters.values().at("precision").string_value());
  }
  EXPECT_EQ(got, (std::vector<std::string>{"FP32", "INT8"}));
}

TEST_F(LifecycleTest, ADeviceIsOfferedOnlyExperimentsWithTheParametersItsDriverNeeds) {
  benchd::v1::Hello hello = MakeHello("a", {"cpu0", "cpu1"});
  hello.mutable_devices(0)->add_required_parameters("precision");
  ASSERT_TRUE(store_->RegisterAgent(hello).ok());
  NewSweep sweep;
  sweep.name = "some-without-precision";
  sweep.yaml = "name: some-without-precision\n";
  for (const char* precision : {"", "FP32", ""}) {
    NewExperiment experiment;
    experiment.ordinal = static_cast<int>(sweep.experiments.size());
    experiment.platform = "host-cpu";
    (*experiment.parameters.mutable_values())["batch"].set_int_value(experiment.ordinal);
    if (*precision) (*experiment.parameters.mutable_values())["precision"].set_string_value(precision);
    sweep.experiments.push_back(std::move(experiment));
  }
  auto id = store_->CreateSweep(sweep);
  ASSERT_TRUE(id.ok()) << id.status();
  // cpu1 needs nothing, so every experiment has a device.
  EXPECT_EQ(store_->GetProgress(*id)->unschedulable(), 0);

  // The scheduler and `benchctl devices` see what the hello said.
  auto health = store_->LoadDeviceHealth();
  ASSERT_TRUE(health.ok()) << health.status();
  std::map<std::string, std::vector<std::string>> required;
  for (const DeviceHealth& device : *health) required[device.device_name] = device.required_parameters;
  EXPECT_EQ(required["cpu0"], std::vector<std::string>{"precision"});
  EXPECT_EQ(required["cpu1"], std::vector<std::string>{});
  auto agents = store_->ListAgents();
  ASSERT_TRUE(agents.ok()) << agents.status();
  ASSERT_EQ(agents->size(), 1u);
  ASSERT_EQ((*agents)[0].devices_size(), 2);
  ASSERT_EQ((*agents)[0].devices(0).required_parameters_size(), 1);
  EXPECT_EQ((*agents)[0].devices(0).required_parameters(0), "precision");

  // cpu0 passes over the first experiment, which has no precision.
  auto cpu0 = ClaimNext(*store_, {"a", "cpu0", "host-cpu"}, 1min, {}, "{}", required["cpu0"]);
  ASSERT_TRUE(cpu0.ok()) << cpu0.status();
  ASSERT_TRUE(cpu0->has_value());
  EXPECT_EQ((*cpu0)->parameters.values().at("precision").string_value(), "FP32");
  const int64_t cpu0_run = (*cpu0)->run_id;
  cpu0 = ClaimNext(*store_, {"a", "cpu0", "host-cpu"}, 1min, {}, "{}", required["cpu0"]);
  ASSERT_TRUE(cpu0.ok()) << cpu0.status();
  EXPECT_FALSE(cpu0->has_value());
  const Claim cpu1 = MustClaim("a", "cpu1");
  EXPECT_EQ(cpu1.parameters.values().at("batch").int_value(), 0);

  // With both devices needing a precision, the last experiment has none left.
  hello.mutable_devices(1)->add_required_parameters("precision");
  for (int64_t run_id : {cpu0_run, cpu1.run_id}) hello.add_active_runs()->set_run_id(run_id);
  ASSERT_TRUE(store_->RegisterAgent(hello).ok());
  EXPECT_EQ(store_->GetProgress(*id)->unschedulable(), 1);
  auto experiments = store_->ListExperiments(*id);
  ASSERT_TRUE(experiments.ok()) << experiments.status();
  ASSERT_EQ(experiments->size(), 3u);
  EXPECT_TRUE((*experiments)[2].unschedulable());
  EXPECT_EQ((*experiments)[2].unschedulable_reason(),
            "every host-cpu device that admits it needs a parameter it does not set: precision");
  EXPECT_EQ((*experiments)[1].unschedulable_reason(), "");
}

TEST_F(LifecycleTest, WorkNoRegisteredDeviceCanRunIsUnschedulable) {
  NewSweep sweep;
  sweep.name = "mixed";
  sweep.yaml = "name: mixed\n";
  auto add = [&](const std::string& platform, std::map<std::string, std::string> requires_labels,
                 const std::string& precision) {
    NewExperiment experiment;
    experiment.ordinal = static_cast<int>(sweep.experiments.size());
    experiment.platform = platform;
    experiment.requires_labels = std::move(requires_labels);
    (*experiment.parameters.mutable_values())["precision"].set_string_value(precision);
    sweep.experiments.push_back(std::move(experiment));
  };
  add("host-cpu", {}, "FP32");               // cpu0, cpu1
  add("host-cpu", {{"rack", "r1"}}, "FP32");  // MakeHello's devices are in rack r1
  add("host-cpu", {{"rack", "r9"}}, "FP32");  // no such rack
  add("tx2", {}, "FP16");                    // no TX2 registered
  auto id = store_->CreateSweep(sweep);
  ASSERT_TRUE(id.ok()) << id.status();
  auto progress = store_->GetProgress(*id);
  ASSERT_TRUE(progress.ok());
  EXPECT_EQ(progress->unschedulable(), 2);
  // Each says what no device offers, so the operator knows what to attach
  // or fix.
  auto reasons = [&] {
    auto experiments = store_->ListExperiments(*id);
    EXPECT_TRUE(experiments.ok()) << experiments.status();
    std::vector<std::string> found;
    for (const auto& experiment : experiments.value_or(std::vector<benchd::v1::Experiment>{})) {
      EXPECT_EQ(experiment.unschedulable(), !experiment.unschedulable_reason().empty());
      found.push_back(experiment.unschedulable_reason());
    }
    return found;
  };
  EXPECT_EQ(reasons(), (std::vector<std::string>{"", "", "no host-cpu device has the labels rack=r9",
                                                 "no registered device has platform tx2"}));
  // A device that advertises narrower domains does not count for the values it refuses.
  benchd::v1::Hello hello = MakeHello("b", {"tx2-0", "tx2-1"});
  for (int i = 0; i < 2; ++i) {
    auto* device = hello.mutable_devices(i);
    device->set_platform("tx2");
    auto* domain = device->add_domains();
    domain->set_name("precision");
    domain->add_values(i == 0 ? "FP32" : "INT8");
  }
  ASSERT_TRUE(store_->RegisterAgent(hello).ok());
  EXPECT_EQ(store_->GetProgress(*id)->unschedulable(), 2);
  EXPECT_EQ(reasons()[3], "outside the domains of every tx2 device: precision=FP16");
  // With the domain widened, the driver's needs are what is left.
  hello.mutable_devices(0)->mutable_domains(0)->add_values("FP16");
  hello.mutable_devices(0)->add_required_parameters("topology");
  hello.mutable_devices(0)->add_required_parameters("batch");
  ASSERT_TRUE(store_->RegisterAgent(hello).ok());
  EXPECT_EQ(store_->GetProgress(*id)->unschedulable(), 2);
  EXPECT_EQ(reasons()[3], "every tx2 device that admits it needs a parameter it does not set: batch, topology");
  hello.mutable_devices(0)->clear_required_parameters();
  ASSERT_TRUE(store_->RegisterAgent(hello).ok());
  EXPECT_EQ(store_->GetProgress(*id)->unschedulable(), 1);
  EXPECT_EQ(reasons()[3], "");
  // Labels are checked before domains: a device in the rack whose domain
  // refuses the value moves the reason on to the domains.
  benchd::v1::Hello rack = MakeHello("c", {"cpu9"});
  (*rack.mutable_devices(0)->mutable_labels())["rack"] = "r9";
  auto* domain = rack.mutable_devices(0)->add_domains();
  domain->set_name("precision");
  domain->add_values("INT8");
  ASSERT_TRUE(store_->RegisterAgent(rack).ok());
  EXPECT_EQ(reasons()[2], "outside the domains of every host-cpu device with rack=r9: precision=FP32");
}

TEST_F(LifecycleTest, WorkOnlyDevicesOutOfServiceCouldRunIsBlockedAndLeftOutOfTheEstimate) {
  const int64_t sweep_id = CreateSweep(4);
  // One run has finished, so there is an estimate while devices serve.
  const Claim claim = MustClaim("a", "cpu0");
  Ingest("a", SucceededReport(claim.run_id, 1));
  auto progress = [&] {
    auto got = store_->GetProgress(sweep_id);
    EXPECT_TRUE(got.ok()) << got.status();
    return got.value_or(benchd::v1::SweepProgress{});
  };
  EXPECT_EQ(progress().blocked(), 0);
  EXPECT_GT(progress().eta_ms(), 0);
  // Each way out of service, with the other device already out: disabled,
  // quarantined, unavailable, its agent draining or disconnected.
  ASSERT_TRUE(store_->SetDeviceEnabled("a", "cpu0", false).ok());
  EXPECT_EQ(progress().blocked(), 0) << "cpu1 still serves";
  Value("UPDATE devices SET quarantined = true, quarantine_reason = 'test' WHERE name = 'cpu1'");
  EXPECT_EQ(progress().blocked(), 3);
  EXPECT_EQ(progress().unschedulable(), 0);
  EXPECT_EQ(progress().eta_ms(), 0) << "nothing can run";
  ASSERT_TRUE(store_->SetDeviceEnabled("a", "cpu1", true).ok());
  EXPECT_EQ(progress().blocked(), 0);
  benchd::v1::Hello hello = MakeHello("a", {"cpu0", "cpu1"});
  hello.mutable_devices(1)->set_unavailable_reason("probe failed: no board");
  ASSERT_TRUE(store_->RegisterAgent(hello).ok());
  EXPECT_EQ(progress().blocked(), 3);
  ASSERT_TRUE(store_->SetDeviceEnabled("a", "cpu0", true).ok());
  EXPECT_EQ(progress().blocked(), 0);
  ASSERT_TRUE(store_->SetAgentDraining("a", true).ok());
  EXPECT_EQ(progress().blocked(), 3);
  ASSERT_TRUE(store_->SetAgentDraining("a", false).ok());
  EXPECT_EQ(progress().blocked(), 0);
  ASSERT_TRUE(store_->MarkAgentDisconnected("a").ok());
  EXPECT_EQ(progress().blocked(), 3);
  // Work no registered device could run stays unschedulable, not blocked.
  const int64_t elsewhere = CreateSweep(2, "tx2");
  auto tx2 = store_->GetProgress(elsewhere);
  ASSERT_TRUE(tx2.ok()) << tx2.status();
  EXPECT_EQ(tx2->unschedulable(), 2);
  EXPECT_EQ(tx2->blocked(), 0);
}

TEST_F(LifecycleTest, ThroughputCountsFinishedExperimentsSinceWorkLastResumed) {
  const int64_t sweep_id = CreateSweep(3);
  const Claim failed = MustClaim("a", "cpu0");
  Ingest("a", FailedReport(failed.run_id, 1, benchd::v1::FAILURE_KIND_INFRASTRUCTURE, "board did not answer"));
  ASSERT_EQ(Value("SELECT state FROM experiments WHERE id = " + std::to_string(failed.experiment_id)), "pending");
  // The sweep has been running a minute.
  Value("UPDATE runs SET assigned_at = now() - interval '60 seconds'");
  auto progress = store_->GetProgress(sweep_id);
  ASSERT_TRUE(progress.ok()) << progress.status();
  EXPECT_EQ(progress->throughput_per_min(), 0) << "a requeued attempt finished nothing";

  // A stall: that attempt was twenty minutes ago, and work resumed a minute
  // ago. The rate is that minute's, not diluted over the stall.
  Value("UPDATE runs SET assigned_at = now() - interval '20 minutes', finished_at = now() - interval '19 minutes'");
  const Claim resumed = MustClaim("a", "cpu1");
  Value("UPDATE runs SET assigned_at = now() - interval '60 seconds' WHERE id = " + std::to_string(resumed.run_id));
  Ingest("a", SucceededReport(resumed.run_id, 1));
  progress = store_->GetProgress(sweep_id);
  ASSERT_TRUE(progress.ok()) << progress.status();
  EXPECT_NEAR(progress->throughput_per_min(), 1.0, 0.05);
}

TEST_F(LifecycleTest, AReportedReconfigurationBecomesATimedEventAndTheDevicesConfiguration) {
  CreateSweep(1);
  const Claim claim = MustClaim("a", "cpu0");
  benchd::v1::Report done = SucceededReport(claim.run_id, 1);
  auto& environment = *done.mutable_run_finished()->mutable_environment()->mutable_entries();
  environment["config_key"] = "power_mode=maxq";
  environment["reconfigure_ms"] = "1250";
  environment["reconfigured_from"] = "power_mode=maxn";
  Ingest("a", done);
  EXPECT_EQ(DeviceValue("config_key"), "power_mode=maxq");
  auto events = store_->ListEvents({.kind = "reconfiguration"});
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].duration_ms(), 1250);
  EXPECT_EQ((*events)[0].device(), "cpu0");
  EXPECT_EQ((*events)[0].message(),
            "device 'cpu0' reconfigured from 'power_mode=maxn' to 'power_mode=maxq' in 1250 ms");
}

TEST_F(LifecycleTest, EventsAreFilteredAndTheNewestKept) {
  const int64_t sweep_id = CreateSweep(3);
  for (const char* device : {"cpu0", "cpu1"}) MustClaim("a", device);
  auto all = store_->ListEvents({});
  ASSERT_TRUE(all.ok());
  ASSERT_GE(all->size(), 4u);  // agent_connected, sweep_submitted, 2 x run_assigned
  for (size_t i = 1; i < all->size(); ++i) EXPECT_LT((*all)[i - 1].id(), (*all)[i].id());
  auto assigned = store_->ListEvents({.sweep_id = sweep_id, .kind = "run_assigned"});
  ASSERT_TRUE(assigned.ok());
  ASSERT_EQ(assigned->size(), 2u);
  EXPECT_EQ((*assigned)[1].device(), "cpu1");
  auto newest = store_->ListEvents({.limit = 1});
  ASSERT_TRUE(newest.ok());
  ASSERT_EQ(newest->size(), 1u);
  EXPECT_EQ((*newest)[0].id(), all->back().id());
  auto after = store_->ListEvents({.after_id = (*all)[all->size() - 2].id()});
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), 1u);
  auto of_device = store_->ListEvents({.device = "cpu0"});
  ASSERT_TRUE(of_device.ok());
  EXPECT_EQ(of_device->size(), 1u);
  // A kind outside the run lifecycle (the partial kind index) and an agent
  // (no index of its own).
  auto connected = store_->ListEvents({.kind = "agent_connected"});
  ASSERT_TRUE(connected.ok());
  ASSERT_EQ(connected->size(), 1u);
  EXPECT_EQ((*connected)[0].agent(), "a");
  auto of_agent = store_->ListEvents({.agent = "a", .limit = 2});
  ASSERT_TRUE(of_agent.ok());
  ASSERT_EQ(of_agent->size(), 2u);
  EXPECT_EQ((*of_agent)[1].id(), all->back().id());
  EXPECT_EQ((*of_agent)[1].kind(), "run_assigned");
}

}  // namespace
}  // namespace benchd::daemon
