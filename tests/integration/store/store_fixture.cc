#include "tests/integration/store/store_fixture.h"

namespace benchd::daemon {

absl::StatusOr<std::optional<Claim>> ClaimNext(Store& store, const DeviceSlot& slot,
                                               std::chrono::milliseconds lease, const DeviceView& view,
                                               const std::string& domains_json,
                                               const std::vector<std::string>& required_parameters) {
  auto groups = store.LoadWorkGroups();
  if (!groups.ok()) return groups.status();
  DeviceView device = view;
  if (device.platform.empty()) device.platform = slot.platform;
  ClaimRequest request{slot, RankGroups(device, *groups, [](int64_t) { return std::chrono::nanoseconds(0); }),
                       domains_json, lease, required_parameters};
  if (request.groups.empty()) return std::optional<Claim>();
  auto outcomes = store.ClaimBatch({request});
  if (!outcomes.ok()) return outcomes.status();
  return std::move((*outcomes)[0].claim);
}

NewSweep HostCpuSweep(const std::string& name, int count, int priority) {
  NewSweep sweep;
  sweep.name = name;
  sweep.yaml = "name: " + name + "\n";
  sweep.priority = priority;
  for (int i = 0; i < count; ++i) {
    NewExperiment experiment;
    experiment.ordinal = i;
    experiment.platform = "host-cpu";
    (*experiment.parameters.mutable_values())["batch"].set_int_value(i + 1);
    experiment.point_key = "key-" + std::to_string(i);
    experiment.max_attempts = 1;
    sweep.experiments.push_back(std::move(experiment));
  }
  return sweep;
}

int64_t PgStoreTest::CreateSweep(int count, const std::string& platform, int max_attempts) {
  NewSweep sweep;
  sweep.name = "sweep-" + platform;
  sweep.yaml = "name: sweep\n";
  for (int i = 0; i < count; ++i) {
    NewExperiment experiment;
    experiment.ordinal = i;
    experiment.platform = platform;
    (*experiment.parameters.mutable_values())["batch"].set_int_value(i);
    experiment.settings.set_iterations(10);
    experiment.max_attempts = max_attempts;
    sweep.experiments.push_back(std::move(experiment));
  }
  auto id = store_->CreateSweep(sweep);
  EXPECT_TRUE(id.ok()) << id.status();
  return id.ok() ? *id : -1;
}

Claim PgStoreTest::MustClaim(const std::string& agent, const std::string& device,
                             const std::string& platform, std::chrono::milliseconds lease) {
  auto claim = ClaimNext(*store_, {agent, device, platform}, lease);
  EXPECT_TRUE(claim.ok()) << claim.status();
  if (!claim.ok() || !claim->has_value()) {
    ADD_FAILURE() << "no experiment to claim on " << platform;
    return {};
  }
  return **claim;
}

void PgStoreTest::Ingest(const std::string& agent, const benchd::v1::Report& report,
                         IngestOutcome expected) {
  auto result = store_->IngestReport(agent, report);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(static_cast<int>(result->outcome), static_cast<int>(expected))
      << "run " << report.run_id() << " seq " << report.seq() << ": " << result->reason;
}

benchd::v1::ExperimentState PgStoreTest::ExperimentState(int64_t sweep_id, int64_t experiment_id) {
  auto experiments = store_->ListExperiments(sweep_id);
  EXPECT_TRUE(experiments.ok()) << experiments.status();
  if (experiments.ok()) {
    for (const auto& experiment : *experiments) {
      if (experiment.id() == experiment_id) return experiment.state();
    }
  }
  ADD_FAILURE() << "experiment " << experiment_id << " not in sweep " << sweep_id;
  return benchd::v1::EXPERIMENT_STATE_UNSPECIFIED;
}

benchd::v1::Hello MakeHello(const std::string& agent, const std::vector<std::string>& devices,
                            const std::vector<int64_t>& active_run_ids) {
  benchd::v1::Hello hello;
  hello.set_agent_name(agent);
  hello.set_hostname(agent + ".lab");
  hello.set_version("0.1.0");
  for (const auto& name : devices) {
    auto& device = *hello.add_devices();
    device.set_name(name);
    device.set_driver("host-cpu");
    device.set_platform("host-cpu");
    (*device.mutable_labels())["rack"] = "r1";
  }
  for (int64_t id : active_run_ids) hello.add_active_runs()->set_run_id(id);
  return hello;
}

benchd::v1::Report StartedReport(int64_t run_id, int64_t seq) {
  benchd::v1::Report report;
  report.set_run_id(run_id);
  report.set_seq(seq);
  report.mutable_run_started();
  return report;
}

benchd::v1::Report LatencyReport(int64_t run_id, int64_t seq, int repeat, int64_t first_index,
                                 const std::vector<double>& latency_us,
                                 const std::vector<int64_t>& t_ns) {
  benchd::v1::Report report;
  report.set_run_id(run_id);
  report.set_seq(seq);
  auto& batch = *report.mutable_latency_batch();
  batch.set_repeat(repeat);
  batch.set_kind(benchd::v1::LATENCY_KIND_SYSTEM);
  batch.set_first_index(first_index);
  for (double value : latency_us) batch.add_latency_us(value);
  for (int64_t value : t_ns) batch.add_t_ns(value);
  return report;
}

benchd::v1::Report SucceededReport(int64_t run_id, int64_t seq) {
  benchd::v1::Report report;
  report.set_run_id(run_id);
  report.set_seq(seq);
  auto& finished = *report.mutable_run_finished();
  finished.set_succeeded(true);
  auto& summary = *finished.mutable_summary();
  summary.set_latency_kind(benchd::v1::LATENCY_KIND_SYSTEM);
  summary.mutable_latency()->set_count(3);
  summary.mutable_latency()->set_mean_us(125.5);
  summary.mutable_latency()->set_p99_us(180.25);
  summary.set_fps(7968.1);
  summary.set_gops(12.75);
  summary.set_inferences(3);
  auto& extra = *summary.add_extra();
  extra.set_name("power_full_w");
  extra.set_value(4.5);
  extra.set_unit("W");
  (*finished.mutable_environment()->mutable_entries())["driver"] = "host-cpu";
  return report;
}

benchd::v1::Report FailedReport(int64_t run_id, int64_t seq, benchd::v1::FailureKind kind,
                                const std::string& error) {
  benchd::v1::Report report;
  report.set_run_id(run_id);
  report.set_seq(seq);
  auto& finished = *report.mutable_run_finished();
  finished.set_succeeded(false);
  finished.set_failure_kind(kind);
  finished.set_error(error);
  return report;
}

}  // namespace benchd::daemon
