#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "spdlog/fmt/fmt.h"
#include "tests/integration/store/store_fixture.h"

namespace benchd::daemon {
namespace {

using google::protobuf::util::MessageDifferencer;

NewExperiment TypedExperiment(int ordinal) {
  NewExperiment experiment;
  experiment.ordinal = ordinal;
  experiment.platform = ordinal % 2 == 0 ? "host-cpu" : "tx2";
  auto& values = *experiment.parameters.mutable_values();
  values["model"].set_string_value("mlp-\"quoted\"\t\\ü");
  values["batch"].set_int_value(int64_t{1} << (ordinal + 40));
  values["pruning"].set_double_value(12.5 + ordinal);
  values["scale"].set_double_value(1.0);  // an integral double stays a double
  values["tiny"].set_double_value(0.1 + 0.2);
  values["fused"].set_bool_value(ordinal % 2 == 0);
  experiment.settings.set_warmup(3);
  experiment.settings.set_iterations(100 + ordinal);
  experiment.settings.set_repeats(2);
  experiment.settings.set_timeout_ms(600000);
  experiment.max_attempts = 2;
  return experiment;
}

TEST_F(PgStoreTest, CreateSweepAndListExperimentsRoundTripTypedParameters) {
  NewSweep sweep{"typed", "name: typed\nmatrix: {}\n", {}};
  for (int i = 0; i < 4; ++i) sweep.experiments.push_back(TypedExperiment(i));
  auto sweep_id = store_->CreateSweep(sweep);
  ASSERT_TRUE(sweep_id.ok()) << sweep_id.status();

  auto experiments = store_->ListExperiments(*sweep_id);
  ASSERT_TRUE(experiments.ok()) << experiments.status();
  ASSERT_EQ(experiments->size(), 4u);
  for (int i = 0; i < 4; ++i) {
    const auto& experiment = (*experiments)[i];
    EXPECT_EQ(experiment.sweep_id(), *sweep_id);
    EXPECT_EQ(experiment.ordinal(), i);
    EXPECT_EQ(experiment.platform(), sweep.experiments[i].platform);
    EXPECT_EQ(experiment.state(), benchd::v1::EXPERIMENT_STATE_PENDING);
    EXPECT_EQ(experiment.attempts(), 0);
    EXPECT_TRUE(
        MessageDifferencer::Equals(experiment.parameters(), sweep.experiments[i].parameters))
        << experiment.parameters().DebugString();
    EXPECT_EQ(experiment.parameters().values().at("scale").kind_case(),
              benchd::v1::ParamValue::kDoubleValue);
  }

  // The settings come back with the claim.
  auto claim = ClaimNext(*store_, {"a", "cpu0", "tx2"}, std::chrono::minutes(1));
  ASSERT_TRUE(claim.ok() && claim->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals((*claim)->settings, sweep.experiments[1].settings));
  EXPECT_TRUE(MessageDifferencer::Equals((*claim)->parameters, sweep.experiments[1].parameters));
}

TEST_F(PgStoreTest, GetSweepAndListSweepsReportProgress) {
  const int64_t first = CreateSweep(3);
  const int64_t second = CreateSweep(2, "tx2");
  MustClaim("a", "cpu0");

  auto sweep = store_->GetSweep(first);
  ASSERT_TRUE(sweep.ok()) << sweep.status();
  EXPECT_EQ(sweep->id(), first);
  EXPECT_EQ(sweep->name(), "sweep-host-cpu");
  EXPECT_EQ(sweep->source(), "name: sweep\n");
  EXPECT_GT(sweep->submitted_at().seconds(), 1700000000);
  EXPECT_EQ(sweep->progress().total(), 3);
  EXPECT_EQ(sweep->progress().pending(), 2);
  EXPECT_EQ(sweep->progress().running(), 1);
  EXPECT_EQ(sweep->progress().eta_ms(), 0);  // nothing finished yet

  auto sweeps = store_->ListSweeps();
  ASSERT_TRUE(sweeps.ok()) << sweeps.status();
  ASSERT_EQ(sweeps->size(), 2u);
  EXPECT_EQ((*sweeps)[0].id(), first);
  EXPECT_EQ((*sweeps)[1].id(), second);
  EXPECT_EQ((*sweeps)[1].progress().pending(), 2);

  auto progress = store_->GetProgress(second);
  ASSERT_TRUE(progress.ok());
  EXPECT_EQ(progress->total(), 2);
}

// Pages by experiment id: what a large sweep's listing is fetched in.
TEST_F(PgStoreTest, ExperimentsAndResultsComeInPagesInIdOrder) {
  ASSERT_TRUE(store_->RegisterAgent(MakeHello("a", {"cpu0"})).ok());
  CreateSweep(2);  // another sweep's experiments must not show
  const int64_t sweep_id = CreateSweep(5);
  auto all = store_->ListExperiments(sweep_id);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 5u);
  std::vector<int64_t> paged;
  for (int64_t after = 0;;) {
    auto page = store_->ListExperiments(sweep_id, {.after_id = after, .limit = 2});
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_LE(page->size(), 2u);
    for (const auto& experiment : *page) paged.push_back(experiment.id());
    if (page->size() < 2) break;
    after = page->back().id();
  }
  std::vector<int64_t> ids;
  for (const auto& experiment : *all) ids.push_back(experiment.id());
  EXPECT_EQ(paged, ids);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));

  // Three of the five succeed, one is still running.
  for (int succeeded = 0, claims = 0; succeeded < 3 && claims < 7; ++claims) {
    const Claim claim = MustClaim("a", "cpu0");
    if (claim.sweep_id != sweep_id) continue;
    Ingest("a", SucceededReport(claim.run_id, 1));
    ++succeeded;
  }
  MustClaim("a", "cpu0");
  auto results = store_->QueryResults(sweep_id);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 3u);
  auto first = store_->QueryResults(sweep_id, {.after_id = 0, .limit = 2});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 2u);
  auto rest = store_->QueryResults(sweep_id, {.after_id = first->back().experiment_id(), .limit = 2});
  ASSERT_TRUE(rest.ok()) << rest.status();
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ(rest->front().experiment_id(), results->back().experiment_id());
  EXPECT_EQ((*first)[0].experiment_id(), (*results)[0].experiment_id());
}

