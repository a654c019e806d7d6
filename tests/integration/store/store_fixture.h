#pragma once

// Fixtures and builders shared by the PgStore integration tests: each test
// gets a fresh database on the suite's PostgreSQL (tests/support).

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "daemon/core/scheduling_policy.h"
#include "daemon/store/pg_store.h"
#include "tests/support/test_database.h"

namespace benchd::daemon {

// What the scheduler does for one free device: load the work groups, rank
// them for the device (scheduling_policy.h) and claim from the best.
absl::StatusOr<std::optional<Claim>> ClaimNext(Store& store, const DeviceSlot& slot,
                                               std::chrono::milliseconds lease, const DeviceView& view = {},
                                               const std::string& domains_json = "{}",
                                               const std::vector<std::string>& required_parameters = {});

// A sweep of `count` host-cpu experiments, batch 1..count, point keys
// key-0.., one attempt each.
NewSweep HostCpuSweep(const std::string& name, int count, int priority = 0);

// A fresh, empty database; the store is not opened.
class StoreDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(db_.ok()) << db_.status(); }
  std::unique_ptr<PgStore> NewStore(int pool_size = 4) {
    return std::make_unique<PgStore>(PgStoreOptions{.dsn = db_.dsn(), .pool_size = pool_size});
  }
  // One value from SQL, as text; for state the Store API does not expose.
  std::string Value(const std::string& sql) { return db_.QueryValue(sql); }

  benchd::testing::TestDatabase db_;
};

// As above, with `store_` opened (schema migrated).
class PgStoreTest : public StoreDatabaseTest {
 protected:
  void SetUp() override {
    StoreDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    store_ = NewStore();
    absl::Status opened = store_->Open();
    ASSERT_TRUE(opened.ok()) << opened;
  }

  // Stores a sweep of `count` experiments on `platform` and returns its id.
  int64_t CreateSweep(int count, const std::string& platform = "host-cpu", int max_attempts = 3);
  // Claims one experiment for agent/device on `platform`; fails the test
  // when none is available.
  Claim MustClaim(const std::string& agent, const std::string& device,
                  const std::string& platform = "host-cpu",
                  std::chrono::milliseconds lease = std::chrono::minutes(1));
  // Ingests and expects `expected`.
  void Ingest(const std::string& agent, const benchd::v1::Report& report,
              IngestOutcome expected = IngestOutcome::kStored);
  benchd::v1::ExperimentState ExperimentState(int64_t sweep_id, int64_t experiment_id);

  std::unique_ptr<PgStore> store_;
};

benchd::v1::Hello MakeHello(const std::string& agent, const std::vector<std::string>& devices,
                            const std::vector<int64_t>& active_run_ids = {});

// Reports of one run; each builder takes the sequence number.
benchd::v1::Report StartedReport(int64_t run_id, int64_t seq);
benchd::v1::Report LatencyReport(int64_t run_id, int64_t seq, int repeat, int64_t first_index,
                                 const std::vector<double>& latency_us,
                                 const std::vector<int64_t>& t_ns = {});
benchd::v1::Report SucceededReport(int64_t run_id, int64_t seq);
benchd::v1::Report FailedReport(int64_t run_id, int64_t seq, benchd::v1::FailureKind kind,
                                const std::string& error);

}  // namespace benchd::daemon
