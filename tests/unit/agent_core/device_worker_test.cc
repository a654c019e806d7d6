#include "agents/core/device_worker.h"

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

namespace benchd::agent {
namespace {

using std::chrono::seconds;

// A driver whose runs finish when the test says so, and whose Prepare
// records the keys it was asked for.
class FakeDriver final : public Driver {
 public:
  const std::string& Name() const override { return name_; }
  absl::StatusOr<benchd::v1::Environment> Probe() override {
    std::lock_guard lock(mutex_);
    if (!probe_status.ok()) return probe_status;
    benchd::v1::Environment environment;
    (*environment.mutable_entries())["tool_version"] = "2.1";
    return environment;
  }

  absl::Status Check(const RunRequest&) const override { return check_status; }

  absl::StatusOr<benchd::v1::Environment> Prepare(const RunRequest& request, const std::atomic<bool>&) override {
    std::lock_guard lock(mutex_);
    prepared.push_back(request.config_key);
    if (fail_prepare) return absl::UnavailableError("flash failed");
    benchd::v1::Environment environment;
    (*environment.mutable_entries())["mode"] = request.config_key;
    return environment;
  }

  absl::StatusOr<RunResult> Run(const RunRequest&, const std::atomic<bool>& cancel) override {
    std::unique_lock lock(mutex_);
    running_ = true;
    changed_.notify_all();
    changed_.wait(lock, [&] { return !hold_ || released_; });
    running_ = false;
    released_ = false;
    if (cancel) return absl::CancelledError("cancelled after 3 ms");
    RunResult result;
    result.repeats.push_back(RepeatSamples{0, benchd::v1::LATENCY_KIND_SYSTEM, {10.0, 11.0}, {}});
    return result;
  }

  // Makes runs wait for Release.
  void Hold() {
    std::lock_guard lock(mutex_);
    hold_ = true;
  }
  bool WaitUntilRunning() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, seconds(10), [&] { return running_; });
  }
  void Release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

  std::vector<std::string> prepared;
  std::atomic<bool> fail_prepare{false};
  absl::Status probe_status;
  absl::Status check_status;

 private:
  const std::string name_ = "fake";
  std::mutex mutex_;
  std::condition_variable changed_;
  bool hold_ = false;
  bool running_ = false;
  bool released_ = false;
};

class DeviceWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/benchd-worker-XXXXXX";
    dir_ = mkdtemp(pattern);
    StartWorker("");
  }
  // Replaces the worker (and its driver) with a started one.
  void StartWorker(const std::string& unavailable_reason) {
    if (worker_) worker_->Stop();
    auto driver = std::make_unique<FakeDriver>();
    driver_ = driver.get();
    DeviceConfig device;
    device.name = "dev0";
    device.driver = "fake";
    device.platform = "fake-platform";
    worker_ = std::make_unique<DeviceWorker>(
        device, "agent-1", std::move(driver), dir_,
        [this](int64_t run_id, benchd::v1::Report report) {
          std::lock_guard lock(mutex_);
          report.set_run_id(run_id);
          reports_.push_back(std::move(report));
          reported_.notify_all();
        },
        nullptr, RunEnvironment({}, {}), unavailable_reason);
    worker_->Start();
  }
  void TearDown() override {
    worker_->Stop();
    std::filesystem::remove_all(dir_);
  }

  static benchd::v1::Assign Assign(int64_t run_id, int attempt, const std::string& config_key) {
    benchd::v1::Assign assign;
    assign.set_run_id(run_id);
    assign.set_device("dev0");
    assign.set_attempt(attempt);
    assign.set_config_key(config_key);
    return assign;
  }

  // Waits for the RunFinished of `run_id` and returns it.
  benchd::v1::RunFinished WaitFinished(int64_t run_id) {
    std::unique_lock lock(mutex_);
    const auto has = [&] {
      return std::any_of(reports_.begin(), reports_.end(), [&](const benchd::v1::Report& r) {
        return r.run_id() == run_id && r.has_run_finished();
      });
    };
    if (!reported_.wait_for(lock, seconds(10), has)) {
      ADD_FAILURE() << "run " << run_id << " did not finish";
      return {};
    }
    for (const auto& report : reports_) {
      if (report.run_id() == run_id && report.has_run_finished()) return report.run_finished();
    }
    return {};
  }

  std::vector<benchd::v1::Report> ReportsOf(int64_t run_id) {
    std::lock_guard lock(mutex_);
    std::vector<benchd::v1::Report> found;
    for (const auto& report : reports_) {
      if (report.run_id() == run_id) found.push_back(report);
    }
    return found;
  }

  std::string dir_;
  FakeDriver* driver_ = nullptr;
  std::unique_ptr<DeviceWorker> worker_;
  std::mutex mutex_;
  std::condition_variable reported_;
  std::vector<benchd::v1::Report> reports_;
};

