// The commands end to end: real client and channel against the fake
// coordinator, output captured from injected streams.

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/commands/agents.h"
#include "cli/commands/results.h"
#include "cli/commands/show.h"
#include "cli/commands/submit.h"
#include "cli/commands/sweeps.h"
#include "cli/exit_codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/unit/cli/fake_coordinator.h"
#include "tests/unit/cli/test_data.h"

namespace benchd::cli {
namespace {

using ::benchd::cli::testing::DeadAddress;
using ::benchd::cli::testing::Event;
using ::benchd::cli::testing::FakeCoordinatorServer;
using ::benchd::cli::testing::FakeCoordinatorService;
using ::benchd::cli::testing::MakeResult;
using ::benchd::cli::testing::MakeSweep;
using ::benchd::cli::testing::Progress;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class CommandsTest : public ::testing::Test {
 protected:
  CommandsTest()
      : client_(CoordinatorClient::Connect({server_.address(), std::chrono::seconds(10)})) {}

  CommandContext Context(bool tty = false) { return {*client_, out_, err_, tty}; }

  std::string WriteFile(const std::string& name, const std::string& text) {
    const std::string path = ::testing::TempDir() + name;
    std::ofstream(path) << text;
    return path;
  }

  FakeCoordinatorService& fake() { return server_.service(); }

  FakeCoordinatorServer server_;
  std::unique_ptr<CoordinatorClient> client_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CommandsTest, SubmitPrintsSweepIdAndExperimentCount) {
  const std::string path = WriteFile("cli_submit_ok.yaml", "name: resnet\n");
  fake().SetSubmitAnswer(MakeSweep(42, "resnet", Progress(12, 0, 0, 0)));
  absl::StatusOr<ExitCode> code = RunSubmit(Context(), {path, false});
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, ExitCode::kOk);
  EXPECT_EQ(out_.str(), "sweep 42 submitted (resnet): 12 experiments\n");
  EXPECT_EQ(err_.str(), "");
  ASSERT_TRUE(fake().last_submit().has_value());
  EXPECT_EQ(fake().last_submit()->yaml(), "name: resnet\n");
  EXPECT_EQ(fake().last_submit()->file_name(), path);
}

TEST_F(CommandsTest, SubmitSaysWhenSomeWorkCannotStart) {
  const std::string path = WriteFile("cli_submit_waiting.yaml", "name: lab\n");
  benchd::v1::Sweep sweep = MakeSweep(7, "lab", Progress(12, 0, 0, 0));
  sweep.mutable_progress()->set_unschedulable(2);
  sweep.mutable_progress()->set_blocked(4);
  fake().SetSubmitAnswer(sweep);
  absl::StatusOr<ExitCode> code = RunSubmit(Context(), {path, false});
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(out_.str(),
            "sweep 7 submitted (lab): 12 experiments\n"
            "2 of them no registered device can run: 'benchctl show 7' says why\n"
            "4 of them wait for a device to return to service: see 'benchctl devices'\n");
}

TEST_F(CommandsTest, SubmitOfMissingFileIsBadInputAndSendsNothing) {
  const std::string path = ::testing::TempDir() + "cli_no_such_file.yaml";
  absl::StatusOr<ExitCode> code = RunSubmit(Context(), {path, false});
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(ExitCodeForStatus(code.status()), ExitCode::kBadInput);
  EXPECT_EQ(code.status().message(),
            "submit " + path + ": cannot read the file: No such file or directory");
  EXPECT_FALSE(fake().last_submit().has_value());
}

TEST_F(CommandsTest, SubmitOfDirectoryIsBadInput) {
  absl::StatusOr<ExitCode> code = RunSubmit(Context(), {::testing::TempDir(), false});
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(ExitCodeForStatus(code.status()), ExitCode::kBadInput);
  EXPECT_THAT(std::string(code.status().message()), HasSubstr("is a directory"));
}

TEST_F(CommandsTest, SubmitPassesTheCoordinatorsValidationMessageThrough) {
  const std::string path = WriteFile("cli_submit_bad.yaml", "nmae: x\n");
  const std::string message = path + ":1:1: unknown key 'nmae' (did you mean 'name'?)";
  fake().SetSubmitAnswer({}, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message));
  absl::StatusOr<ExitCode> code = RunSubmit(Context(), {path, false});
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code.status().message(), message);
  EXPECT_EQ(ExitCodeForStatus(code.status()), ExitCode::kBadInput);
  EXPECT_EQ(out_.str(), "");
}

TEST_F(CommandsTest, SubmitWithoutCoordinatorIsUnavailableAndNamesTheAddress) {
  const std::string path = WriteFile("cli_submit_dead.yaml", "name: x\n");
  const std::string address = DeadAddress();
  auto dead = CoordinatorClient::Connect({address, std::chrono::seconds(5)});
  absl::StatusOr<ExitCode> code = RunSubmit({*dead, out_, err_, false}, {path, false});
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(ExitCodeForStatus(code.status()), ExitCode::kUnavailable);
  EXPECT_EQ(code.status().message(), "submit " + path + ": coordinator at " + address +
                                         " is not reachable (is benchd running?)");
}

