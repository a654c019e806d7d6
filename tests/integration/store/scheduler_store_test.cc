// The scheduler against the store: what its passes assign to the devices of
// a connected agent, whose session writes to a recording stream instead of
// a network connection.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>

#include "daemon/core/agent_registry.h"
#include "daemon/core/agent_session.h"
#include "daemon/core/scheduler.h"
#include "daemon/core/sweep_events.h"
#include "tests/integration/store/store_fixture.h"

namespace benchd::daemon {
namespace {

using namespace std::chrono_literals;

// The outbound half of an agent's Attach stream: keeps what is written.
class RecordingStream final : public AgentStream {
 public:
  void SendInitialMetadata() override {}
  bool NextMessageSize(uint32_t* size) override {
    *size = 0;
    return false;
  }
  bool Read(benchd::v1::AgentMessage*) override { return false; }
  bool Write(const benchd::v1::CoordinatorMessage& message, grpc::WriteOptions) override {
    {
      std::lock_guard lock(mutex_);
      written_.push_back(message);
    }
    wrote_.notify_all();
    return true;
  }

  // The first message `wanted` accepts written within `timeout`, if any.
  std::optional<benchd::v1::CoordinatorMessage> WaitFor(
      const std::function<bool(const benchd::v1::CoordinatorMessage&)>& wanted, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    const auto found = [&]() -> const benchd::v1::CoordinatorMessage* {
      for (const auto& message : written_) {
        if (wanted(message)) return &message;
      }
      return nullptr;
    };
    if (!wrote_.wait_for(lock, timeout, [&] { return found() != nullptr; })) return std::nullopt;
    return *found();
  }
  std::optional<benchd::v1::Assign> WaitForAssign(std::chrono::milliseconds timeout) {
    auto message = WaitFor([](const auto& message) { return message.has_assign(); }, timeout);
    return message ? std::optional(message->assign()) : std::nullopt;
  }

 private:
  std::mutex mutex_;
  std::condition_variable wrote_;
  std::vector<benchd::v1::CoordinatorMessage> written_;
};

// A connected agent as the scheduler sees it: registered in `agents`, its
// session writing to `stream`.
struct ConnectedAgent {
  explicit ConnectedAgent(const benchd::v1::Hello& hello)
      : session(std::make_shared<AgentSession>(hello, &context, &stream)) {
    agents.Add(session);
  }
  ~ConnectedAgent() { session->Close(); }

