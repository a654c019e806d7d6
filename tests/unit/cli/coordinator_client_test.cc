// Tests for how the client turns gRPC failures into messages a user can act
// on, against a real loopback server and against a port with nobody there.

#include "cli/coordinator_client.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/cli/fake_coordinator.h"
#include "tests/unit/cli/test_data.h"

namespace benchd::cli {
namespace {

using ::benchd::cli::testing::DeadAddress;
using ::benchd::cli::testing::Event;
using ::benchd::cli::testing::FakeCoordinatorServer;
using ::benchd::cli::testing::MakeSweep;
using ::benchd::cli::testing::Progress;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST(CoordinatorClientTest, NobodyListeningIsUnavailableAndNamesTheAddress) {
  const std::string address = DeadAddress();
  auto client = CoordinatorClient::Connect({address, std::chrono::seconds(5)});
  absl::StatusOr<std::vector<benchd::v1::Sweep>> sweeps = client->ListSweeps();
  ASSERT_FALSE(sweeps.ok());
  EXPECT_EQ(sweeps.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Message(sweeps.status()),
            "coordinator at " + address + " is not reachable (is benchd running?)");
}

TEST(CoordinatorClientTest, UnavailableFromARunningCoordinatorKeepsItsReason) {
  FakeCoordinatorServer server;
  auto client = CoordinatorClient::Connect({server.address(), std::chrono::seconds(5)});
  // A first call that succeeds makes sure the channel is connected.
  ASSERT_TRUE(client->ListAgents().ok());
  server.service().FailEveryCall(grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down"));
  absl::StatusOr<benchd::v1::Sweep> sweep = client->GetSweep(1);
  ASSERT_FALSE(sweep.ok());
  EXPECT_EQ(sweep.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Message(sweep.status()),
            "coordinator at " + server.address() + " is unavailable: shutting down");
}

TEST(CoordinatorClientTest, SlowCoordinatorHitsTheCallDeadline) {
  FakeCoordinatorServer server;
  server.service().HoldCalls();
  auto client = CoordinatorClient::Connect({server.address(), std::chrono::milliseconds(200)});
  absl::StatusOr<std::vector<benchd::v1::Agent>> agents = client->ListAgents();
  server.service().Release();
  ASSERT_FALSE(agents.ok());
  EXPECT_EQ(agents.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(Message(agents.status()),
            "coordinator at " + server.address() + " did not answer within 200ms (see --timeout)");
}

TEST(CoordinatorClientTest, CoordinatorErrorsPassThroughUnchanged) {
  FakeCoordinatorServer server;
  auto client = CoordinatorClient::Connect({server.address(), std::chrono::seconds(5)});
  absl::StatusOr<benchd::v1::Sweep> sweep = client->GetSweep(99);
  ASSERT_FALSE(sweep.ok());
  EXPECT_EQ(sweep.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Message(sweep.status()), "sweep 99 not found");
}

TEST(CoordinatorClientTest, WatchDeliversEveryEventAndReturnsTheCompleteOne) {
  FakeCoordinatorServer server;
  server.service().SetWatchEvents(3, {Event(Progress(2, 0, 0, 1)), Event(Progress(2, 1, 0, 1)),
                                      Event(Progress(2, 2, 0, 0), true)});
  auto client = CoordinatorClient::Connect({server.address(), std::chrono::seconds(5)});
  std::vector<int64_t> succeeded;
  absl::StatusOr<benchd::v1::WatchSweepResponse> last =
      client->WatchSweep(3, [&](const benchd::v1::WatchSweepResponse& event) {
        succeeded.push_back(event.progress().succeeded());
      });
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_TRUE(last->complete());
  EXPECT_THAT(succeeded, ::testing::ElementsAre(0, 1, 2));
}

TEST(CoordinatorClientTest, WatchStreamEndingEarlyIsAnError) {
  FakeCoordinatorServer server;
  server.service().SetWatchEvents(3, {Event(Progress(2, 0, 0, 1))});
  auto client = CoordinatorClient::Connect({server.address(), std::chrono::seconds(5)});
  absl::StatusOr<benchd::v1::WatchSweepResponse> last =
      client->WatchSweep(3, [](const benchd::v1::WatchSweepResponse&) {});
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.status().code(), absl::StatusCode::kInternal);
}

TEST(CoordinatorClientTest, WatchOfUnknownSweepIsNotFound) {
  FakeCoordinatorServer server;
  auto client = CoordinatorClient::Connect({server.address(), std::chrono::seconds(5)});
  absl::StatusOr<benchd::v1::WatchSweepResponse> last =
      client->WatchSweep(5, [](const benchd::v1::WatchSweepResponse&) {});
  EXPECT_EQ(last.status().code(), absl::StatusCode::kNotFound);
}

TEST(CoordinatorClientTest, SubmitSendsTextAndFileName) {
  FakeCoordinatorServer server;
  server.service().SetSubmitAnswer(MakeSweep(4, "s", Progress(3, 0, 0, 0)));
  auto client = CoordinatorClient::Connect({server.address(), std::chrono::seconds(5)});
  absl::StatusOr<benchd::v1::Sweep> sweep = client->SubmitSweep("name: s\n", "dir/s.yaml");
  ASSERT_TRUE(sweep.ok()) << sweep.status();
  EXPECT_EQ(sweep->id(), 4);
  ASSERT_TRUE(server.service().last_submit().has_value());
  EXPECT_EQ(server.service().last_submit()->yaml(), "name: s\n");
  EXPECT_EQ(server.service().last_submit()->file_name(), "dir/s.yaml");
}

}  // namespace
}  // namespace benchd::cli

namespace benchd::cli {
namespace {

// More than a page of each: the client asks page after page until the last.
TEST(CoordinatorClientTest, ExperimentsAndResultsOfALargeSweepComeInPages) {
  constexpr int kCount = 2 * CoordinatorClient::kPageSize + 7;
  std::vector<benchd::v1::Experiment> experiments(kCount);
  std::vector<benchd::v1::Result> results(kCount);
  for (int i = 0; i < kCount; ++i) {
    experiments[i].set_id(100 + i);
    experiments[i].set_ordinal(i);
    results[i].set_experiment_id(100 + i);
  }
  FakeCoordinatorServer server;
  benchd::v1::Sweep sweep;
  sweep.set_id(4);
  server.service().AddSweep(sweep, experiments, results);
  auto client = CoordinatorClient::Connect({server.address(), std::chrono::seconds(5)});

  absl::StatusOr<std::vector<benchd::v1::Experiment>> listed = client->ListExperiments(4);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) ASSERT_EQ((*listed)[i].ordinal(), i);

  absl::StatusOr<std::vector<benchd::v1::Result>> queried = client->QueryResults(4);
  ASSERT_TRUE(queried.ok()) << queried.status();
  ASSERT_EQ(queried->size(), static_cast<size_t>(kCount));
  EXPECT_EQ(queried->back().experiment_id(), 100 + kCount - 1);
}

}  // namespace
}  // namespace benchd::cli
