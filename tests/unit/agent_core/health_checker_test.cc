#include "agents/core/health_checker.h"

#include <future>

#include <gtest/gtest.h>

#include "tests/unit/agents/fake_process_runner.h"

namespace benchd::agent {
namespace {

using std::chrono::milliseconds;
using testing::FakeProcessRunner;

std::map<std::string, HealthCheckConfig> Devices() {
  return {{"tx2", HealthCheckConfig{.argv = {"/opt/selftest", "--quick"}, .timeout = milliseconds(5000)}},
          {"cpu0", HealthCheckConfig{.argv = {}, .timeout = milliseconds(30000)}}};
}

TEST(HealthCheckerTest, ExitZeroIsHealthyWithTheOutputTail) {
  FakeProcessRunner runner;
  runner.AddExit(0, "temperature ok\n");
  HealthChecker checker(Devices(), runner, [](const benchd::v1::HealthResult&) {});
  const benchd::v1::HealthResult result = checker.Check("tx2");
  EXPECT_EQ(result.device(), "tx2");
  EXPECT_TRUE(result.healthy());
  EXPECT_EQ(result.detail(), "temperature ok");
  ASSERT_EQ(runner.specs.size(), 1u);
  EXPECT_EQ(runner.specs[0].argv, (std::vector<std::string>{"/opt/selftest", "--quick"}));
  EXPECT_EQ(runner.specs[0].timeout, milliseconds(5000));
  EXPECT_NE(runner.cancels[0], nullptr);
}

TEST(HealthCheckerTest, NonZeroExitIsUnhealthyAndSaysWhy) {
  FakeProcessRunner runner;
  runner.AddExit(3, "", "fan stalled\n");
  HealthChecker checker(Devices(), runner, [](const benchd::v1::HealthResult&) {});
  const benchd::v1::HealthResult result = checker.Check("tx2");
  EXPECT_FALSE(result.healthy());
  EXPECT_EQ(result.detail(), "health check: exit code 3: fan stalled");
}

TEST(HealthCheckerTest, ACommandThatCannotStartIsUnhealthy) {
  FakeProcessRunner runner;
  runner.results.emplace_back(absl::NotFoundError("run '/opt/selftest': program not found on PATH"));
  HealthChecker checker(Devices(), runner, [](const benchd::v1::HealthResult&) {});
  const benchd::v1::HealthResult result = checker.Check("tx2");
  EXPECT_FALSE(result.healthy());
  EXPECT_EQ(result.detail(), "health check: run '/opt/selftest': program not found on PATH");
}

TEST(HealthCheckerTest, UnknownDeviceOrDeviceWithoutACheckIsUnhealthy) {
  FakeProcessRunner runner;
  HealthChecker checker(Devices(), runner, [](const benchd::v1::HealthResult&) {});
  const auto unknown = checker.Check("gpu9");
  EXPECT_FALSE(unknown.healthy());
  EXPECT_EQ(unknown.detail(), "no device 'gpu9' on this agent");
  const auto unconfigured = checker.Check("cpu0");
  EXPECT_FALSE(unconfigured.healthy());
  EXPECT_EQ(unconfigured.detail(), "device 'cpu0' has no health_check configured");
  EXPECT_TRUE(runner.specs.empty());
}

TEST(HealthCheckerTest, AnUnavailableDeviceIsProbedFirstAndThenItsCommandDecides) {
  FakeProcessRunner runner;
  std::optional<absl::Status> probe = absl::UnavailableError("trtexec not found");
  std::map<std::string, HealthCheckConfig> devices = Devices();
  devices["cpu0"].probe = [&] { return probe; };  // no command
  devices["tx2"].probe = [&] { return probe; };   // and a command
  HealthChecker checker(devices, runner, [](const benchd::v1::HealthResult&) {});
  const benchd::v1::HealthResult failed = checker.Check("cpu0");
  EXPECT_FALSE(failed.healthy());
  EXPECT_EQ(failed.detail(), "probe failed: UNAVAILABLE: trtexec not found");
  EXPECT_FALSE(checker.Check("tx2").healthy());
  EXPECT_TRUE(runner.specs.empty());  // no command while the probe fails

  probe = absl::OkStatus();
  const benchd::v1::HealthResult passed = checker.Check("cpu0");
  EXPECT_TRUE(passed.healthy());
  EXPECT_EQ(passed.detail(), "probe passed");
  runner.AddExit(3, "", "fan stalled\n");
  const benchd::v1::HealthResult command = checker.Check("tx2");
  EXPECT_FALSE(command.healthy());
  EXPECT_EQ(command.detail(), "health check: exit code 3: fan stalled");

  // Available again: no probe; a device without a command has no check.
  probe = std::nullopt;
  const benchd::v1::HealthResult unchecked = checker.Check("cpu0");
  EXPECT_FALSE(unchecked.healthy());
  EXPECT_EQ(unchecked.detail(), "device 'cpu0' has no health_check configured");
}

TEST(HealthCheckerTest, SubmittedCheckRunsOnItsOwnThreadAndReplies) {
  FakeProcessRunner runner;
  runner.AddExit(0, "ok");
  std::promise<benchd::v1::HealthResult> replied;
  const std::thread::id caller = std::this_thread::get_id();
  std::thread::id replier;
  HealthChecker checker(Devices(), runner, [&](const benchd::v1::HealthResult& result) {
    replier = std::this_thread::get_id();
    replied.set_value(result);
  });
  checker.Submit("tx2");
  auto future = replied.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(future.get().healthy());
  EXPECT_NE(replier, caller);
}

TEST(HealthCheckerTest, CommandPastItsTimeoutIsUnhealthy) {
  common::BoostProcessRunner runner;
  std::map<std::string, HealthCheckConfig> devices{
      {"tx2", HealthCheckConfig{.argv = {"sh", "-c", "echo probing; exec sleep 30"}, .timeout = milliseconds(200)}}};
  HealthChecker checker(devices, runner, [](const benchd::v1::HealthResult&) {});
  const benchd::v1::HealthResult result = checker.Check("tx2");
  EXPECT_FALSE(result.healthy());
  EXPECT_TRUE(result.detail().starts_with("health check: timed out after ")) << result.detail();
  EXPECT_TRUE(result.detail().ends_with(": probing")) << result.detail();
}

TEST(HealthCheckerTest, RealCommandExitingZeroIsHealthy) {
  common::BoostProcessRunner runner;
  std::map<std::string, HealthCheckConfig> devices{
      {"tx2", HealthCheckConfig{.argv = {"true"}, .timeout = milliseconds(5000)}}};
  HealthChecker checker(devices, runner, [](const benchd::v1::HealthResult&) {});
  const benchd::v1::HealthResult result = checker.Check("tx2");
  EXPECT_TRUE(result.healthy()) << result.detail();
  EXPECT_EQ(result.detail(), "");
}

}  // namespace
}  // namespace benchd::agent