  AgentRegistry agents;
  SweepEvents events;
  grpc::ServerContext context;
  RecordingStream stream;
  std::shared_ptr<AgentSession> session;
};

class SchedulerStoreTest : public PgStoreTest {
 protected:
  // Two host-cpu experiments; `precision` empty leaves the parameter out.
  int64_t Sweep(const std::string& name, int priority, const std::string& precision) {
    NewSweep sweep = HostCpuSweep(name, 2, priority);
    for (NewExperiment& experiment : sweep.experiments) {
      if (!precision.empty()) (*experiment.parameters.mutable_values())["precision"].set_string_value(precision);
    }
    auto id = store_->CreateSweep(sweep);
    EXPECT_TRUE(id.ok()) << id.status();
    return id.ok() ? *id : -1;
  }
};

// A device tries a few groups per pass. Groups it cannot serve (their
// experiments lack a parameter its driver needs) keep their pending count,
// since other devices may take them; were they tried again every pass,
// they would hide the work behind them from this device for good.
TEST_F(SchedulerStoreTest, ADeviceNeedingAParameterReachesWorkBehindMoreGroupsThanItTriesInOnePass) {
  benchd::v1::Hello hello = MakeHello("a", {"cpu0"});
  hello.mutable_devices(0)->add_required_parameters("precision");
  ASSERT_TRUE(store_->RegisterAgent(hello).ok());
  constexpr size_t kGroupsPerClaim = 4;
  // Higher priority, so ranked first: more groups than one pass tries.
  for (size_t i = 0; i < kGroupsPerClaim + 2; ++i) Sweep("no-precision-" + std::to_string(i), 1, "");
  const int64_t runnable = Sweep("with-precision", 0, "FP32");

  ConnectedAgent agent(hello);
  Scheduler scheduler(*store_, agent.agents, agent.events, {.lease = 1min, .groups_per_claim = kGroupsPerClaim});
  scheduler.RunOnce();  // tries the first four groups: nothing for cpu0
  scheduler.RunOnce();  // the other two, then the runnable sweep
  const std::optional<benchd::v1::Assign> assign = agent.stream.WaitForAssign(10s);
  ASSERT_TRUE(assign.has_value()) << "cpu0 got no work";
  EXPECT_EQ(assign->device(), "cpu0");
  EXPECT_EQ(assign->parameters().values().at("precision").string_value(), "FP32");
  EXPECT_EQ(Value("SELECT sweep_id FROM experiments WHERE id = " + std::to_string(assign->experiment_id())),
            std::to_string(runnable));
  EXPECT_EQ(Value("SELECT count(*) FROM runs"), "1");
}

// A device whose probe failed gets no work, and is asked for a health check
// (a new probe) although it has no check command; once one passes, it works.
TEST_F(SchedulerStoreTest, AnUnavailableDeviceIsProbedAgainAndGetsWorkOnceThatPasses) {
  benchd::v1::Hello hello = MakeHello("a", {"cpu0"});
  hello.mutable_devices(0)->set_unavailable_reason("probe failed: UNAVAILABLE: no board");
  ASSERT_TRUE(store_->RegisterAgent(hello).ok());
  Sweep("waiting", 0, "FP32");

  ConnectedAgent agent(hello);
  Scheduler scheduler(*store_, agent.agents, agent.events, {.lease = 1min, .health_check_interval = 1h});
  scheduler.RunOnce();
  EXPECT_EQ(Value("SELECT count(*) FROM runs"), "0");  // nothing claimed for it
  const auto check = agent.stream.WaitFor([](const auto& message) { return message.has_health_check(); }, 10s);
  ASSERT_TRUE(check.has_value()) << "no health check for the unavailable device";
  EXPECT_EQ(check->health_check().device(), "cpu0");

  auto recovered = store_->RecordHealthCheck("a", "cpu0", true, "probe passed");
  ASSERT_TRUE(recovered.ok() && *recovered);
  scheduler.WorkChanged();
  scheduler.RunOnce();
  const std::optional<benchd::v1::Assign> assign = agent.stream.WaitForAssign(10s);
  ASSERT_TRUE(assign.has_value()) << "cpu0 got no work once available";
  EXPECT_EQ(assign->device(), "cpu0");
}

// After a failed run only the devices' health is reloaded before its device
// is freed, not the work groups (a second's query with a backlog of
// millions): enough to keep a device the failure quarantined from work.
TEST_F(SchedulerStoreTest, AFailedRunFreesItsDeviceAfterReloadingOnlyTheHealth) {
  PgStoreOptions options{.dsn = db_.dsn(), .pool_size = 2};
  options.quarantine_after = 2;
  PgStore store(options);
  ASSERT_TRUE(store.Open().ok());
  const benchd::v1::Hello hello = MakeHello("a", {"cpu0"});
  ASSERT_TRUE(store.RegisterAgent(hello).ok());
  Sweep("work", 0, "FP32");
  Sweep("more-work", 0, "FP32");

  ConnectedAgent agent(hello);
  Scheduler scheduler(store, agent.agents, agent.events, {.lease = 1min, .refresh = 1h});
  std::set<int64_t> assigned;
  const auto next_assign = [&] {
    auto message = agent.stream.WaitFor(
        [&](const auto& message) { return message.has_assign() && !assigned.count(message.assign().run_id()); }, 10s);
    if (message) assigned.insert(message->assign().run_id());
    return message ? message->assign().run_id() : int64_t{-1};
  };
  const auto fail = [&](int64_t run_id) {
    auto failed = store.IngestReport("a", FailedReport(run_id, 1, benchd::v1::FAILURE_KIND_INFRASTRUCTURE, "no answer"));
    ASSERT_TRUE(failed.ok()) << failed.status();
    scheduler.FreeAfterReload(agent.session, run_id);
  };

  scheduler.RunOnce();
  EXPECT_EQ(scheduler.work_group_loads(), 1);
  const int64_t first = next_assign();
  ASSERT_GT(first, 0);
  fail(first);
  scheduler.RunOnce();  // freed after the health: the device takes more work
  const int64_t second = next_assign();
  ASSERT_GT(second, 0);
  EXPECT_EQ(scheduler.work_group_loads(), 1);

  fail(second);  // the second in a row: quarantined
  scheduler.RunOnce();
  EXPECT_EQ(scheduler.work_group_loads(), 1);
  EXPECT_EQ(Value("SELECT count(*) FROM runs"), "2");  // nothing for a quarantined device
  ASSERT_EQ(agent.session->IdleDevices().size(), 1u);  // but free, for when it is back

  ASSERT_TRUE(store.SetDeviceEnabled("a", "cpu0", true).ok());
  scheduler.WorkChanged();
  scheduler.RunOnce();
  EXPECT_EQ(scheduler.work_group_loads(), 2);
  EXPECT_GT(next_assign(), 0);
}

}  // namespace
}  // namespace benchd::daemon
