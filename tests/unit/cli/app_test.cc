// `RunBenchctl` in-process: flag parsing, the help footer, and the exit code
// and one-line message each failure ends in.

#include "cli/app.h"

#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/cli/fake_coordinator.h"
#include "tests/unit/cli/test_data.h"

namespace benchd::cli {
namespace {

using ::benchd::cli::testing::DeadAddress;
using ::benchd::cli::testing::Event;
using ::benchd::cli::testing::FakeCoordinatorServer;
using ::benchd::cli::testing::MakeAgent;
using ::benchd::cli::testing::MakeDevice;
using ::benchd::cli::testing::MakeEvent;
using ::benchd::cli::testing::MakeExperiment;
using ::benchd::cli::testing::MakeResult;
using ::benchd::cli::testing::MakeSweep;
using ::benchd::cli::testing::Progress;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

struct Outcome {
  int exit_code;
  std::string out;
  std::string err;
};

Outcome RunInProcess(std::vector<std::string> args) {
  args.insert(args.begin(), "benchctl");
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  std::ostringstream out;
  std::ostringstream err;
  const int code = RunBenchctl(static_cast<int>(argv.size()), argv.data(), out, err, false);
  return {code, out.str(), err.str()};
}

TEST(AppTest, HelpGoesToStdoutWithTheExitCodes) {
  Outcome outcome = RunInProcess({"--help"});
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_THAT(outcome.out, HasSubstr("Exit codes:"));
  EXPECT_THAT(outcome.out, HasSubstr("BENCHD_COORDINATOR"));
  EXPECT_THAT(outcome.out, HasSubstr("submit"));
  EXPECT_EQ(outcome.err, "");
}

TEST(AppTest, UnknownFlagIsAUsageError) {
  Outcome outcome = RunInProcess({"sweeps", "--bogus"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_THAT(outcome.err, StartsWith("benchctl: "));
  EXPECT_THAT(outcome.err, HasSubstr("--help"));
}

TEST(AppTest, MissingCommandIsAUsageError) { EXPECT_EQ(RunInProcess({}).exit_code, 2); }

TEST(AppTest, NonNumericSweepIdIsAUsageError) {
  EXPECT_EQ(RunInProcess({"show", "abc"}).exit_code, 2);
}

TEST(AppTest, UnknownResultsFormatIsAUsageError) {
  Outcome outcome = RunInProcess({"results", "1", "--format", "xml"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_THAT(outcome.err, HasSubstr("xml"));
}

TEST(AppTest, BadTimeoutIsAUsageError) {
  Outcome outcome = RunInProcess({"--timeout", "10", "sweeps"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_THAT(outcome.err, StartsWith("benchctl: --timeout: invalid duration '10'"));
}

TEST(AppTest, UnreadableSweepFileIsBadInput) {
  const std::string path = ::testing::TempDir() + "app_missing.yaml";
  Outcome outcome = RunInProcess({"--coordinator", DeadAddress(), "submit", path});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_EQ(outcome.err,
            "benchctl: submit " + path + ": cannot read the file: No such file or directory\n");
}

TEST(AppTest, DeadCoordinatorExitsThreeNamingTheAddress) {
  const std::string address = DeadAddress();
  Outcome outcome = RunInProcess({"--coordinator", address, "sweeps"});
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_EQ(outcome.err, "benchctl: sweeps: coordinator at " + address +
                             " is not reachable (is benchd running?)\n");
  EXPECT_EQ(outcome.out, "");
}

TEST(AppTest, UnknownSweepExitsFour) {
  FakeCoordinatorServer server;
  Outcome outcome = RunInProcess({"--coordinator", server.address(), "show", "99"});
  EXPECT_EQ(outcome.exit_code, 4);
  EXPECT_EQ(outcome.err, "benchctl: show 99: sweep 99 not found\n");
}

TEST(AppTest, HelpListsTheOperatorCommands) {
  Outcome outcome = RunInProcess({"--help"});
  for (const char* command : {"watch", "cancel", "drain", "devices", "device", "events"}) {
    EXPECT_THAT(outcome.out, HasSubstr(std::string("  ") + command + " ")) << command;
  }
}

TEST(AppTest, DeviceNeedsEnableOrDisable) {
  EXPECT_EQ(RunInProcess({"device"}).exit_code, 2);
  EXPECT_EQ(RunInProcess({"device", "enable"}).exit_code, 2);
  EXPECT_EQ(RunInProcess({"device", "reboot", "cpu0"}).exit_code, 2);
}

TEST(AppTest, EventsLimitOutOfRangeIsAUsageError) {
  EXPECT_EQ(RunInProcess({"events", "--limit", "0"}).exit_code, 2);
  EXPECT_EQ(RunInProcess({"events", "--limit", "10001"}).exit_code, 2);
}

TEST(AppTest, WatchOfUnknownSweepExitsFour) {
  FakeCoordinatorServer server;
  Outcome outcome = RunInProcess({"--coordinator", server.address(), "watch", "99"});
  EXPECT_EQ(outcome.exit_code, 4);
  EXPECT_EQ(outcome.err, "benchctl: watch sweep 99: sweep 99 not found\n");
}

TEST(AppTest, WatchOfFailedSweepExitsFive) {
  FakeCoordinatorServer server;
  server.service().AddSweep(MakeSweep(2, "w", Progress(2, 1, 1, 0)));
  server.service().SetWatchEvents(2, {Event(Progress(2, 1, 1, 0), true)});
  Outcome outcome = RunInProcess({"--coordinator", server.address(), "watch", "2"});
  EXPECT_EQ(outcome.exit_code, 5);
  EXPECT_EQ(outcome.out, "sweep 2 finished: 1 succeeded, 1 failed, 0 cancelled\n");
}

TEST(AppTest, AmbiguousDeviceExitsTwoAndUnknownDeviceFour) {
  FakeCoordinatorServer server;
  server.service().SetAgents({MakeAgent("a", {MakeDevice("cpu0", "host-cpu", "idle")}),
                              MakeAgent("b", {MakeDevice("cpu0", "host-cpu", "idle")})});
  Outcome ambiguous =
      RunInProcess({"--coordinator", server.address(), "device", "disable", "cpu0"});
  EXPECT_EQ(ambiguous.exit_code, 2);
  EXPECT_EQ(ambiguous.err,
            "benchctl: disable device cpu0: device name 'cpu0' is ambiguous: a/cpu0, b/cpu0; name "
            "one as AGENT/DEVICE\n");
  Outcome unknown = RunInProcess({"--coordinator", server.address(), "device", "enable", "gpu0"});
  EXPECT_EQ(unknown.exit_code, 4);
  Outcome exact =
      RunInProcess({"--coordinator", server.address(), "device", "disable", "b/cpu0"});
  EXPECT_EQ(exact.exit_code, 0) << exact.err;
  EXPECT_EQ(exact.out, "device b/cpu0 disabled: now disabled\n");
}

TEST(AppTest, RerunOfCancelledSweepExitsTwoWithTheCoordinatorsAdvice) {
  FakeCoordinatorServer server;
  server.service().AddSweep(MakeSweep(3, "r", Progress(2, 0, 1, 0)),
                            {MakeExperiment(0, "host-cpu", benchd::v1::EXPERIMENT_STATE_FAILED, 1),
                             MakeExperiment(1, "host-cpu", benchd::v1::EXPERIMENT_STATE_PENDING, 1)});
  EXPECT_EQ(RunInProcess({"--coordinator", server.address(), "cancel", "3"}).exit_code, 0);
  Outcome outcome = RunInProcess({"--coordinator", server.address(), "rerun", "3", "--failed"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_THAT(outcome.err,
              HasSubstr("sweep 3 was cancelled; submit its file again with --resume 3"));
}

TEST(AppTest, EventsAndDevicesRunThroughTheCommandLine) {
  FakeCoordinatorServer server;
  server.service().AddEvents({MakeEvent(1, "agent_connected", 0, 0, "a", "", "a connected"),
                              MakeEvent(2, "agent_draining", 0, 0, "a", "", "a draining")});
  server.service().SetAgents({MakeAgent("a", {MakeDevice("cpu0", "host-cpu", "idle")})});
  Outcome events = RunInProcess(
      {"--coordinator", server.address(), "events", "--agent", "a", "--kind", "agent_draining"});
  EXPECT_EQ(events.exit_code, 0) << events.err;
  EXPECT_THAT(events.out, HasSubstr("a draining"));
  EXPECT_THAT(events.out, Not(HasSubstr("a connected")));
  Outcome devices = RunInProcess({"--coordinator", server.address(), "devices", "-f", "json"});
  EXPECT_EQ(devices.exit_code, 0) << devices.err;
  EXPECT_THAT(devices.out, HasSubstr("\"device\": \"cpu0\""));
}

TEST(AppTest, GlobalFlagsMayFollowTheCommand) {
  FakeCoordinatorServer server;
  server.service().AddSweep(MakeSweep(2, "r", Progress(1, 1, 0, 0)), {},
                            {MakeResult(1, "host-cpu", 8, 100.0)});
  Outcome outcome = RunInProcess({"results", "2", "-f", "csv", "--coordinator", server.address()});
  EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_THAT(outcome.out, StartsWith("platform,batch,mean_us,"));
}

}  // namespace
}  // namespace benchd::cli
