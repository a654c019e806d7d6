#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>

#include "spdlog/fmt/fmt.h"
#include "tests/integration/store/store_fixture.h"

namespace benchd::daemon {
namespace {

using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;

uint64_t Bits(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

class IngestTest : public PgStoreTest {
 protected:
  void SetUp() override {
    PgStoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(store_->RegisterAgent(MakeHello("a", {"cpu0"})).ok());
    sweep_id_ = CreateSweep(4);
    claim_ = MustClaim("a", "cpu0");
  }
  std::string RunValue(const std::string& column) {
    return Value("SELECT " + column + " FROM runs WHERE id = " + std::to_string(claim_.run_id));
  }

  int64_t sweep_id_ = 0;
  Claim claim_;
};

TEST_F(IngestTest, AReportIngestedTwiceIsStoredOnce) {
  Ingest("a", StartedReport(claim_.run_id, 1));
  const auto batch = LatencyReport(claim_.run_id, 2, 0, 0, {10.5, 11.25, 12.0}, {1, 2, 3});
  Ingest("a", batch);
  Ingest("a", batch, IngestOutcome::kDuplicate);
  Ingest("a", StartedReport(claim_.run_id, 1), IngestOutcome::kDuplicate);
  auto count = store_->CountLatencySamples(claim_.run_id);
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(*count, 3);
  EXPECT_EQ(RunValue("state"), "running");
  EXPECT_EQ(Value("SELECT count(*) FROM run_reports"), "2");
  EXPECT_EQ(Value("SELECT count(*) FROM events WHERE kind = 'run_started'"), "1");
}

TEST_F(IngestTest, CopyStoresExactlyWhatWasSent) {
  const std::vector<double> first = {1.0 / 3.0, 0.1 + 0.2,           5e-324, DBL_MIN, DBL_MAX,
                                     1e-300,    123456789.123456789, -0.0,   42.0};
  const std::vector<int64_t> first_t = {
      std::numeric_limits<int64_t>::min(), -1, 0, 1, 1234567890123456789, 7, 8, 9,
      std::numeric_limits<int64_t>::max()};
  const std::vector<double> second = {std::nextafter(1.0, 2.0), 2.5e-10, 9.999999999999999e22};
  Ingest("a", LatencyReport(claim_.run_id, 1, 0, 0, first, first_t));
  Ingest("a", LatencyReport(claim_.run_id, 2, 1, 100, second));  // no times: NULL

  benchd::v1::Report power;
  power.set_run_id(claim_.run_id);
  power.set_seq(3);
  auto& batch = *power.mutable_power_batch();
  const std::string channel = "vdd\tcore\\1\nrail";  // COPY's text format must escape these
  batch.set_channel(channel);
  const std::vector<double> watts = {4.125, 1.0 / 7.0, 0.0};
  for (size_t i = 0; i < watts.size(); ++i) {
    batch.add_t_ns(static_cast<int64_t>(i) * 1000000);
    batch.add_watts(watts[i]);
  }
  Ingest("a", power);

  auto rows = db_.Query(
      "SELECT repeat, idx, kind, t_ns, latency_us FROM latency_samples ORDER BY repeat, idx");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), first.size() + second.size());
  for (size_t i = 0; i < rows->size(); ++i) {
    const auto& row = (*rows)[i];
    const bool in_first = i < first.size();
    const size_t j = in_first ? i : i - first.size();
    EXPECT_EQ(row[0], in_first ? "0" : "1");
    EXPECT_EQ(row[1], std::to_string(in_first ? j : 100 + j));
    EXPECT_EQ(row[2], std::to_string(benchd::v1::LATENCY_KIND_SYSTEM));
    if (in_first) {
      EXPECT_EQ(row[3], std::to_string(first_t[j]));
    } else {
      EXPECT_FALSE(row[3].has_value());
    }
    const double sent = in_first ? first[j] : second[j];
    ASSERT_TRUE(row[4].has_value());
    EXPECT_EQ(Bits(std::strtod(row[4]->c_str(), nullptr)), Bits(sent))
        << "row " << i << ": stored " << *row[4] << ", sent " << sent;
  }

  rows = db_.Query("SELECT channel, t_ns, watts FROM power_samples ORDER BY t_ns");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), watts.size());
  for (size_t i = 0; i < watts.size(); ++i) {
    EXPECT_EQ((*rows)[i][0], channel);
    EXPECT_EQ((*rows)[i][1], std::to_string(i * 1000000));
    EXPECT_EQ(Bits(std::strtod((*rows)[i][2]->c_str(), nullptr)), Bits(watts[i]));
  }
}