TEST_F(CommandsTest, WatchedSweepThatSucceedsExitsZeroWithPlainProgressLines) {
  const std::string path = WriteFile("cli_watch_ok.yaml", "name: w\n");
  fake().SetSubmitAnswer(MakeSweep(5, "w", Progress(2, 0, 0, 0)));
  fake().SetWatchEvents(5, {Event(Progress(2, 0, 0, 1)), Event(Progress(2, 0, 0, 1, 3'000)),
                            Event(Progress(2, 1, 0, 1, 2'000)), Event(Progress(2, 2, 0, 0), true)});
  absl::StatusOr<ExitCode> code = RunSubmit(Context(/*tty=*/false), {path, true});
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, ExitCode::kOk);
  EXPECT_EQ(out_.str(),
            "sweep 5 submitted (w): 2 experiments\n"
            "sweep 5 finished: 2 succeeded, 0 failed, 0 cancelled\n");
  // Three distinct states: the ETA-only change printed nothing.
  EXPECT_EQ(err_.str(),
            "sweep 5: 0/2 done (0%): 0 succeeded, 0 failed, 1 running, 1 pending, ETA --\n"
            "sweep 5: 1/2 done (50%): 1 succeeded, 0 failed, 1 running, 0 pending, ETA 2s\n"
            "sweep 5: 2/2 done (100%): 2 succeeded, 0 failed, 0 running, 0 pending\n");
}

TEST_F(CommandsTest, WatchedSweepWithFailuresHasItsOwnExitCode) {
  const std::string path = WriteFile("cli_watch_failed.yaml", "name: w\n");
  fake().SetSubmitAnswer(MakeSweep(6, "w", Progress(3, 0, 0, 0)));
  fake().SetWatchEvents(6, {Event(Progress(3, 2, 1, 0), true)});
  absl::StatusOr<ExitCode> code = RunSubmit(Context(/*tty=*/true), {path, true});
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, ExitCode::kSweepFailed);
  EXPECT_EQ(ToInt(*code), 5);
  EXPECT_THAT(out_.str(), HasSubstr("sweep 6 finished: 2 succeeded, 1 failed, 0 cancelled\n"));
  // On a terminal the bar is drawn in place and the line ended once.
  EXPECT_THAT(err_.str(), StartsWith("\r["));
  EXPECT_THAT(err_.str(), ::testing::EndsWith("\x1b[K\n"));
}

TEST_F(CommandsTest, WatchThatBreaksOffReportsTheWatchNotTheSubmit) {
  const std::string path = WriteFile("cli_watch_broken.yaml", "name: w\n");
  fake().SetSubmitAnswer(MakeSweep(8, "w", Progress(2, 0, 0, 0)));
  fake().SetWatchEvents(8, {Event(Progress(2, 0, 0, 1))},
                        grpc::Status(grpc::StatusCode::INTERNAL, "store exploded"));
  absl::StatusOr<ExitCode> code = RunSubmit(Context(), {path, true});
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.status().message(), "watch sweep 8: store exploded");
  EXPECT_EQ(ExitCodeForStatus(code.status()), ExitCode::kInternal);
}

TEST_F(CommandsTest, SweepsListsEverySweepWithItsCounts) {
  fake().AddSweep(MakeSweep(1, "first", Progress(4, 4, 0, 0)));
  fake().AddSweep(MakeSweep(12, "second-sweep", Progress(10, 3, 2, 1)));
  ASSERT_TRUE(RunSweeps(Context()).ok());
  EXPECT_EQ(out_.str(),
            "ID  NAME          SUBMITTED             TOTAL  SUCCEEDED  FAILED  RUNNING  PENDING\n"
            " 1  first         2023-11-14T22:13:20Z      4          4       0        0        0\n"
            "12  second-sweep  2023-11-14T22:13:20Z     10          3       2        1        4\n");
}

TEST_F(CommandsTest, ShowPrintsHeaderAndExperiments) {
  benchd::v1::Experiment experiment;
  experiment.set_ordinal(0);
  experiment.set_platform("host-cpu");
  (*experiment.mutable_parameters()->mutable_values())["batch"].set_int_value(8);
  (*experiment.mutable_parameters()->mutable_values())["platform"].set_string_value("host-cpu");
  experiment.set_state(benchd::v1::EXPERIMENT_STATE_FAILED);
  experiment.set_attempts(3);
  experiment.set_error("out of memory\nat layer 3");
  benchd::v1::Experiment pending;
  pending.set_ordinal(1);
  pending.set_platform("jetson-orin");
  pending.set_state(benchd::v1::EXPERIMENT_STATE_PENDING);
  fake().AddSweep(MakeSweep(3, "resnet", Progress(2, 0, 1, 0)), {experiment, pending});

  ASSERT_TRUE(RunShow(Context(), 3).ok());
  EXPECT_EQ(out_.str(),
            "sweep      3\n"
            "name       resnet\n"
            "submitted  2023-11-14T22:13:20Z\n"
            "progress   1/2 done (50%): 0 succeeded, 1 failed, 0 running, 1 pending, ETA --\n"
            "\n"
            "#  PLATFORM     PARAMETERS  STATE    ATTEMPTS  ERROR\n"
            "0  host-cpu     batch=8     failed          3  out of memory at layer 3\n"
            "1  jetson-orin              pending         0  -\n"
            "\n"
            "failed experiments (1):\n"
            "#  PLATFORM  PARAMETERS  ATTEMPTS  ERROR\n"
            "0  host-cpu  batch=8            3  out of memory at layer 3\n");
}

TEST_F(CommandsTest, ShowOfUnknownSweepIsNotFound) {
  absl::Status status = RunShow(Context(), 99);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "show 99: sweep 99 not found");
  EXPECT_EQ(ExitCodeForStatus(status), ExitCode::kNotFound);
  EXPECT_EQ(out_.str(), "");
}

TEST_F(CommandsTest, ResultsAsJsonAreTyped) {
  fake().AddSweep(MakeSweep(2, "r", Progress(2, 2, 0, 0)), {},
                  {MakeResult(1, "host-cpu", 8, 100.0), MakeResult(2, "host-cpu", 16, 180.0)});
  ASSERT_TRUE(RunResults(Context(), {2, ResultsFormat::kJson}).ok());
  const nlohmann::json json = nlohmann::json::parse(out_.str());
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[1]["batch"], 16);
  EXPECT_DOUBLE_EQ(json[1]["mean_us"].get<double>(), 180.0);
  EXPECT_EQ(json[1]["run_id"], 2);
}

TEST_F(CommandsTest, ResultsAsCsvHaveAHeaderAndOneRowPerResult) {
  fake().AddSweep(MakeSweep(2, "r", Progress(1, 1, 0, 0)), {},
                  {MakeResult(1, "host-cpu", 8, 100.0)});
  ASSERT_TRUE(RunResults(Context(), {2, ResultsFormat::kCsv}).ok());
  EXPECT_EQ(out_.str(),
            "platform,batch,mean_us,median_us,p90_us,p99_us,std_us,min_us,max_us,fps,gops,samples,"
            "agent,device,run_id\n"
            "host-cpu,8,100,99,110,120,2.5,95,130,80000,12.5,1000,lab-1,host-cpu-0,1\n");
}

TEST_F(CommandsTest, EmptyResultsTableSaysSoOnStderr) {
  fake().AddSweep(MakeSweep(2, "r", Progress(1, 0, 0, 1)));
  ASSERT_TRUE(RunResults(Context(), {2, ResultsFormat::kTable}).ok());
  EXPECT_EQ(err_.str(), "sweep 2 has no results yet\n");
  EXPECT_THAT(out_.str(), StartsWith("mean_us"));
}

TEST_F(CommandsTest, ResultsOfUnknownSweepIsNotFound) {
  absl::Status status = RunResults(Context(), {77, ResultsFormat::kCsv});
  EXPECT_EQ(ExitCodeForStatus(status), ExitCode::kNotFound);
  EXPECT_EQ(status.message(), "results 77: sweep 77 not found");
}

TEST_F(CommandsTest, AgentsListsOneRowPerDeviceAndAgentsWithoutDevices) {
  benchd::v1::Agent lab;
  lab.set_name("lab-1");
  lab.set_hostname("lab-1.local");
  lab.set_connected(true);
  lab.mutable_last_seen()->set_seconds(1'700'000'000);
  for (const char* name : {"cpu0", "orin0"}) {
    benchd::v1::Device* device = lab.add_devices();
    device->set_name(name);
    device->set_driver(std::string(name) == "cpu0" ? "host_cpu" : "jetson");
    device->set_platform(std::string(name) == "cpu0" ? "host-cpu" : "jetson-orin");
    device->set_state(std::string(name) == "cpu0" ? "idle" : "busy");
  }
  benchd::v1::Agent gone;
  gone.set_name("old");
  gone.set_hostname("old.local");
  fake().SetAgents({lab, gone});

  ASSERT_TRUE(RunAgents(Context()).ok());
  EXPECT_EQ(
      out_.str(),
      "AGENT  HOST         CONNECTED  LAST SEEN             DEVICE  DRIVER    PLATFORM     STATE\n"
      "lab-1  lab-1.local  yes        2023-11-14T22:13:20Z  cpu0    host_cpu  host-cpu     idle\n"
      "lab-1  lab-1.local  yes        2023-11-14T22:13:20Z  orin0   jetson    jetson-orin  busy\n"
      "old    old.local    no         -                     -       -         -            -\n");
}

TEST_F(CommandsTest, CoordinatorFailureOnListIsReportedWithTheCommand) {
  fake().FailEveryCall(grpc::Status(grpc::StatusCode::INTERNAL, "boom"));
  absl::Status status = RunAgents(Context());
  EXPECT_EQ(status.message(), "agents: boom");
  EXPECT_EQ(ExitCodeForStatus(status), ExitCode::kInternal);
}

}  // namespace
}  // namespace benchd::cli