TEST_F(PgStoreTest, UnknownSweepIsNotFound) {
  EXPECT_EQ(store_->GetSweep(424242).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetProgress(424242).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->ListExperiments(424242).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->QueryResults(424242).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->CountLatencySamples(424242).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(PgStoreTest, RejectsInvalidSweepsWithoutStoringThem) {
  NewSweep duplicate{"dup", "", {TypedExperiment(0), TypedExperiment(0)}};
  EXPECT_EQ(store_->CreateSweep(duplicate).status().code(), absl::StatusCode::kInvalidArgument);
  NewSweep no_platform{"bad", "", {TypedExperiment(0)}};
  no_platform.experiments[0].platform.clear();
  EXPECT_EQ(store_->CreateSweep(no_platform).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Value("SELECT count(*) FROM sweeps"), "0");
  // Ordinals need not come in order, but each only once.
  NewSweep shuffled{"shuffled", "", {TypedExperiment(2), TypedExperiment(0), TypedExperiment(2)}};
  auto rejected = store_->CreateSweep(shuffled);
  EXPECT_EQ(rejected.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(rejected.status().message().find("ordinal 2 appears twice"), std::string::npos) << rejected.status();
  NewSweep reordered{"reordered", "", {TypedExperiment(1), TypedExperiment(0)}};
  EXPECT_TRUE(store_->CreateSweep(reordered).ok());
}

// Pre-rendered JSON parameters (what PlanSweep passes) are stored as given,
// and experiments with equal settings share one run_settings row.
TEST_F(PgStoreTest, StoresPreRenderedParametersAndSharesSettings) {
  NewSweep sweep{"json", "", {TypedExperiment(0), TypedExperiment(1), TypedExperiment(2)}};
  for (auto& experiment : sweep.experiments) experiment.settings.set_iterations(7);
  sweep.experiments[1].parameters.Clear();
  sweep.experiments[1].parameters_json = R"({"batch":8,"model":"a\tb \"q\" \\"})";
  auto sweep_id = store_->CreateSweep(sweep);
  ASSERT_TRUE(sweep_id.ok()) << sweep_id.status();
  auto experiments = store_->ListExperiments(*sweep_id);
  ASSERT_TRUE(experiments.ok()) << experiments.status();
  ASSERT_EQ(experiments->size(), 3u);
  const auto& values = (*experiments)[1].parameters().values();
  EXPECT_EQ(values.at("batch").int_value(), 8);
  EXPECT_EQ(values.at("model").string_value(), "a\tb \"q\" \\");
  EXPECT_EQ(Value("SELECT parameters->>'model' FROM experiments WHERE ordinal = 1"), "a\tb \"q\" \\");
  EXPECT_EQ(Value("SELECT count(*) FROM run_settings"), "1");
}

// A sweep takes its experiment ids from the sequence in one block; sweeps
// stored at the same time get disjoint blocks.
TEST_F(PgStoreTest, ConcurrentSweepsGetDisjointBlocksOfExperimentIds) {
  std::thread other([&] { CreateSweep(20000, "tx2"); });
  CreateSweep(20000);
  other.join();
  EXPECT_EQ(Value("SELECT count(DISTINCT id) FROM experiments"), "40000");
  EXPECT_EQ(Value("SELECT count(DISTINCT id - ordinal) FROM experiments GROUP BY sweep_id LIMIT 1"), "1");
  EXPECT_EQ(Value("SELECT count(*) FROM (SELECT DISTINCT sweep_id, id - ordinal FROM experiments) blocks"), "2");
  // The sequence continues past both blocks.
  const int64_t next = CreateSweep(1);
  EXPECT_EQ(Value("SELECT id > (SELECT max(id) FROM experiments WHERE sweep_id <> " + std::to_string(next) +
                  ") FROM experiments WHERE sweep_id = " + std::to_string(next)),
            "t");
}

TEST_F(PgStoreTest, CreatesAHundredThousandExperimentSweepQuickly) {
  const auto start = std::chrono::steady_clock::now();
  const int64_t sweep_id = CreateSweep(100000);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  auto progress = store_->GetProgress(sweep_id);
  ASSERT_TRUE(progress.ok()) << progress.status();
  EXPECT_EQ(progress->total(), 100000);
  EXPECT_EQ(progress->pending(), 100000);
  // Row-by-row INSERTs take tens of seconds for this; COPY takes about one.
  EXPECT_LT(elapsed, std::chrono::seconds(15));
  // The claim index keeps claiming cheap on a large queue.
  auto claim = ClaimNext(*store_, {"a", "cpu0", "host-cpu"}, std::chrono::minutes(1));
  ASSERT_TRUE(claim.ok() && claim->has_value());
  EXPECT_EQ((*claim)->parameters.values().at("batch").int_value(), 0);
}

// A sweep's experiments live in tables of their own, attached as partitions
// of experiments; a large one is split in two, filled over two connections
// at once. The indexes built after the COPY must be the partitioned ones
// (attaching would otherwise build each a second time).
TEST_F(PgStoreTest, LargeSweepIsStoredInTwoPartitionsCarryingTheSharedIndexes) {
  PgStore store(PgStoreOptions{.dsn = db_.dsn(), .parallel_store_from = 10});
  ASSERT_TRUE(store.Open().ok());
  NewSweep sweep{"split", "", {}};
  for (int i = 0; i < 11; ++i) sweep.experiments.push_back(TypedExperiment(i));
  auto sweep_id = store.CreateSweep(sweep);
  ASSERT_TRUE(sweep_id.ok()) << sweep_id.status();
  const std::string parts = "SELECT c.oid, c.relname FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid "
                            "WHERE h.inhparent = 'experiments'::regclass AND c.relname ~ '^experiments_sweep_[0-9]'";
  EXPECT_EQ(Value("SELECT string_agg(p.relname || ':' || (SELECT count(*) FROM pg_index i WHERE i.indrelid = p.oid), "
                  "',' ORDER BY p.relname) FROM (" + parts + ") p"),
            fmt::format("experiments_sweep_{0}_1:3,experiments_sweep_{0}_2:3", *sweep_id));
  EXPECT_EQ(Value("SELECT count(*) FROM pg_index i JOIN (" + parts + ") p ON p.oid = i.indrelid "
                  "JOIN pg_inherits h ON h.inhrelid = i.indexrelid"),
            "6");
  EXPECT_EQ(Value("SELECT count(*) FROM experiments_sweep_" + std::to_string(*sweep_id) + "_2"), "6");
  EXPECT_EQ(Value("SELECT count(*) FROM pg_constraint WHERE conname ~ '^experiments_sweep_.*_ids$'"), "0");
  EXPECT_EQ(Value("SELECT count(*) FROM sweep_part_staging"), "0");

  auto experiments = store.ListExperiments(*sweep_id);
  ASSERT_TRUE(experiments.ok()) << experiments.status();
  ASSERT_EQ(experiments->size(), 11u);
  for (int i = 0; i < 11; ++i) {
    EXPECT_EQ((*experiments)[i].ordinal(), i);
    EXPECT_TRUE(MessageDifferencer::Equals((*experiments)[i].parameters(), sweep.experiments[i].parameters));
  }
  // Claims cross the two tables in ordinal order.
  std::vector<int> claimed;
  for (;;) {
    auto claim = ClaimNext(store, {"a", "cpu0", "host-cpu"}, std::chrono::minutes(1));
    ASSERT_TRUE(claim.ok()) << claim.status();
    if (!claim->has_value()) break;
    claimed.push_back(std::stoi(Value("SELECT ordinal FROM experiments WHERE id = " +
                                      std::to_string((*claim)->experiment_id))));
    Value("UPDATE experiments SET state = 'succeeded' WHERE id = " + std::to_string((*claim)->experiment_id) +
          " RETURNING 1");
  }
  EXPECT_EQ(claimed, (std::vector<int>{0, 2, 4, 6, 8, 10}));
}

// Every sweep records its block of ids. A small one takes them from the
// shared partition's sequence; a large one from above 2^52, where its own
// tables are attached. Claims and progress reads name the block.
TEST_F(PgStoreTest, SweepsRecordTheirBlockOfIdsAndLargeOnesLiveAboveTheSharedPartition) {
  PgStore store(PgStoreOptions{.dsn = db_.dsn(), .parallel_store_from = 4});
  ASSERT_TRUE(store.Open().ok());
  std::vector<int64_t> sweep_ids;
  for (int size : {4, 3, 5}) {
    NewSweep sweep{"sweep", "", {}};
    for (int i = 0; i < size; ++i) {
      NewExperiment experiment = TypedExperiment(i);
      experiment.platform = "host-cpu";
      sweep.experiments.push_back(experiment);
    }
    auto id = store.CreateSweep(sweep);
    ASSERT_TRUE(id.ok()) << id.status();
    sweep_ids.push_back(*id);
  }
  const std::string blocks =
      "SELECT string_agg((s.first_experiment_id >= 4503599627370496)::text || ':' || "
      "(s.end_experiment_id - s.first_experiment_id) || ':' || "
      "(SELECT count(*) FROM experiments e WHERE e.sweep_id = s.id AND e.id >= s.first_experiment_id "
      "AND e.id < s.end_experiment_id), ',' ORDER BY s.id) FROM sweeps s";
  EXPECT_EQ(Value(blocks), "true:4:4,false:3:3,true:5:5");
  EXPECT_EQ(Value("SELECT count(*) FROM experiments_shared"), "3");
  for (size_t k = 0; k < sweep_ids.size(); ++k) {
    auto progress = store.GetProgress(sweep_ids[k]);
    ASSERT_TRUE(progress.ok()) << progress.status();
    EXPECT_EQ(progress->total(), std::vector<int>({4, 3, 5})[k]);
  }
  // Claims of each sweep find its experiments, in whichever partition.
  int claimed = 0;
  for (;;) {
    auto claim = ClaimNext(store, {"a", "cpu0", "host-cpu"}, std::chrono::minutes(1));
    ASSERT_TRUE(claim.ok()) << claim.status();
    if (!claim->has_value()) break;
    ++claimed;
    Value("UPDATE experiments SET state = 'succeeded' WHERE id = " + std::to_string((*claim)->experiment_id) +
          " RETURNING 1");
  }
  EXPECT_EQ(claimed, 12);
  NewSweep empty{"empty", "", {}};
  auto empty_id = store.CreateSweep(empty);
  ASSERT_TRUE(empty_id.ok()) << empty_id.status();
  auto progress = store.GetProgress(*empty_id);
  ASSERT_TRUE(progress.ok()) << progress.status();
  EXPECT_EQ(progress->total(), 0);
}

// A row the server refuses fails the whole sweep, whichever of the two
// connections meets it: no sweep, no experiments, no table left behind.
TEST_F(PgStoreTest, ASweepRefusedInEitherPartLeavesNothingBehind) {
  PgStore store(PgStoreOptions{.dsn = db_.dsn(), .parallel_store_from = 2});
  ASSERT_TRUE(store.Open().ok());
  for (int bad : {0, 3}) {  // in the first part [0, 2), then in the second [2, 4)
    NewSweep sweep{"bad", "", {}};
    for (int i = 0; i < 4; ++i) sweep.experiments.push_back(TypedExperiment(i));
    sweep.experiments[bad].parameters_json = R"({"batch": )";
    auto created = store.CreateSweep(sweep);
    ASSERT_FALSE(created.ok()) << "experiment " << bad;
    EXPECT_NE(created.status().message().find("json"), std::string::npos) << created.status();
  }
  EXPECT_EQ(Value("SELECT count(*) FROM sweeps"), "0");
  EXPECT_EQ(Value("SELECT count(*) FROM experiments"), "0");
  EXPECT_EQ(Value("SELECT count(*) FROM pg_class WHERE relname ~ '^experiments_sweep_[0-9]'"), "0");
  EXPECT_EQ(Value("SELECT count(*) FROM sweep_part_staging"), "0");
  NewSweep good{"good", "", {TypedExperiment(0), TypedExperiment(1), TypedExperiment(2)}};
  EXPECT_TRUE(store.CreateSweep(good).ok());
}

// A table the second connection committed for a coordinator that then died
// is dropped by the next Open once it is an hour old; a recent one may be
// about to be attached by another coordinator and stays.
TEST_F(PgStoreTest, OpenDropsAnHourOldTableStagedByACoordinatorThatDied) {
  for (const char* table : {"experiments_sweep_98_2", "experiments_sweep_99_2"}) {
    ASSERT_TRUE(db_.Query(std::string("CREATE TABLE ") + table + " (LIKE experiments)").ok());
  }
  ASSERT_TRUE(db_.Query("INSERT INTO sweep_part_staging (table_name, created_at) VALUES "
                        "('experiments_sweep_98_2', now() - interval '2 hours'), "
                        "('experiments_sweep_99_2', now() - interval '1 minute')")
                  .ok());
  ASSERT_TRUE(NewStore()->Open().ok());
  EXPECT_EQ(Value("SELECT to_regclass('experiments_sweep_98_2') IS NULL"), "t");
  EXPECT_EQ(Value("SELECT to_regclass('experiments_sweep_99_2') IS NULL"), "f");
  EXPECT_EQ(Value("SELECT string_agg(table_name, ',') FROM sweep_part_staging"), "experiments_sweep_99_2");
}

}  // namespace
}  // namespace benchd::daemon