TEST_F(IngestTest, SucceededRunIsAResultWithItsSummary) {
  const auto started = TimeUtil::SecondsToTimestamp(1700000000);
  benchd::v1::Report start = StartedReport(claim_.run_id, 1);
  *start.mutable_run_started()->mutable_started_at() = started;
  Ingest("a", start);
  Ingest("a", LatencyReport(claim_.run_id, 2, 0, 0, {100, 125.5, 151}));
  benchd::v1::Report done = SucceededReport(claim_.run_id, 3);
  *done.mutable_run_finished()->mutable_finished_at() = TimeUtil::SecondsToTimestamp(1700000002);
  auto result = store_->IngestReport("a", done);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->outcome, IngestOutcome::kStored);
  EXPECT_EQ(result->finished_sweep_id, sweep_id_);

  auto results = store_->QueryResults(sweep_id_);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 1u);
  const auto& stored = (*results)[0];
  EXPECT_EQ(stored.experiment_id(), claim_.experiment_id);
  EXPECT_EQ(stored.run_id(), claim_.run_id);
  EXPECT_EQ(stored.agent(), "a");
  EXPECT_EQ(stored.device(), "cpu0");
  EXPECT_EQ(stored.latency_sample_count(), 3);
  EXPECT_TRUE(MessageDifferencer::Equals(stored.parameters(), claim_.parameters));
  EXPECT_TRUE(MessageDifferencer::Equals(stored.summary(), done.run_finished().summary()))
      << stored.summary().DebugString();
  EXPECT_TRUE(MessageDifferencer::Equals(stored.environment(), done.run_finished().environment()));
  // The figures the report left out are NULL, and come back absent, not 0.
  EXPECT_EQ(Value("SELECT count(*) FROM runs WHERE median_us IS NULL AND std_us IS NULL AND p99_us = 180.25"), "1");
  EXPECT_FALSE(stored.summary().latency().has_median_us());
  EXPECT_FALSE(stored.summary().latency().has_min_us());
  EXPECT_TRUE(stored.summary().latency().has_p99_us());
  // Its event gives the figures it has, rounded for reading.
  EXPECT_EQ(Value("SELECT message FROM events WHERE kind = 'run_succeeded'"),
            "run " + std::to_string(claim_.run_id) + " succeeded: 3 inferences, mean 125.5 us, 7968.1 fps");

  // One run took 2 s on one device; 3 experiments are left.
  auto progress = store_->GetProgress(sweep_id_);
  ASSERT_TRUE(progress.ok());
  EXPECT_EQ(progress->succeeded(), 1);
  EXPECT_EQ(progress->pending(), 3);
  EXPECT_EQ(progress->eta_ms(), 6000);
}

TEST_F(IngestTest, AnEmptyBasePhaseIsNotMeasuredRatherThanZeroWatts) {
  // What agents sent for a run without a base window before they left the
  // phase out.
  benchd::v1::Report done = SucceededReport(claim_.run_id, 1);
  benchd::v1::RailPower* rail = done.mutable_run_finished()->mutable_summary()->mutable_power()->add_rails();
  rail->set_rail("board");
  rail->mutable_base();
  rail->mutable_full()->set_avg_w(1.55);
  rail->mutable_full()->set_samples(316);
  Ingest("a", done);
  EXPECT_EQ(RunValue("base_w"), "");  // NULL
  EXPECT_EQ(RunValue("full_w"), "1.55");
}

