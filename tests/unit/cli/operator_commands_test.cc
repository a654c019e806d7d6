// The operator commands end to end against the fake coordinator: watch,
// show's attention sections, cancel, drain, devices, device enable/disable
// and events (including --follow, driven by a wait hook instead of a clock).

#include <algorithm>
#include <sstream>

#include "cli/commands/cancel.h"
#include "cli/commands/device.h"
#include "cli/commands/devices.h"
#include "cli/commands/drain.h"
#include "cli/commands/events.h"
#include "cli/commands/rerun.h"
#include "cli/commands/show.h"
#include "cli/commands/watch.h"
#include "cli/exit_codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/unit/cli/fake_coordinator.h"
#include "tests/unit/cli/test_data.h"

namespace benchd::cli {
namespace {

using ::benchd::cli::testing::Event;
using ::benchd::cli::testing::FakeCoordinatorServer;
using ::benchd::cli::testing::FakeCoordinatorService;
using ::benchd::cli::testing::MakeAgent;
using ::benchd::cli::testing::MakeDevice;
using ::benchd::cli::testing::MakeExperiment;
using ::benchd::cli::testing::MakeEvent;
using ::benchd::cli::testing::MakeSweep;
using ::benchd::cli::testing::Progress;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

benchd::v1::SweepProgress WithUnschedulable(benchd::v1::SweepProgress progress,
                                            int64_t unschedulable, double per_min = 0) {
  progress.set_unschedulable(unschedulable);
  progress.set_throughput_per_min(per_min);
  return progress;
}

class OperatorCommandsTest : public ::testing::Test {
 protected:
  OperatorCommandsTest()
      : client_(CoordinatorClient::Connect({server_.address(), std::chrono::seconds(10)})) {}

  CommandContext Context(bool tty = false) { return {*client_, out_, err_, tty}; }
  FakeCoordinatorService& fake() { return server_.service(); }

  // lab-1: cpu0 idle, orin0 busy with run 17; lab-2: cpu0 quarantined.
  void SetLab() {
    benchd::v1::Device quarantined = MakeDevice("cpu0", "host-cpu", "quarantined");
    quarantined.set_quarantined(true);
    quarantined.set_quarantine_reason("3 failures in a row");
    quarantined.set_consecutive_failures(3);
    quarantined.set_last_error("benchd-host-mlp exited with status 139 (SIGSEGV)");
    fake().SetAgents({MakeAgent("lab-1", {MakeDevice("cpu0", "host-cpu", "idle"),
                                          MakeDevice("orin0", "jetson-orin", "busy", 17)}),
                      MakeAgent("lab-2", {quarantined})});
  }