TEST_F(DeviceWorkerTest, AnUnavailableDeviceFailsItsAssignmentsUntilAProbePasses) {
  StartWorker("probe failed: UNAVAILABLE: no Myriad device");
  EXPECT_EQ(worker_->UnavailableReason(), "probe failed: UNAVAILABLE: no Myriad device");
  worker_->Submit(Assign(1, 1, "a"));
  const benchd::v1::RunFinished refused = WaitFinished(1);
  EXPECT_FALSE(refused.succeeded());
  EXPECT_EQ(refused.failure_kind(), benchd::v1::FAILURE_KIND_INFRASTRUCTURE);
  EXPECT_EQ(refused.error(), "device 'dev0' is unavailable: probe failed: UNAVAILABLE: no Myriad device");
  EXPECT_EQ(ReportsOf(1).size(), 1u);  // never started
  EXPECT_TRUE(driver_->prepared.empty());

  driver_->probe_status = absl::UnavailableError("still unplugged");
  EXPECT_FALSE(worker_->ProbeIfUnavailable().ok());
  EXPECT_EQ(worker_->UnavailableReason(), "probe failed: UNAVAILABLE: still unplugged");

  driver_->probe_status = absl::OkStatus();
  ASSERT_TRUE(worker_->ProbeIfUnavailable().ok());
  EXPECT_EQ(worker_->UnavailableReason(), "");
  worker_->Submit(Assign(2, 1, "a"));
  const benchd::v1::RunFinished ran = WaitFinished(2);
  EXPECT_TRUE(ran.succeeded()) << ran.error();
  // Runs carry the new probe's findings.
  EXPECT_EQ(ran.environment().entries().at("tool_version"), "2.1");
  EXPECT_TRUE(worker_->ProbeIfUnavailable().ok());  // available: nothing to do
}

TEST_F(DeviceWorkerTest, ARunTheDriverRefusesUpFrontDoesNotReconfigureTheDevice) {
  driver_->check_status = absl::FailedPreconditionError("fake cannot run precision INT8");
  worker_->Submit(Assign(1, 1, "mode-b"));
  const benchd::v1::RunFinished refused = WaitFinished(1);
  EXPECT_FALSE(refused.succeeded());
  EXPECT_EQ(refused.failure_kind(), benchd::v1::FAILURE_KIND_MEASUREMENT);
  EXPECT_EQ(refused.error(), "fake cannot run precision INT8");
  EXPECT_TRUE(driver_->prepared.empty());  // no mode switch for a run that cannot happen
  EXPECT_EQ(worker_->CurrentConfigKey(), "");

  driver_->check_status = absl::OkStatus();
  worker_->Submit(Assign(2, 1, "mode-b"));
  EXPECT_TRUE(WaitFinished(2).succeeded());
  EXPECT_EQ(driver_->prepared, std::vector<std::string>{"mode-b"});
}

TEST_F(DeviceWorkerTest, EveryReportCarriesTheAssignedAttempt) {
  worker_->Submit(Assign(5, 3, ""));
  EXPECT_TRUE(WaitFinished(5).succeeded());
  const auto reports = ReportsOf(5);
  ASSERT_EQ(reports.size(), 3u);  // started, one latency batch, finished
  EXPECT_TRUE(reports[0].has_run_started());
  EXPECT_TRUE(reports[1].has_latency_batch());
  for (const auto& report : reports) EXPECT_EQ(report.attempt(), 3) << report.ShortDebugString();
}