TEST_F(IngestTest, PowerRepeatsAndWarningsRoundTripAndTheTraceReadsBack) {
  Ingest("a", StartedReport(claim_.run_id, 1));
  Ingest("a", LatencyReport(claim_.run_id, 2, 0, 0, {100, 110}, {1000, 2000}));
  benchd::v1::Report power;
  power.set_run_id(claim_.run_id);
  power.set_seq(3);
  power.mutable_power_batch()->set_channel("VDD_IN");
  for (int i = 0; i < 5000; ++i) {  // more than one trace chunk
    power.mutable_power_batch()->add_t_ns(i);
    power.mutable_power_batch()->add_watts(7.5);
  }
  Ingest("a", power);
  benchd::v1::Report done = SucceededReport(claim_.run_id, 4);
  benchd::v1::RunSummary& summary = *done.mutable_run_finished()->mutable_summary();
  benchd::v1::PowerSummary& measured = *summary.mutable_power();
  measured.set_phase_source("driver");
  benchd::v1::PhaseMark* mark = measured.add_phases();
  mark->set_phase("measure");
  mark->set_t_ns(500);
  benchd::v1::RailPower* rail = measured.add_rails();
  rail->set_rail("VDD_IN");
  rail->mutable_base()->set_avg_w(1.8);
  rail->mutable_full()->set_avg_w(7.5);
  rail->mutable_full()->set_samples(4000);
  rail->set_energy_per_inference_j(0.0015);
  rail->set_dynamic_energy_per_inference_j(0.0011);
  summary.add_repeats()->set_mean_us(105);
  *summary.add_warnings() = "repeats disagree";
  Ingest("a", done);

  EXPECT_EQ(RunValue("base_w"), "1.8");
  EXPECT_EQ(RunValue("idle_w"), "");  // not measured: NULL
  EXPECT_EQ(RunValue("full_w"), "7.5");
  EXPECT_EQ(RunValue("energy_per_inference_j"), "0.0015");
  EXPECT_EQ(RunValue("repeat_count"), "1");
  EXPECT_EQ(RunValue("warnings"), "repeats disagree");
  EXPECT_EQ(Value("SELECT message FROM events WHERE kind = 'measurement_warning'"), "repeats disagree");
  auto results = store_->QueryResults(sweep_id_);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals((*results)[0].summary(), summary)) << (*results)[0].summary().DebugString();

  std::vector<benchd::v1::RunTraceChunk> chunks;
  ASSERT_TRUE(store_->ReadRunTrace(claim_.run_id, [&](benchd::v1::RunTraceChunk chunk) {
    chunks.push_back(std::move(chunk));
    return true;
  }).ok());
  ASSERT_EQ(chunks.size(), 4u);  // phases, 4096 + 904 power samples, latencies
  EXPECT_EQ(chunks[0].phases_size(), 1);
  EXPECT_EQ(chunks[1].power().watts_size(), 4096);
  EXPECT_EQ(chunks[2].power().watts_size(), 904);
  EXPECT_EQ(chunks[2].power().channel(), "VDD_IN");
  EXPECT_EQ(chunks[3].latency().latency_us_size(), 2);
  EXPECT_EQ(chunks[3].latency().t_ns(1), 2000);
  int calls = 0;
  ASSERT_TRUE(store_->ReadRunTrace(claim_.run_id, [&](benchd::v1::RunTraceChunk) { return ++calls < 2; }).ok());
  EXPECT_EQ(calls, 2);  // the reader stopped it
  EXPECT_EQ(store_->ReadRunTrace(424242, [](benchd::v1::RunTraceChunk) { return true; }).code(),
            absl::StatusCode::kNotFound);
}

TEST_F(IngestTest, MeasurementFailureFailsTheExperimentWithoutRetry) {
  Ingest("a", StartedReport(claim_.run_id, 1));
  auto result =
      store_->IngestReport("a", FailedReport(claim_.run_id, 2, benchd::v1::FAILURE_KIND_MEASUREMENT,
                                             "model does not fit in 256 KiB"));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->finished_sweep_id, sweep_id_);

  auto experiments = store_->ListExperiments(sweep_id_);
  ASSERT_TRUE(experiments.ok());
  const auto& experiment = (*experiments)[0];
  EXPECT_EQ(experiment.id(), claim_.experiment_id);
  EXPECT_EQ(experiment.state(), benchd::v1::EXPERIMENT_STATE_FAILED);
  EXPECT_EQ(experiment.attempts(), 1);  // 3 allowed, none used again
  EXPECT_EQ(experiment.error(), "model does not fit in 256 KiB");
  EXPECT_EQ(RunValue("state"), "failed");
  EXPECT_EQ(RunValue("failure_kind"), "measurement");
  // The next claim moves on to another experiment.
  EXPECT_NE(MustClaim("a", "cpu0").experiment_id, claim_.experiment_id);
}

