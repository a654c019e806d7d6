// The real Agent against a scripted coordinator on a loopback port: leases,
// fencing attempts, heartbeat numbering, health checks and Hello's device
// fields, with real child processes (the command driver running `sh`).

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "agents/core/agent.h"
#include "benchd/v1/agent_service.grpc.pb.h"

namespace benchd::agent {
namespace {

using benchd::v1::AgentMessage;
using benchd::v1::CoordinatorMessage;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kHeartbeatMs = 100;

// Answers Hello with Welcome, acknowledges every report, optionally renews
// every lease on every heartbeat, and records what the agent sent.
class FakeCoordinator final : public benchd::v1::AgentService::Service {
 public:
  explicit FakeCoordinator(int64_t welcome_lease_ms) : welcome_lease_ms_(welcome_lease_ms) {}

  grpc::Status Attach(grpc::ServerContext*,
                      grpc::ServerReaderWriter<CoordinatorMessage, AgentMessage>* stream) override {
    AgentMessage incoming;
    if (!stream->Read(&incoming) || !incoming.has_hello()) return grpc::Status::OK;
    CoordinatorMessage welcome;
    welcome.mutable_welcome()->set_agent_name(incoming.hello().agent_name());
    welcome.mutable_welcome()->set_heartbeat_interval_ms(kHeartbeatMs);
    welcome.mutable_welcome()->set_lease_ms(welcome_lease_ms_);
    {
      // Welcome goes first; the test writes only once the session is ready.
      std::lock_guard write_lock(write_mutex_);
      stream->Write(welcome);
      std::lock_guard lock(mutex_);
      received_.push_back(incoming);
      stream_ = stream;
    }
    changed_.notify_all();
    while (stream->Read(&incoming)) {
      CoordinatorMessage reply;
      if (incoming.has_report()) {
        reply.mutable_ack()->set_run_id(incoming.report().run_id());
        reply.mutable_ack()->set_seq(incoming.report().seq());
        Write(reply);
      } else if (incoming.has_heartbeat() && renew_ && incoming.heartbeat().active_run_ids_size() > 0) {
        reply.mutable_lease_renewed()->set_heartbeat_seq(incoming.heartbeat().seq());
        *reply.mutable_lease_renewed()->mutable_run_ids() = incoming.heartbeat().active_run_ids();
        reply.mutable_lease_renewed()->set_lease_ms(welcome_lease_ms_);
        Write(reply);
      }
      {
        std::lock_guard lock(mutex_);
        received_.push_back(incoming);
      }
      changed_.notify_all();
    }
    std::lock_guard lock(mutex_);
    stream_ = nullptr;
    return grpc::Status::OK;
  }

  void Write(const CoordinatorMessage& message) {
    std::lock_guard lock(write_mutex_);
    std::unique_lock guard(mutex_);
    auto* stream = stream_;
    guard.unlock();
    if (stream != nullptr) stream->Write(message);
  }

  // Waits until `predicate` holds for some received message; returns it.
  std::optional<AgentMessage> WaitFor(const std::function<bool(const AgentMessage&)>& predicate,
                                      milliseconds timeout = seconds(15)) {
    std::unique_lock lock(mutex_);
    std::optional<AgentMessage> found;
    changed_.wait_for(lock, timeout, [&] {
      for (const auto& message : received_) {
        if (predicate(message)) {
          found = message;
          return true;
        }
      }
      return false;
    });
    return found;
  }

  std::vector<AgentMessage> Received() {
    std::lock_guard lock(mutex_);
    return received_;
  }

  std::atomic<bool> renew_{false};