TEST_F(DeviceWorkerTest, OnlyTheRunThatReconfiguredCarriesTheReconfigurationTime) {
  EXPECT_EQ(worker_->CurrentConfigKey(), "");
  worker_->Submit(Assign(1, 1, "mode=a"));
  const auto first = WaitFinished(1).environment().entries();
  worker_->Submit(Assign(2, 1, "mode=a"));
  const auto second = WaitFinished(2).environment().entries();
  worker_->Submit(Assign(3, 1, "mode=b"));
  const auto third = WaitFinished(3).environment().entries();

  EXPECT_EQ(driver_->prepared, (std::vector<std::string>{"mode=a", "mode=b"}));
  EXPECT_EQ(first.at("config_key"), "mode=a");
  EXPECT_TRUE(first.contains("reconfigure_ms"));
  EXPECT_EQ(first.at("reconfigured_from"), "");  // nothing known before the first
  EXPECT_EQ(first.at("mode"), "mode=a");

  EXPECT_EQ(second.at("config_key"), "mode=a");
  EXPECT_EQ(second.at("mode"), "mode=a");
  EXPECT_FALSE(second.contains("reconfigure_ms"));
  EXPECT_FALSE(second.contains("reconfigured_from"));

  EXPECT_EQ(third.at("config_key"), "mode=b");
  EXPECT_TRUE(third.contains("reconfigure_ms"));
  EXPECT_EQ(third.at("reconfigured_from"), "mode=a");
  EXPECT_EQ(worker_->CurrentConfigKey(), "mode=b");
}

TEST_F(DeviceWorkerTest, FailedReconfigurationLeavesTheConfigurationUnknown) {
  worker_->Submit(Assign(1, 1, "mode=a"));
  WaitFinished(1);
  driver_->fail_prepare = true;
  worker_->Submit(Assign(2, 1, "mode=b"));
  const auto failed = WaitFinished(2);
  EXPECT_FALSE(failed.succeeded());
  EXPECT_FALSE(failed.environment().entries().contains("reconfigure_ms"));
  EXPECT_EQ(worker_->CurrentConfigKey(), "");
  driver_->fail_prepare = false;
  worker_->Submit(Assign(3, 1, "mode=b"));
  EXPECT_EQ(WaitFinished(3).environment().entries().at("reconfigured_from"), "");
}

TEST_F(DeviceWorkerTest, CancelledRunIsReportedFailedWithTheReason) {
  driver_->Hold();
  worker_->Submit(Assign(8, 2, ""));
  ASSERT_TRUE(driver_->WaitUntilRunning());
  EXPECT_EQ(worker_->CurrentRun(), 8);
  worker_->Cancel(8, "stopped by the agent: the lease could not be renewed");
  driver_->Release();
  const auto finished = WaitFinished(8);
  EXPECT_FALSE(finished.succeeded());
  EXPECT_EQ(finished.failure_kind(), benchd::v1::FAILURE_KIND_INFRASTRUCTURE);
  EXPECT_EQ(finished.error(), "stopped by the agent: the lease could not be renewed: cancelled after 3 ms");
  EXPECT_EQ(ReportsOf(8).back().attempt(), 2);
}

TEST_F(DeviceWorkerTest, CancellingAQueuedRunReportsItFinishedAtOnce) {
  driver_->Hold();
  worker_->Submit(Assign(1, 1, ""));
  ASSERT_TRUE(driver_->WaitUntilRunning());
  worker_->Submit(Assign(2, 4, ""));
  worker_->Cancel(2, "cancelled by the coordinator");
  const auto finished = WaitFinished(2);
  EXPECT_FALSE(finished.succeeded());
  EXPECT_EQ(finished.error(), "cancelled by the coordinator");
  const auto reports = ReportsOf(2);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].attempt(), 4);
  driver_->Release();
  EXPECT_TRUE(WaitFinished(1).succeeded());
}

}  // namespace
}  // namespace benchd::agent