TEST_F(IngestTest, InfrastructureFailureRequeuesTheExperiment) {
  Ingest("a", FailedReport(claim_.run_id, 1, benchd::v1::FAILURE_KIND_INFRASTRUCTURE,
                           "trtexec crashed"));
  EXPECT_EQ(ExperimentState(sweep_id_, claim_.experiment_id), benchd::v1::EXPERIMENT_STATE_PENDING);
  // It waits out the first backoff (1 s by default) before it can be claimed.
  const std::string id = std::to_string(claim_.experiment_id);
  EXPECT_EQ(Value("SELECT not_before > now() + interval '500 milliseconds' FROM experiments WHERE id = " + id), "t");
  EXPECT_NE(MustClaim("a", "cpu1").experiment_id, claim_.experiment_id);
  // As if the backoff had passed.
  Value("UPDATE experiments SET not_before = now() WHERE id = " + id + " RETURNING 1");
  const Claim retry = MustClaim("a", "cpu0");
  EXPECT_EQ(retry.experiment_id, claim_.experiment_id);
  EXPECT_EQ(retry.attempt, 2);
}

TEST_F(IngestTest, ReportsOfAnotherAgentsRunAreRejectedAndNotStored) {
  auto result = store_->IngestReport("b", LatencyReport(claim_.run_id, 1, 0, 0, {1, 2, 3}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->outcome, IngestOutcome::kRejected);
  EXPECT_NE(result->reason.find("agent 'a'"), std::string::npos) << result->reason;
  EXPECT_EQ(Value("SELECT count(*) FROM run_reports"), "0");
  EXPECT_EQ(Value("SELECT count(*) FROM latency_samples"), "0");

  result = store_->IngestReport("a", StartedReport(987654, 1));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->outcome, IngestOutcome::kRejected);
  EXPECT_NE(result->reason.find("does not exist"), std::string::npos) << result->reason;
}

TEST_F(IngestTest, ReplayAfterTheRunFinishedIsAckedButNewReportsAreRejected) {
  Ingest("a", StartedReport(claim_.run_id, 1));
  Ingest("a", SucceededReport(claim_.run_id, 2));
  // The acks were lost; the agent replays its spool.
  Ingest("a", StartedReport(claim_.run_id, 1), IngestOutcome::kDuplicate);
  Ingest("a", SucceededReport(claim_.run_id, 2), IngestOutcome::kDuplicate);
  Ingest("a", LatencyReport(claim_.run_id, 3, 0, 0, {1.0}), IngestOutcome::kRejected);
  EXPECT_EQ(RunValue("state"), "succeeded");
}

TEST_F(IngestTest, ReportsOfALostRunAreRejected) {
  ASSERT_TRUE(store_->RegisterAgent(MakeHello("a", {"cpu0"})).ok());  // forgets the run
  Ingest("a", StartedReport(claim_.run_id, 1), IngestOutcome::kRejected);
  EXPECT_EQ(RunValue("state"), "lost");
}