 private:
  const int64_t welcome_lease_ms_;
  std::mutex write_mutex_;  // one writer at a time
  std::mutex mutex_;        // guards the fields below
  std::condition_variable changed_;
  std::vector<AgentMessage> received_;
  grpc::ServerReaderWriter<CoordinatorMessage, AgentMessage>* stream_ = nullptr;
};

class AgentSessionTest : public ::testing::Test {
 protected:
  void StartAll(int64_t welcome_lease_ms) {
    char pattern[] = "/tmp/benchd-agent-session-XXXXXX";
    dir_ = mkdtemp(pattern);
    coordinator_ = std::make_unique<FakeCoordinator>(welcome_lease_ms);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(coordinator_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);

    AgentConfig config;
    config.name = "agent-under-test";
    config.coordinator = "127.0.0.1:" + std::to_string(port);
    config.spool_dir = dir_ + "/spool";
    config.work_dir = dir_ + "/runs";
    config.reconnect_initial = milliseconds(50);
    config.reconnect_max = milliseconds(200);
    DeviceConfig device;
    device.name = "dev0";
    device.driver = "command";
    device.platform = "host-cpu";
    // Prints one sample, then leaves a grandchild sleeping `secs` seconds
    // and waits for it: only a kill of the whole group ends it early.
    device.options = {{"argv", R"(["sh", "-c", "echo latency_us=5; sleep \"$0\" & wait", "{secs}"])"},
                      {"parser", "kv"},
                      {"fields", "latency_us=latency_us"}};
    device.health_check = {"sh", "-c", "echo sensors fine"};
    device.health_check_timeout = seconds(5);
    device.domains = {{"batch", {"1", "8"}}};
    config.devices.push_back(device);
    DeviceConfig plain = device;
    plain.name = "dev1";
    plain.health_check.clear();
    plain.domains.clear();
    config.devices.push_back(plain);
    auto agent = Agent::Start(config);
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_ = std::move(*agent);
    ASSERT_TRUE(coordinator_->WaitFor([](const AgentMessage& m) { return m.has_hello(); }));
  }

  void TearDown() override {
    if (agent_) agent_->Shutdown();
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + seconds(2));
    agent_.reset();
    server_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  void Assign(int64_t run_id, int attempt, int64_t lease_ms, const std::string& secs) {
    CoordinatorMessage message;
    auto* assign = message.mutable_assign();
    assign->set_run_id(run_id);
    assign->set_experiment_id(run_id * 10);
    assign->set_device("dev0");
    assign->set_attempt(attempt);
    assign->set_lease_ms(lease_ms);
    assign->set_config_key("mode=a");
    (*assign->mutable_parameters()->mutable_values())["secs"].set_string_value(secs);
    assign->mutable_settings()->set_repeats(1);
    coordinator_->Write(message);
  }

  std::optional<benchd::v1::Report> WaitFinished(int64_t run_id, milliseconds timeout = seconds(15)) {
    auto message = coordinator_->WaitFor(
        [&](const AgentMessage& m) { return m.has_report() && m.report().run_id() == run_id && m.report().has_run_finished(); },
        timeout);
    if (!message) return std::nullopt;
    return message->report();
  }

  std::vector<benchd::v1::Report> ReportsOf(int64_t run_id) {
    std::vector<benchd::v1::Report> reports;
    for (const auto& m : coordinator_->Received()) {
      if (m.has_report() && m.report().run_id() == run_id) reports.push_back(m.report());
    }
    return reports;
  }