  FakeCoordinatorServer server_;
  std::unique_ptr<CoordinatorClient> client_;
  std::ostringstream out_;
  std::ostringstream err_;
};

// --- watch ---

TEST_F(OperatorCommandsTest, WatchShowsUnschedulableAndThroughputAndExitsZeroOnSuccess) {
  fake().AddSweep(MakeSweep(4, "w", Progress(4, 0, 0, 0)));
  fake().SetWatchEvents(4, {Event(WithUnschedulable(Progress(4, 1, 0, 2, 60'000), 1, 2.5)),
                            Event(WithUnschedulable(Progress(4, 4, 0, 0), 0, 3.0), true)});
  absl::StatusOr<ExitCode> code = RunWatch(Context(/*tty=*/false), 4);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, ExitCode::kOk);
  EXPECT_EQ(err_.str(),
            "sweep 4: 1/4 done (25%): 1 succeeded, 0 failed, 2 running, 1 pending "
            "(1 unschedulable), 2.5/min, ETA 1m\n"
            "sweep 4: 4/4 done (100%): 4 succeeded, 0 failed, 0 running, 0 pending\n");
  EXPECT_EQ(out_.str(), "sweep 4 finished: 4 succeeded, 0 failed, 0 cancelled\n");
}

TEST_F(OperatorCommandsTest, WatchRidesOutACoordinatorThatGoesAwayAndSaysSoOnce) {
  fake().AddSweep(MakeSweep(4, "w", Progress(4, 0, 0, 0)));
  const grpc::Status away(grpc::StatusCode::UNAVAILABLE, "the coordinator is shutting down");
  fake().QueueWatchSession(4, {Event(Progress(4, 1, 0, 3))}, away);
  fake().QueueWatchSession(4, {}, away);  // still away on the first retry
  fake().QueueWatchSession(4, {Event(Progress(4, 2, 0, 2)), Event(Progress(4, 4, 0, 0), true)}, grpc::Status::OK);
  int waits = 0;
  absl::StatusOr<ExitCode> code = RunWatch(Context(/*tty=*/false), 4, [&] { return ++waits < 10; });
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, ExitCode::kOk);
  EXPECT_EQ(waits, 2);
  const std::string err = err_.str();
  const std::string note = "is unavailable: the coordinator is shutting down; still trying\n";
  ASSERT_NE(err.find(note), std::string::npos) << err;
  EXPECT_EQ(err.find(note), err.rfind(note)) << "said more than once:\n" << err;
  EXPECT_LT(err.find("sweep 4: 1/4 done"), err.find("benchctl: watch sweep 4: coordinator at ")) << err;
  EXPECT_LT(err.find(note), err.find("sweep 4: 2/4 done")) << err;
  EXPECT_THAT(err, HasSubstr("sweep 4: 4/4 done (100%): 4 succeeded, 0 failed, 0 running, 0 pending\n"));
  EXPECT_EQ(out_.str(), "sweep 4 finished: 4 succeeded, 0 failed, 0 cancelled\n");
}

TEST_F(OperatorCommandsTest, WatchEndsAtOnceWhenTheCoordinatorNeverAnswered) {
  fake().AddSweep(MakeSweep(4, "w", Progress(4, 0, 0, 0)));
  fake().FailEveryCall(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"));
  int waits = 0;
  absl::StatusOr<ExitCode> code = RunWatch(Context(/*tty=*/false), 4, [&] { return ++waits < 10; });
  EXPECT_EQ(code.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(waits, 0);  // never reached: no reason to believe it is coming
}

TEST_F(OperatorCommandsTest, WatchEndsWhenItsWaitGivesUp) {
  fake().AddSweep(MakeSweep(4, "w", Progress(4, 0, 0, 0)));
  fake().SetWatchEvents(4, {Event(Progress(4, 1, 0, 3))},
                        grpc::Status(grpc::StatusCode::UNAVAILABLE, "the coordinator is shutting down"));
  int waits = 0;
  absl::StatusOr<ExitCode> code = RunWatch(Context(/*tty=*/false), 4, [&] { return ++waits < 3; });
  EXPECT_EQ(code.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(code.status().message()), HasSubstr("watch sweep 4: "));
  EXPECT_EQ(waits, 3);
}

TEST_F(OperatorCommandsTest, WatchKeepsWaitingWhileOnlyUnschedulableWorkIsLeft) {
  fake().AddSweep(MakeSweep(4, "w", Progress(3, 0, 0, 0)));
  // A device that can run the last experiment registers after a while.
  fake().SetWatchEvents(4, {Event(WithUnschedulable(Progress(3, 2, 0, 0), 1, 1.0)),
                            Event(Progress(3, 2, 0, 1)), Event(Progress(3, 3, 0, 0), true)});
  absl::StatusOr<ExitCode> code = RunWatch(Context(/*tty=*/false), 4);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, ExitCode::kOk);
  EXPECT_THAT(err_.str(),
              HasSubstr("sweep 4: 2/3 done (66%): 2 succeeded, 0 failed, 0 running, 1 pending "
                        "(1 unschedulable), waiting for a device that can run them\n"));
  EXPECT_EQ(out_.str(), "sweep 4 finished: 3 succeeded, 0 failed, 0 cancelled\n");
}

TEST_F(OperatorCommandsTest, WatchOnATerminalSaysItIsWaitingForADevice) {
  fake().AddSweep(MakeSweep(4, "w", Progress(2, 0, 0, 0)));
  fake().SetWatchEvents(
      4, {Event(WithUnschedulable(Progress(2, 1, 0, 0), 1)), Event(Progress(2, 1, 1, 0), true)});
  absl::StatusOr<ExitCode> code = RunWatch(Context(/*tty=*/true), 4);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_THAT(err_.str(), HasSubstr("1 unschedulable  waiting for a device\x1b[K"));
}

TEST_F(OperatorCommandsTest, WatchOfASweepWithFailuresExitsFive) {
  fake().AddSweep(MakeSweep(4, "w", Progress(3, 0, 0, 0)));
  fake().SetWatchEvents(4, {Event(Progress(3, 2, 1, 0), true)});
  absl::StatusOr<ExitCode> code = RunWatch(Context(), 4);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(ToInt(*code), 5);
  EXPECT_EQ(out_.str(), "sweep 4 finished: 2 succeeded, 1 failed, 0 cancelled\n");
}

TEST_F(OperatorCommandsTest, WatchOfUnknownSweepIsNotFound) {
  absl::StatusOr<ExitCode> code = RunWatch(Context(), 99);
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.status().message(), "watch sweep 99: sweep 99 not found");
  EXPECT_EQ(ExitCodeForStatus(code.status()), ExitCode::kNotFound);
  EXPECT_EQ(out_.str(), "");
}

// --- show ---

TEST_F(OperatorCommandsTest, ShowListsFailedAndUnschedulableExperimentsAfterTheTable) {
  benchd::v1::Experiment failed =
      MakeExperiment(0, "host-cpu", benchd::v1::EXPERIMENT_STATE_FAILED, 8);
  failed.set_attempts(3);
  failed.set_error("out of memory");
  benchd::v1::Experiment unschedulable =
      MakeExperiment(1, "tx3", benchd::v1::EXPERIMENT_STATE_PENDING, 4);
  unschedulable.set_unschedulable(true);
  unschedulable.set_unschedulable_reason("no registered device has platform tx3");
  benchd::v1::Experiment running =
      MakeExperiment(2, "host-cpu", benchd::v1::EXPERIMENT_STATE_RUNNING, 16);
  running.set_attempts(1);
  fake().AddSweep(MakeSweep(3, "resnet", WithUnschedulable(Progress(3, 0, 1, 1, 90'000), 1, 0.5)),
                  {failed, unschedulable, running});

  ASSERT_TRUE(RunShow(Context(), 3).ok());
  EXPECT_EQ(out_.str(),
            "sweep      3\n"
            "name       resnet\n"
            "submitted  2023-11-14T22:13:20Z\n"
            "progress   1/3 done (33%): 0 succeeded, 1 failed, 1 running, 1 pending "
            "(1 unschedulable), 0.5/min, ETA 1m30s\n"
            "\n"
            "#  PLATFORM  PARAMETERS  STATE    ATTEMPTS  ERROR\n"
            "0  host-cpu  batch=8     failed          3  out of memory\n"
            "1  tx3       batch=4     pending         0  -\n"
            "2  host-cpu  batch=16    running         1  -\n"
            "\n"
            "failed experiments (1):\n"
            "#  PLATFORM  PARAMETERS  ATTEMPTS  ERROR\n"
            "0  host-cpu  batch=8            3  out of memory\n"
            "\n"
            "unschedulable experiments (1):\n"
            "#  PLATFORM  PARAMETERS  REASON\n"
            "1  tx3       batch=4     no registered device has platform tx3\n");
}

TEST_F(OperatorCommandsTest, ShowSaysWhenTheSweepWasCancelled) {
  benchd::v1::Sweep sweep = MakeSweep(3, "resnet", Progress(2, 1, 0, 0));
  sweep.mutable_progress()->set_pending(0);
  sweep.mutable_progress()->set_cancelled(1);
  sweep.set_cancelled(true);
  fake().AddSweep(sweep,
                  {MakeExperiment(0, "host-cpu", benchd::v1::EXPERIMENT_STATE_SUCCEEDED, 8),
                   MakeExperiment(1, "host-cpu", benchd::v1::EXPERIMENT_STATE_CANCELLED, 16)});
  ASSERT_TRUE(RunShow(Context(), 3).ok());
  EXPECT_THAT(out_.str(), HasSubstr("submitted  2023-11-14T22:13:20Z\n"
                                    "state      cancelled\n"
                                    "progress   2/2 done (100%): 1 succeeded, 0 failed, 0 running, "
                                    "0 pending, 1 cancelled\n"));
  // Nothing failed and nothing waits: no attention sections.
  EXPECT_THAT(out_.str(), Not(HasSubstr("experiments (")));
}

// --- cancel and rerun ---

TEST_F(OperatorCommandsTest, CancelSaysHowManyExperimentsAndRunsItStopped) {
  fake().AddSweep(MakeSweep(3, "resnet", Progress(4, 1, 0, 1)),
                  {MakeExperiment(0, "host-cpu", benchd::v1::EXPERIMENT_STATE_SUCCEEDED, 1),
                   MakeExperiment(1, "host-cpu", benchd::v1::EXPERIMENT_STATE_RUNNING, 2),
                   MakeExperiment(2, "host-cpu", benchd::v1::EXPERIMENT_STATE_PENDING, 4),
                   MakeExperiment(3, "host-cpu", benchd::v1::EXPERIMENT_STATE_PENDING, 8)});
  ASSERT_TRUE(RunCancel(Context(), 3).ok());
  EXPECT_EQ(out_.str(),
            "sweep 3 cancelled: 2 pending experiment(s) cancelled, 1 running run(s) stopped\n");
}

TEST_F(OperatorCommandsTest, CancelOfUnknownSweepIsNotFound) {
  absl::Status status = RunCancel(Context(), 99);
  EXPECT_EQ(status.message(), "cancel sweep 99: sweep 99 not found");
  EXPECT_EQ(ExitCodeForStatus(status), ExitCode::kNotFound);
}

TEST_F(OperatorCommandsTest, RerunOfCancelledSweepPassesTheCoordinatorsAdviceThrough) {
  fake().AddSweep(MakeSweep(3, "resnet", Progress(2, 0, 1, 0)),
                  {MakeExperiment(0, "host-cpu", benchd::v1::EXPERIMENT_STATE_FAILED, 1),
                   MakeExperiment(1, "host-cpu", benchd::v1::EXPERIMENT_STATE_PENDING, 1)});
  ASSERT_TRUE(RunCancel(Context(), 3).ok());
  absl::Status status = RunRerunFailed(Context(), 3);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "rerun sweep 3: sweep 3 was cancelled; submit its file again with --resume 3 to run what is missing");
  EXPECT_EQ(ExitCodeForStatus(status), ExitCode::kBadInput);
}

TEST_F(OperatorCommandsTest, CancelOfAFinishedSweepIsRefusedWithTheReason) {
  fake().AddSweep(MakeSweep(3, "resnet", Progress(2, 1, 1, 0)),
                  {MakeExperiment(0, "host-cpu", benchd::v1::EXPERIMENT_STATE_SUCCEEDED, 1),
                   MakeExperiment(1, "host-cpu", benchd::v1::EXPERIMENT_STATE_FAILED, 1)});
  absl::Status status = RunCancel(Context(), 3);
  EXPECT_EQ(status.message(), "cancel sweep 3: sweep 3 has finished: nothing is pending or running to cancel");
  EXPECT_EQ(ExitCodeForStatus(status), ExitCode::kBadInput);
  EXPECT_EQ(out_.str(), "");
}

// --- drain ---

TEST_F(OperatorCommandsTest, DrainListsTheRunsTheAgentIsFinishing) {
  SetLab();
  ASSERT_TRUE(RunDrain(Context(), {"lab-1", false}).ok());
  EXPECT_EQ(out_.str(),
            "agent lab-1 is draining: it gets no new work and is finishing 1 active run(s)\n"
            "RUN  DEVICE  PLATFORM\n"
            " 17  orin0   jetson-orin\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(OperatorCommandsTest, DrainOfAnIdleAgentAndUndo) {
  SetLab();
  ASSERT_TRUE(RunDrain(Context(), {"lab-2", false}).ok());
  ASSERT_TRUE(RunDrain(Context(), {"lab-2", true}).ok());
  EXPECT_EQ(out_.str(),
            "agent lab-2 is draining: it gets no new work and has no active runs\n"
            "agent lab-2 takes work again\n");
}

TEST_F(OperatorCommandsTest, DrainOfUnknownAgentIsNotFound) {
  SetLab();
  absl::Status status = RunDrain(Context(), {"lab-9", true});
  EXPECT_EQ(status.message(), "undrain agent lab-9: agent lab-9 not found");
  EXPECT_EQ(ExitCodeForStatus(status), ExitCode::kNotFound);
}

// --- devices ---

TEST_F(OperatorCommandsTest, DevicesShowsStateConfigHealthAndShortenedLastError) {
  SetLab();
  benchd::v1::Agent lab1 = MakeAgent("lab-1", {MakeDevice("cpu0", "host-cpu", "draining"),
                                               MakeDevice("orin0", "jetson-orin", "busy", 17)});
  lab1.set_draining(true);
  lab1.mutable_devices(1)->set_config_key("power_mode=maxn");
  lab1.mutable_devices(1)->add_required_parameters("precision");
  lab1.mutable_devices(1)->add_required_parameters("topology");
  lab1.mutable_devices(1)->set_consecutive_failures(1);
  lab1.mutable_devices(1)->set_last_error(
      "trtexec: engine build failed: out of device memory while building layer "
      "conv_17\nstack trace follows");
  benchd::v1::Device quarantined = MakeDevice("cpu0", "host-cpu", "quarantined");
  quarantined.set_quarantined(true);
  quarantined.set_quarantine_reason("3 failures in a row");
  quarantined.set_last_error("exit 139");
  fake().SetAgents({lab1, MakeAgent("lab-2", {quarantined})});

  ASSERT_TRUE(RunDevices(Context(), DevicesFormat::kTable).ok());
  EXPECT_EQ(out_.str(),
            "AGENT             DEVICE  PLATFORM     STATE        CONFIG           NEEDS               HEALTH       "
            "                     LAST ERROR\n"
            "lab-1 (draining)  cpu0    host-cpu     draining     -                -                   ok           "
            "                     -\n"
            "lab-1 (draining)  orin0   jetson-orin  busy         power_mode=maxn  precision,topology  failures 1   "
            "                     trtexec: engine build failed: out of device memory while ...\n"
            "lab-2             cpu0    host-cpu     quarantined  -                -                   quarantined: 3 "
            "failures in a row  exit 139\n");
}

TEST_F(OperatorCommandsTest, DevicesAsJsonKeepTheWholeError) {
  SetLab();
  ASSERT_TRUE(RunDevices(Context(), DevicesFormat::kJson).ok());
  const nlohmann::json json = nlohmann::json::parse(out_.str());
  ASSERT_EQ(json.size(), 3u);
  EXPECT_EQ(json[1]["device"], "orin0");
  EXPECT_EQ(json[1]["current_run_id"], 17);
  EXPECT_EQ(json[1]["required_parameters"], nlohmann::json::array());
  EXPECT_EQ(json[2]["agent"], "lab-2");
  EXPECT_EQ(json[2]["quarantined"], true);
  EXPECT_EQ(json[2]["consecutive_failures"], 3);
  EXPECT_EQ(json[2]["last_error"], "benchd-host-mlp exited with status 139 (SIGSEGV)");
  EXPECT_EQ(json[0]["agent_draining"], false);
}

TEST(DeviceHealthTextTest, QuarantineWinsOverFailureCount) {
  benchd::v1::Device device;
  EXPECT_EQ(DeviceHealthText(device), "ok");
  device.set_consecutive_failures(2);
  EXPECT_EQ(DeviceHealthText(device), "failures 2");
  device.set_quarantined(true);
  EXPECT_EQ(DeviceHealthText(device), "quarantined");
  device.set_quarantine_reason("health check failed");
  EXPECT_EQ(DeviceHealthText(device), "quarantined: health check failed");
}

// --- device enable / disable ---

TEST_F(OperatorCommandsTest, DisableByUniqueDeviceNameFindsItsAgent) {
  SetLab();
  ASSERT_TRUE(RunSetDeviceEnabled(Context(), "orin0", false).ok());
  ASSERT_TRUE(fake().last_set_device_enabled().has_value());
  EXPECT_EQ(fake().last_set_device_enabled()->agent(), "lab-1");
  EXPECT_EQ(fake().last_set_device_enabled()->device(), "orin0");
  EXPECT_FALSE(fake().last_set_device_enabled()->enabled());
  EXPECT_EQ(out_.str(),
            "device lab-1/orin0 disabled: now busy until run 17 finishes; it gets no new work\n");
}

TEST_F(OperatorCommandsTest, EnablingAQuarantinedDeviceSaysTheQuarantineIsCleared) {
  SetLab();
  ASSERT_TRUE(RunSetDeviceEnabled(Context(), "lab-2/cpu0", true).ok());
  EXPECT_EQ(out_.str(), "device lab-2/cpu0 enabled (quarantine cleared): now idle\n");
  EXPECT_EQ(fake().last_set_device_enabled()->agent(), "lab-2");
}

TEST_F(OperatorCommandsTest, AmbiguousDeviceNameListsTheCandidatesAndChangesNothing) {
  SetLab();
  absl::Status status = RunSetDeviceEnabled(Context(), "cpu0", false);
  EXPECT_EQ(status.message(),
            "disable device cpu0: device name 'cpu0' is ambiguous: lab-1/cpu0, lab-2/cpu0; name "
            "one as AGENT/DEVICE");
  EXPECT_EQ(ExitCodeForStatus(status), ExitCode::kBadInput);
  EXPECT_FALSE(fake().last_set_device_enabled().has_value());
  EXPECT_EQ(out_.str(), "");
}

TEST_F(OperatorCommandsTest, UnknownDeviceNameIsNotFoundAndListsTheKnownOnes) {
  SetLab();
  absl::Status status = RunSetDeviceEnabled(Context(), "lab-1/gpu0", true);
  EXPECT_EQ(status.message(),
            "enable device lab-1/gpu0: no device 'lab-1/gpu0' (known: lab-1/cpu0, lab-1/orin0, "
            "lab-2/cpu0)");
  EXPECT_EQ(ExitCodeForStatus(status), ExitCode::kNotFound);
  EXPECT_FALSE(fake().last_set_device_enabled().has_value());
}

TEST(ResolveDeviceNameTest, MalformedAndEmptyLab) {
  EXPECT_EQ(ResolveDeviceName({}, "lab-1/").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ResolveDeviceName({}, "/cpu0").status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<DeviceRef> none = ResolveDeviceName({}, "cpu0");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(none.status().message(), "no device 'cpu0': no agent with devices has registered");
}

TEST(ResolveDeviceNameTest, LongCandidateListsAreCut) {
  std::vector<benchd::v1::Agent> agents;
  for (int i = 0; i < 12; ++i) {
    agents.push_back(
        MakeAgent("lab-" + std::to_string(i), {MakeDevice("cpu0", "host-cpu", "idle")}));
  }
  absl::StatusOr<DeviceRef> ambiguous = ResolveDeviceName(agents, "cpu0");
  EXPECT_THAT(std::string(ambiguous.status().message()),
              HasSubstr("lab-9/cpu0 and 2 more (see 'benchctl devices')"));
  absl::StatusOr<DeviceRef> exact = ResolveDeviceName(agents, "lab-11/cpu0");
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->agent, "lab-11");
}

// --- events ---

void AddLog(FakeCoordinatorService& fake) {
  fake.AddEvents({MakeEvent(1, "sweep_submitted", 3, 0, "", "", "sweep 3 submitted"),
                  MakeEvent(2, "run_assigned", 3, 17, "lab-1", "orin0", "run 17 assigned"),
                  MakeEvent(3, "reconfiguration", 3, 17, "lab-1", "orin0",
                            "power mode maxq -> maxn", 12'400)});
}

TEST_F(OperatorCommandsTest, EventsPrintsATableOldestFirst) {
  AddLog(fake());
  ASSERT_TRUE(RunEvents(Context(), {}, [] { return false; }).ok());
  EXPECT_EQ(out_.str(),
            "TIME                  KIND             SWEEP  RUN  AGENT  DEVICE  DURATION  MESSAGE\n"
            "2023-11-14T22:13:21Z  sweep_submitted      3    -  -      -              -  sweep 3 "
            "submitted\n"
            "2023-11-14T22:13:22Z  run_assigned         3   17  lab-1  orin0          -  run 17 "
            "assigned\n"
            "2023-11-14T22:13:23Z  reconfiguration      3   17  lab-1  orin0        12s  power "
            "mode maxq -> maxn\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(OperatorCommandsTest, EventsPassesTheFiltersAndTheLimit) {
  AddLog(fake());
  EventsOptions options;
  options.sweep_id = 3;
  options.run_id = 17;
  options.agent = "lab-1";
  options.device = "orin0";
  options.kind = "run_assigned";
  options.limit = 5;
  ASSERT_TRUE(RunEvents(Context(), options, [] { return false; }).ok());
  ASSERT_EQ(fake().events_requests().size(), 1u);
  const benchd::v1::ListEventsRequest request = fake().events_requests()[0];
  EXPECT_EQ(request.sweep_id(), 3);
  EXPECT_EQ(request.run_id(), 17);
  EXPECT_EQ(request.agent(), "lab-1");
  EXPECT_EQ(request.device(), "orin0");
  EXPECT_EQ(request.kind(), "run_assigned");
  EXPECT_EQ(request.limit(), 5);
  EXPECT_EQ(request.after_id(), 0);
  EXPECT_THAT(out_.str(), HasSubstr("run 17 assigned"));
  EXPECT_THAT(out_.str(), Not(HasSubstr("power mode")));
}

TEST_F(OperatorCommandsTest, NoMatchingEventsIsSaidOnStderr) {
  ASSERT_TRUE(RunEvents(Context(), {}, [] { return false; }).ok());
  EXPECT_EQ(err_.str(), "no events match\n");
}

TEST_F(OperatorCommandsTest, FollowAsksOnlyForEventsAfterTheLastOnePrinted) {
  AddLog(fake());
  EventsOptions options;
  options.limit = 2;
  options.follow = true;
  int waits = 0;
  auto wait = [&] {
    ++waits;
    // New events arrive before the second poll; the third poll finds none.
    if (waits == 2) {
      fake().AddEvents({MakeEvent(4, "run_succeeded", 3, 17, "lab-1", "orin0", "run 17 done"),
                        MakeEvent(5, "device_quarantined", 0, 0, "lab-2", "cpu0", "quarantined")});
    }
    return waits <= 3;
  };
  ASSERT_TRUE(RunEvents(Context(), options, wait).ok());

  std::vector<int64_t> after_ids;
  std::vector<int32_t> limits;
  for (const benchd::v1::ListEventsRequest& request : fake().events_requests()) {
    after_ids.push_back(request.after_id());
    limits.push_back(request.limit());
  }
  EXPECT_THAT(after_ids, ElementsAre(0, 3, 3, 5));
  EXPECT_THAT(limits, ElementsAre(2, kMaxEventsPerCall, kMaxEventsPerCall, kMaxEventsPerCall));
  // The newest two, then the new ones under the same header, each once.
  const std::string out = out_.str();
  EXPECT_EQ(out.find("TIME"), 0u);
  EXPECT_EQ(out.find("TIME", 1), std::string::npos);
  EXPECT_THAT(out, Not(HasSubstr("sweep 3 submitted")));
  EXPECT_THAT(out, HasSubstr("run 17 assigned"));
  EXPECT_THAT(out, HasSubstr("run 17 done"));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 5);
  // Fixed minimum widths keep later rows under the header.
  const size_t message_column = out.find("MESSAGE");
  EXPECT_EQ(out.find("quarantined\n") - out.rfind('\n', out.find("quarantined\n") - 1) - 1,
            message_column);
}

TEST_F(OperatorCommandsTest, FollowRidesOutAnUnavailableCoordinator) {
  EventsOptions options;
  options.follow = true;
  int waits = 0;
  auto wait = [&] {
    ++waits;
    if (waits == 1) fake().FailEveryCall(grpc::Status(grpc::StatusCode::UNAVAILABLE, "restarting"));
    if (waits == 3) {
      fake().FailEveryCall(grpc::Status::OK);
      fake().AddEvents({MakeEvent(1, "agent_connected", 0, 0, "lab-1", "", "lab-1 connected")});
    }
    return waits <= 3;
  };
  ASSERT_TRUE(RunEvents(Context(), options, wait).ok());
  EXPECT_THAT(err_.str(), HasSubstr("is unavailable: restarting; still trying\n"));
  // Noted once, though two polls failed.
  EXPECT_EQ(err_.str().find("still trying"), err_.str().rfind("still trying"));
  EXPECT_THAT(out_.str(), HasSubstr("lab-1 connected"));
}

TEST_F(OperatorCommandsTest, FollowStopsOnAnErrorThatWillNotPass) {
  EventsOptions options;
  options.follow = true;
  auto wait = [&] {
    fake().FailEveryCall(grpc::Status(grpc::StatusCode::INTERNAL, "store exploded"));
    return true;
  };
  absl::Status status = RunEvents(Context(), options, wait);
  EXPECT_EQ(status.message(), "events: store exploded");
  EXPECT_EQ(ExitCodeForStatus(status), ExitCode::kInternal);
}

}  // namespace
}  // namespace benchd::cli