TEST_F(IngestTest, MalformedReportsAreInvalid) {
  benchd::v1::Report empty;
  empty.set_run_id(claim_.run_id);
  empty.set_seq(1);
  EXPECT_EQ(store_->IngestReport("a", empty).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->IngestReport("a", StartedReport(claim_.run_id, 0)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      store_->IngestReport("a", LatencyReport(claim_.run_id, 1, 0, 0, {1, 2}, {1})).status().code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(IngestTest, AgentTextThatIsNotUtf8IsStillStored) {
  benchd::v1::Report log;
  log.set_run_id(claim_.run_id);
  log.set_seq(1);
  log.mutable_log_line()->set_level("warn");
  log.mutable_log_line()->set_text(std::string("bad \xff\xfe bytes and a \0 nul", 24));
  Ingest("a", log);
  benchd::v1::Report failed =
      FailedReport(claim_.run_id, 2, benchd::v1::FAILURE_KIND_MEASUREMENT, "tool said \xc3(");
  (*failed.mutable_run_finished()->mutable_environment()->mutable_entries())["k\xff"] = "v\xfe";
  Ingest("a", failed);
  EXPECT_EQ(Value("SELECT message FROM events WHERE kind = 'agent_log'"),
            "[warn] bad \xEF\xBF\xBD\xEF\xBF\xBD bytes and a  nul");
  EXPECT_EQ(RunValue("error"), "tool said \xEF\xBF\xBD(");
}

TEST_F(IngestTest, StoredReportsExtendTheLease) {
  ASSERT_TRUE(db_.Query("UPDATE runs SET lease_expires_at = now() + interval '1 second'").ok());
  Ingest("a", StartedReport(claim_.run_id, 1));
  EXPECT_GT(std::stod(RunValue("extract(epoch FROM lease_expires_at - now())")), 30);
}

}  // namespace
}  // namespace benchd::daemon

namespace benchd::daemon {
namespace {

class BatchIngestTest : public PgStoreTest {
 protected:
  void SetUp() override {
    PgStoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(store_->RegisterAgent(MakeHello("a", {"cpu0", "cpu1"})).ok());
    CreateSweep(2);
    first_ = MustClaim("a", "cpu0");
    second_ = MustClaim("a", "cpu1");
  }
  Claim first_, second_;
};

TEST_F(BatchIngestTest, ReportsOfSeveralRunsAreStoredInOrderInOneCall) {
  auto results = store_->IngestReports(
      "a", {StartedReport(first_.run_id, 1), LatencyReport(first_.run_id, 2, 0, 0, {1, 2, 3}),
            StartedReport(second_.run_id, 1), SucceededReport(first_.run_id, 3),
            // A replay inside the same batch is a duplicate, as it would be alone.
            LatencyReport(first_.run_id, 2, 0, 0, {1, 2, 3})});
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 5u);
  EXPECT_EQ((*results)[3].finished_sweep_id.has_value(), true);
  EXPECT_EQ((*results)[4].outcome, IngestOutcome::kDuplicate);
  EXPECT_EQ(Value("SELECT state FROM runs WHERE id = " + std::to_string(first_.run_id)), "succeeded");
  EXPECT_EQ(Value("SELECT state FROM runs WHERE id = " + std::to_string(second_.run_id)), "running");
  EXPECT_EQ(*store_->CountLatencySamples(first_.run_id), 3);
}

TEST_F(BatchIngestTest, ARejectedReportDoesNotStopTheOthers) {
  auto results = store_->IngestReports("a", {StartedReport(first_.run_id, 1), StartedReport(987654, 1),
                                             StartedReport(second_.run_id, 1)});
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[0].outcome, IngestOutcome::kStored);
  EXPECT_EQ((*results)[1].outcome, IngestOutcome::kRejected);
  EXPECT_EQ((*results)[2].outcome, IngestOutcome::kStored);
}

TEST_F(BatchIngestTest, AnInvalidReportFailsTheBatchBeforeAnythingIsStored) {
  benchd::v1::Report empty;
  empty.set_run_id(second_.run_id);
  empty.set_seq(1);
  auto results = store_->IngestReports("a", {StartedReport(first_.run_id, 1), empty});
  EXPECT_EQ(results.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Value("SELECT count(*) FROM run_reports"), "0");
}

}  // namespace
}  // namespace benchd::daemon

namespace benchd::daemon {
namespace {

// Reports of several runs, and of several agents at once, stored in one
// transaction.
class SharedTransactionTest : public PgStoreTest {
 protected:
  std::string RunValue(int64_t run_id, const std::string& column) {
    return Value("SELECT " + column + " FROM runs WHERE id = " + std::to_string(run_id));
  }
  // Agents agent-0 ... with one device, cpu0, each.
  std::vector<std::string> RegisterAgents(int count) {
    std::vector<std::string> names;
    for (int i = 0; i < count; ++i) {
      names.push_back("agent-" + std::to_string(i));
      EXPECT_TRUE(store_->RegisterAgent(MakeHello(names.back(), {"cpu0"})).ok());
    }
    return names;
  }
  std::string DeviceFailures(const std::string& agent, const std::string& device) {
    return Value("SELECT d.consecutive_failures FROM devices d JOIN agents a ON a.id = d.agent_id WHERE a.name = '" +
                 agent + "' AND d.name = '" + device + "'");
  }
};

TEST_F(SharedTransactionTest, AShortRunsStartAndFinishInOneBatchAreStoredWithBothEventsInOrder) {
  ASSERT_TRUE(store_->RegisterAgent(MakeHello("a", {"cpu0"})).ok());
  CreateSweep(1);
  const Claim claim = MustClaim("a", "cpu0");
  auto results = store_->IngestReports("a", {StartedReport(claim.run_id, 1), SucceededReport(claim.run_id, 2)});
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[0].outcome, IngestOutcome::kStored);
  EXPECT_EQ((*results)[1].outcome, IngestOutcome::kStored);
  EXPECT_EQ(RunValue(claim.run_id, "state"), "succeeded");
  EXPECT_EQ(RunValue(claim.run_id, "started_at IS NOT NULL AND started_at <= finished_at"), "t");
  EXPECT_EQ(Value("SELECT string_agg(kind, ',' ORDER BY id) FROM events WHERE run_id = " +
                  std::to_string(claim.run_id)),
            "run_assigned,run_started,run_succeeded");
  // Replays of both, together or alone, change nothing.
  results = store_->IngestReports("a", {StartedReport(claim.run_id, 1), SucceededReport(claim.run_id, 2)});
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[0].outcome, IngestOutcome::kDuplicate);
  EXPECT_EQ((*results)[1].outcome, IngestOutcome::kDuplicate);
  EXPECT_EQ(Value("SELECT count(*) FROM events WHERE run_id = " + std::to_string(claim.run_id)), "3");
}