  std::string dir_;
  std::unique_ptr<FakeCoordinator> coordinator_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Agent> agent_;
};

TEST_F(AgentSessionTest, RunWhoseLeaseIsNeverRenewedIsStoppedByTheAgentPromptly) {
  // A 1 s lease checked every 100 ms: margin 500 ms (capped at half the
  // lease), so the agent stops the run about 0.5 s after it was assigned.
  StartAll(1000);
  const auto assigned = std::chrono::steady_clock::now();
  Assign(1, 2, 1000, "60");
  auto finished = WaitFinished(1);
  ASSERT_TRUE(finished.has_value());
  const auto took = std::chrono::steady_clock::now() - assigned;
  EXPECT_FALSE(finished->run_finished().succeeded());
  EXPECT_NE(finished->run_finished().error().find("the lease could not be renewed"), std::string::npos)
      << finished->run_finished().error();
  // The 60 s grandchild was killed with its group, well within the process
  // runner's 2 s grace.
  EXPECT_LT(took, seconds(4));
  for (const auto& report : ReportsOf(1)) EXPECT_EQ(report.attempt(), 2) << report.ShortDebugString();
}

TEST_F(AgentSessionTest, RenewedLeaseKeepsTheRunGoing) {
  StartAll(1000);
  coordinator_->renew_ = true;
  Assign(1, 1, 1000, "1.5");
  auto finished = WaitFinished(1);
  ASSERT_TRUE(finished.has_value());
  EXPECT_TRUE(finished->run_finished().succeeded()) << finished->run_finished().error();
  EXPECT_EQ(finished->attempt(), 1);
}

TEST_F(AgentSessionTest, WithoutLeasesFromTheCoordinatorRunsAreNeverStopped) {
  // An older coordinator: no Welcome.lease_ms, no Assign.lease_ms, no renewals.
  StartAll(0);
  Assign(1, 1, 0, "1.5");
  auto finished = WaitFinished(1);
  ASSERT_TRUE(finished.has_value());
  EXPECT_TRUE(finished->run_finished().succeeded()) << finished->run_finished().error();
}

TEST_F(AgentSessionTest, HeartbeatsAreNumberedUpwards) {
  StartAll(0);
  ASSERT_TRUE(coordinator_->WaitFor([](const AgentMessage& m) { return m.has_heartbeat() && m.heartbeat().seq() >= 3; }));
  int64_t last = 0;
  for (const auto& m : coordinator_->Received()) {
    if (!m.has_heartbeat()) continue;
    EXPECT_EQ(m.heartbeat().seq(), last + 1);
    last = m.heartbeat().seq();
  }
}

TEST_F(AgentSessionTest, HelloDescribesHealthChecksDomainsAndConfiguration) {
  StartAll(0);
  const auto hello = coordinator_->WaitFor([](const AgentMessage& m) { return m.has_hello(); })->hello();
  ASSERT_EQ(hello.devices_size(), 2);
  const auto& dev0 = hello.devices(0);
  EXPECT_EQ(dev0.name(), "dev0");
  EXPECT_TRUE(dev0.has_health_check());
  EXPECT_EQ(dev0.config_key(), "");
  ASSERT_EQ(dev0.domains_size(), 1);
  EXPECT_EQ(dev0.domains(0).name(), "batch");
  EXPECT_EQ(std::vector<std::string>(dev0.domains(0).values().begin(), dev0.domains(0).values().end()),
            (std::vector<std::string>{"1", "8"}));
  EXPECT_FALSE(hello.devices(1).has_health_check());
  EXPECT_EQ(hello.devices(1).domains_size(), 0);

  // After a run the device's configuration is known, and the run that
  // reconfigured says so.
  Assign(1, 1, 0, "0");
  auto finished = WaitFinished(1);
  ASSERT_TRUE(finished.has_value());
  const auto& environment = finished->run_finished().environment().entries();
  EXPECT_EQ(environment.at("config_key"), "mode=a");
  EXPECT_TRUE(environment.contains("reconfigure_ms"));
  EXPECT_EQ(agent_->BuildHello().devices(0).config_key(), "mode=a");
}

TEST_F(AgentSessionTest, HealthChecksAreAnsweredForConfiguredAndUnknownDevices) {
  StartAll(0);
  for (const char* device : {"dev0", "dev1", "nope"}) {
    CoordinatorMessage message;
    message.mutable_health_check()->set_device(device);
    coordinator_->Write(message);
  }
  const auto result_of = [&](const std::string& device) {
    return coordinator_
        ->WaitFor([&](const AgentMessage& m) { return m.has_health_result() && m.health_result().device() == device; })
        .value_or(AgentMessage())
        .health_result();
  };
  const auto dev0 = result_of("dev0");
  EXPECT_TRUE(dev0.healthy()) << dev0.detail();
  EXPECT_EQ(dev0.detail(), "sensors fine");
  const auto dev1 = result_of("dev1");
  EXPECT_FALSE(dev1.healthy());
  EXPECT_EQ(dev1.detail(), "device 'dev1' has no health_check configured");
  const auto nope = result_of("nope");
  EXPECT_FALSE(nope.healthy());
  EXPECT_EQ(nope.detail(), "no device 'nope' on this agent");
}

}  // namespace
}  // namespace benchd::agent