// Starts, successes and the ledger are written by one statement, a failure
// after them: each run ends as it would alone, and the events keep the
// batch's order (unfolded starts, then successes, then the failure).
TEST_F(SharedTransactionTest, StartsSuccessesAndAFailureOfDifferentRunsInOneBatch) {
  ASSERT_TRUE(store_->RegisterAgent(MakeHello("a", {"cpu0", "cpu1", "cpu2", "cpu3"})).ok());
  CreateSweep(4);
  const Claim started = MustClaim("a", "cpu0");
  const Claim short_run = MustClaim("a", "cpu1");
  const Claim finishing = MustClaim("a", "cpu2");
  const Claim failing = MustClaim("a", "cpu3");
  Ingest("a", StartedReport(finishing.run_id, 1));
  ASSERT_TRUE(db_.Query("UPDATE runs SET lease_expires_at = now() + interval '1 second'").ok());
  auto results = store_->IngestReports(
      "a", {StartedReport(started.run_id, 1), StartedReport(short_run.run_id, 1),
            SucceededReport(short_run.run_id, 2), SucceededReport(finishing.run_id, 2),
            StartedReport(failing.run_id, 1),
            FailedReport(failing.run_id, 2, benchd::v1::FAILURE_KIND_MEASUREMENT, "model does not fit")});
  ASSERT_TRUE(results.ok()) << results.status();
  for (const IngestResult& result : *results) EXPECT_EQ(result.outcome, IngestOutcome::kStored);
  EXPECT_EQ(RunValue(started.run_id, "state"), "running");
  EXPECT_EQ(RunValue(started.run_id, "started_at IS NOT NULL"), "t");
  EXPECT_GT(std::stod(RunValue(started.run_id, "extract(epoch FROM lease_expires_at - now())")), 30);
  EXPECT_EQ(RunValue(short_run.run_id, "state"), "succeeded");
  EXPECT_EQ(RunValue(short_run.run_id, "started_at IS NOT NULL AND started_at <= finished_at"), "t");
  EXPECT_EQ(RunValue(finishing.run_id, "state"), "succeeded");
  EXPECT_EQ(RunValue(failing.run_id, "state"), "failed");
  EXPECT_EQ(RunValue(failing.run_id, "started_at IS NOT NULL"), "t");
  EXPECT_EQ(Value("SELECT string_agg(state, ',' ORDER BY id) FROM experiments"), "running,succeeded,succeeded,failed");
  EXPECT_EQ(Value("SELECT count(*) FROM run_reports"), "7");
  EXPECT_EQ(Value("SELECT string_agg(kind || ':' || run_id, ',' ORDER BY id) FROM events WHERE kind NOT IN "
                  "('run_assigned') AND id > (SELECT max(id) FROM events WHERE kind = 'run_started' AND run_id = " +
                  std::to_string(finishing.run_id) + ")"),
            fmt::format("run_started:{0},run_started:{3},run_started:{1},run_succeeded:{1},run_succeeded:{2},"
                        "run_failed:{3}",
                        started.run_id, short_run.run_id, finishing.run_id, failing.run_id));
}

TEST_F(SharedTransactionTest, AReportAfterItsRunFinishedInTheSameBatchIsRejected) {
  ASSERT_TRUE(store_->RegisterAgent(MakeHello("a", {"cpu0"})).ok());
  CreateSweep(1);
  const Claim claim = MustClaim("a", "cpu0");
  auto results = store_->IngestReports("a", {StartedReport(claim.run_id, 1), SucceededReport(claim.run_id, 2),
                                             LatencyReport(claim.run_id, 3, 0, 0, {1, 2})});
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[2].outcome, IngestOutcome::kRejected);
  EXPECT_EQ(*store_->CountLatencySamples(claim.run_id), 0);
  EXPECT_EQ(Value("SELECT count(*) FROM events WHERE kind = 'report_rejected'"), "1");
}

// Both runs on one device: what the device's failure count ends at depends
// on the order of their results, which the batch must keep.
TEST_F(SharedTransactionTest, ASuccessAndAFailureOnOneDeviceCountInTheOrderTheyCame) {
  ASSERT_TRUE(store_->RegisterAgent(MakeHello("a", {"cpu0"})).ok());
  CreateSweep(4);
  const Claim first = MustClaim("a", "cpu0");
  const Claim second = MustClaim("a", "cpu0");
  auto results = store_->IngestReports(
      "a", {SucceededReport(first.run_id, 1),
            FailedReport(second.run_id, 1, benchd::v1::FAILURE_KIND_INFRASTRUCTURE, "board did not answer")});
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(DeviceFailures("a", "cpu0"), "1");

  const Claim third = MustClaim("a", "cpu0");
  const Claim fourth = MustClaim("a", "cpu0");
  results = store_->IngestReports(
      "a", {FailedReport(third.run_id, 1, benchd::v1::FAILURE_KIND_INFRASTRUCTURE, "board did not answer"),
            SucceededReport(fourth.run_id, 1)});
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(DeviceFailures("a", "cpu0"), "0");
}

TEST_F(SharedTransactionTest, AgentsReportsAreStoredInOneTransaction) {
  constexpr int kAgents = 4;
  const std::vector<std::string> names = RegisterAgents(kAgents);
  CreateSweep(kAgents);
  std::vector<std::vector<benchd::v1::Report>> reports;
  std::string run_ids;
  for (int i = 0; i < kAgents; ++i) {
    const Claim claim = MustClaim(names[i], "cpu0");
    reports.push_back({StartedReport(claim.run_id, 1), SucceededReport(claim.run_id, 2)});
    run_ids += (i ? "," : "") + std::to_string(claim.run_id);
  }
  std::vector<AgentReports> batches;
  for (int i = 0; i < kAgents; ++i) batches.push_back({names[i], reports[i]});
  for (const auto& result : store_->IngestReportsOfAgents(batches).results) ASSERT_TRUE(result.ok()) << result.status();
  // Rows written by one transaction carry its id.
  EXPECT_EQ(Value("SELECT count(DISTINCT xmin::text) FROM runs WHERE id IN (" + run_ids + ")"), "1");
  EXPECT_EQ(Value("SELECT count(*) FROM runs WHERE state = 'succeeded'"), std::to_string(kAgents));
}

// The worker claims the next experiment for a device whose run finished in
// the transaction that stores the finish (Scheduler::PlanNextRuns).
TEST_F(SharedTransactionTest, ClaimsAskedForAfterTheReportsAreMadeInTheSameTransaction) {
  ASSERT_TRUE(store_->RegisterAgent(MakeHello("a", {"cpu0"})).ok());
  CreateSweep(3);
  const Claim first = MustClaim("a", "cpu0");
  auto groups = store_->LoadWorkGroups();
  ASSERT_TRUE(groups.ok()) << groups.status();
  const std::vector<benchd::v1::Report> reports = {StartedReport(first.run_id, 1), SucceededReport(first.run_id, 2)};
  int calls = 0;
  const auto claim_next = [&](const std::vector<const AgentReports*>& stored,
                              const std::vector<std::vector<IngestResult>>& results) {
    ++calls;
    EXPECT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0]->agent_name, "a");
    EXPECT_EQ(results[0].size(), 2u);
    EXPECT_EQ(results[0][1].outcome, IngestOutcome::kStored);
    // Inside the transaction: the finish is stored.
    return std::vector<ClaimRequest>{
        {{"a", "cpu0", "host-cpu"}, {&(*groups)[0]}, "{}", std::chrono::milliseconds(60000)}};
  };
  const IngestedBatches ingested = store_->IngestReportsOfAgents({{"a", reports}}, claim_next);
  ASSERT_TRUE(ingested.results[0].ok()) << ingested.results[0].status();
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(ingested.claimed);
  ASSERT_EQ(ingested.claims.size(), 1u);
  ASSERT_TRUE(ingested.claims[0].claim.has_value());
  const Claim& next = *ingested.claims[0].claim;
  EXPECT_NE(next.experiment_id, first.experiment_id);
  EXPECT_EQ(RunValue(first.run_id, "state"), "succeeded");
  EXPECT_EQ(RunValue(next.run_id, "state || ':' || device"), "assigned:cpu0");
  // One transaction wrote the finish and the new run.
  EXPECT_EQ(RunValue(first.run_id, "xmin::text"), RunValue(next.run_id, "xmin::text"));
}

TEST_F(SharedTransactionTest, WhenTheSharedTransactionFailsNoClaimIsMadeAndEachAgentIsStoredAlone) {
  ASSERT_TRUE(store_->RegisterAgent(MakeHello("good", {"cpu0"})).ok());
  ASSERT_TRUE(store_->RegisterAgent(MakeHello("bad", {"cpu0"})).ok());
  CreateSweep(4);
  const Claim good = MustClaim("good", "cpu0");
  const Claim bad = MustClaim("bad", "cpu0");
  auto groups = store_->LoadWorkGroups();
  ASSERT_TRUE(groups.ok()) << groups.status();
  benchd::v1::Report refused = SucceededReport(bad.run_id, 1);
  refused.mutable_run_finished()->mutable_summary()->set_latency_kind(static_cast<benchd::v1::LatencyKind>(70000));
  const std::vector<benchd::v1::Report> good_reports = {SucceededReport(good.run_id, 1)};
  const std::vector<benchd::v1::Report> bad_reports = {refused};
  const auto claim_next = [&](const std::vector<const AgentReports*>&, const std::vector<std::vector<IngestResult>>&) {
    return std::vector<ClaimRequest>{
        {{"good", "cpu0", "host-cpu"}, {&(*groups)[0]}, "{}", std::chrono::milliseconds(60000)}};
  };
  const IngestedBatches ingested =
      store_->IngestReportsOfAgents({{"good", good_reports}, {"bad", bad_reports}}, claim_next);
  EXPECT_TRUE(ingested.results[0].ok()) << ingested.results[0].status();
  EXPECT_FALSE(ingested.results[1].ok());
  EXPECT_FALSE(ingested.claimed);
  EXPECT_TRUE(ingested.claims.empty());
  EXPECT_EQ(RunValue(good.run_id, "state"), "succeeded");
  // The claim was rolled back with the shared transaction: the two runs only.
  EXPECT_EQ(Value("SELECT count(*) FROM runs"), "2");
}

// Agents' reports stored together: each agent's result is its own, and a
// batch the database refuses (or an invalid one) fails alone and stores
// nothing of its own.
TEST_F(SharedTransactionTest, AgentsStoredTogetherGetTheirOwnResults) {
  constexpr int kAgents = 6;
  const std::vector<std::string> names = RegisterAgents(kAgents);
  CreateSweep(kAgents);
  std::vector<Claim> claims;
  for (int i = 0; i < kAgents; ++i) claims.push_back(MustClaim(names[i], "cpu0"));

  constexpr int kRefused = 3;
  constexpr int kInvalid = 4;
  std::vector<std::vector<benchd::v1::Report>> reports;
  for (int i = 0; i < kAgents; ++i) {
    benchd::v1::Report finished = SucceededReport(claims[i].run_id, 2);
    // A latency kind past smallint: valid to the agent's proto, refused by
    // the database.
    if (i == kRefused) {
      finished.mutable_run_finished()->mutable_summary()->set_latency_kind(
          static_cast<benchd::v1::LatencyKind>(70000));
    }
    if (i == kInvalid) finished.set_seq(0);
    reports.push_back({StartedReport(claims[i].run_id, 1), finished});
  }
  std::vector<AgentReports> batches;
  for (int i = 0; i < kAgents; ++i) batches.push_back({names[i], reports[i]});
  const auto results = store_->IngestReportsOfAgents(batches).results;
  ASSERT_EQ(results.size(), static_cast<size_t>(kAgents));
  for (int i = 0; i < kAgents; ++i) {
    if (i == kRefused || i == kInvalid) {
      EXPECT_FALSE(results[i].ok()) << "agent " << i;
      EXPECT_EQ(RunValue(claims[i].run_id, "state"), "assigned") << "agent " << i;
      continue;
    }
    ASSERT_TRUE(results[i].ok()) << "agent " << i << ": " << results[i].status();
    EXPECT_EQ((*results[i])[1].outcome, IngestOutcome::kStored);
    EXPECT_EQ(RunValue(claims[i].run_id, "state"), "succeeded") << "agent " << i;
  }
  EXPECT_EQ(results[kInvalid].status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Value("SELECT count(*) FROM run_reports"), std::to_string(2 * (kAgents - 2)));
}

}  // namespace
}  // namespace benchd::daemon
