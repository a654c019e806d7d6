#include "cli/app.h"

#include <algorithm>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "cli/commands/agents.h"
#include "cli/commands/cancel.h"
#include "cli/commands/device.h"
#include "cli/commands/devices.h"
#include "cli/commands/drain.h"
#include "cli/commands/events.h"
#include "cli/commands/plan.h"
#include "cli/commands/rerun.h"
#include "cli/commands/results.h"
#include "cli/commands/trace.h"
#include "cli/commands/show.h"
#include "cli/commands/submit.h"
#include "cli/commands/sweeps.h"
#include "cli/commands/watch.h"
#include "cli/coordinator_client.h"
#include "cli/exit_codes.h"
#include "common/duration.h"

namespace benchd::cli {

namespace {

constexpr char kVersion[] = "benchctl " BENCHD_VERSION;

struct GlobalOptions {
  std::string coordinator = kDefaultCoordinatorAddress;
  std::string timeout = "10s";
};

struct Commands {
  CLI::App* submit = nullptr;
  CLI::App* sweeps = nullptr;
  CLI::App* show = nullptr;
  CLI::App* results = nullptr;
  CLI::App* trace = nullptr;
  CLI::App* agents = nullptr;
  CLI::App* plan = nullptr;
  CLI::App* rerun = nullptr;
  CLI::App* watch = nullptr;
  CLI::App* cancel = nullptr;
  CLI::App* drain = nullptr;
  CLI::App* devices = nullptr;
  CLI::App* device_enable = nullptr;
  CLI::App* device_disable = nullptr;
  CLI::App* events = nullptr;
  int64_t watch_sweep = 0;
  int64_t cancel_sweep = 0;
  DrainOptions drain_options;
  std::string devices_format = "table";
  std::string device_name;
  EventsOptions events_options;
  int64_t rerun_sweep = 0;
  bool rerun_failed = false;
  SubmitOptions submit_options;
  PlanOptions plan_options;
  std::string plan_output = "text";
  int64_t show_sweep = 0;
  int64_t results_sweep = 0;
  std::string results_format = "table";
  TraceOptions trace_options;
};

void DefineCommands(CLI::App& app, GlobalOptions& globals, Commands& commands) {
  app.add_option("--coordinator", globals.coordinator, "coordinator address HOST:PORT")
      ->envname(kCoordinatorAddressEnv)
      ->capture_default_str();
  app.add_option("--timeout", globals.timeout,
                 "deadline of each call to the coordinator (500ms, 10s, 1m, ...)")
      ->capture_default_str();
  app.set_version_flag("--version", kVersion);
  app.require_subcommand(1);
  // Lets global flags come after the command too: `benchctl sweeps --timeout 2s`.
  app.fallthrough();

  commands.submit = app.add_subcommand("submit", "submit a sweep file and print its id");
  commands.submit->add_option("FILE", commands.submit_options.file, "sweep file (YAML)")
      ->required();
  commands.submit->add_flag("-w,--watch", commands.submit_options.watch,
                            "follow the sweep until it completes (exit code 5 if any "
                            "experiment failed)");
  commands.submit->add_option("--resume", commands.submit_options.resume,
                              "leave out the points that already succeeded in this sweep")
      ->check(CLI::PositiveNumber);
  commands.submit->add_flag("--prune-invalid", commands.submit_options.prune_invalid,
                            "drop and list points a platform does not accept instead of failing");

  commands.rerun = app.add_subcommand("rerun", "put a sweep's failed experiments back in the queue");
  commands.rerun->add_option("SWEEP", commands.rerun_sweep, "sweep id")
      ->required()
      ->check(CLI::PositiveNumber);
  commands.rerun->add_flag("--failed", commands.rerun_failed, "rerun the failed experiments")->required();

  commands.watch = app.add_subcommand(
      "watch", "follow a sweep until it completes (exit code 5 if any experiment failed)");
  commands.watch->add_option("SWEEP", commands.watch_sweep, "sweep id")
      ->required()
      ->check(CLI::PositiveNumber);

  commands.cancel = app.add_subcommand(
      "cancel", "cancel a sweep's pending experiments and stop its running ones");
  commands.cancel->add_option("SWEEP", commands.cancel_sweep, "sweep id")
      ->required()
      ->check(CLI::PositiveNumber);

  commands.sweeps = app.add_subcommand("sweeps", "list sweeps and their progress");

  commands.show = app.add_subcommand("show", "show a sweep and its experiments");
  commands.show->add_option("SWEEP", commands.show_sweep, "sweep id")
      ->required()
      ->check(CLI::PositiveNumber);

  commands.results = app.add_subcommand("results", "print a sweep's results");
  commands.results->add_option("SWEEP", commands.results_sweep, "sweep id")
      ->required()
      ->check(CLI::PositiveNumber);
  commands.results->add_option("-f,--format", commands.results_format, "output format")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();

  commands.trace = app.add_subcommand("trace", "write a run's raw power and latency samples as CSV");
  commands.trace->add_option("RUN", commands.trace_options.run_id, "run id (the run_id column of results)")
      ->required()
      ->check(CLI::PositiveNumber);
  commands.trace->add_option("-o,--output", commands.trace_options.output, "file to write (default: stdout)");

  commands.agents = app.add_subcommand("agents", "list agents and their devices");

  commands.drain = app.add_subcommand(
      "drain", "let an agent finish its active runs and give it no new work");
  commands.drain->add_option("AGENT", commands.drain_options.agent, "agent name")->required();
  commands.drain->add_flag("--undo", commands.drain_options.undo, "give the agent work again");

  commands.devices = app.add_subcommand(
      "devices", "list devices with their state, configuration, health and last error");
  commands.devices->add_option("-f,--format", commands.devices_format, "output format")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();

  CLI::App* device = app.add_subcommand("device", "take a device out of service or put it back");
  device->require_subcommand(1);
  commands.device_enable =
      device->add_subcommand("enable", "put a device back in service (clears quarantine)");
  commands.device_enable->add_option("NAME", commands.device_name, "AGENT/DEVICE, or DEVICE")
      ->required();
  commands.device_disable = device->add_subcommand(
      "disable", "take a device out of service (a run on it finishes first)");
  commands.device_disable->add_option("NAME", commands.device_name, "AGENT/DEVICE, or DEVICE")
      ->required();

  EventsOptions& events = commands.events_options;
  commands.events = app.add_subcommand("events", "show the coordinator's event log, oldest first");
  commands.events->add_option("--sweep", events.sweep_id, "only this sweep's events")
      ->check(CLI::PositiveNumber);
  commands.events->add_option("--run", events.run_id, "only this run's events")
      ->check(CLI::PositiveNumber);
  commands.events->add_option("--agent", events.agent, "only this agent's events");
  commands.events->add_option("--device", events.device, "only this device's events");
  commands.events->add_option("--kind", events.kind,
                              "only events of this kind (run_assigned, device_quarantined, ...)");
  commands.events->add_option("-n,--limit", events.limit, "print the newest N events")
      ->check(CLI::Range(1, kMaxEventsPerCall))
      ->capture_default_str();
  commands.events->add_flag("-f,--follow", events.follow,
                            "keep printing new events as they happen (until interrupted)");

  commands.plan = app.add_subcommand(
      "plan", "show what a sweep file would run, without submitting it (no coordinator needed)");
  commands.plan->add_option("FILE", commands.plan_options.file, "sweep file (YAML)")->required();
  commands.plan->add_flag("--prune-invalid", commands.plan_options.prune_invalid,
                          "drop and list points a platform does not accept instead of failing");
  commands.plan->add_option("-o,--output", commands.plan_output, "output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  commands.plan->add_option("--max-points", commands.plan_options.max_points,
                            "refuse sweeps with more points than this")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

absl::StatusOr<ExitCode> AsExitCode(const absl::Status& status) {
  if (!status.ok()) return status;
  return ExitCode::kOk;
}

absl::StatusOr<ExitCode> Dispatch(const Commands& commands, const CommandContext& context) {
  if (commands.submit->parsed()) return RunSubmit(context, commands.submit_options);
  if (commands.sweeps->parsed()) return AsExitCode(RunSweeps(context));
  if (commands.show->parsed()) return AsExitCode(RunShow(context, commands.show_sweep));
  if (commands.results->parsed()) {
    absl::StatusOr<ResultsFormat> format = ParseResultsFormat(commands.results_format);
    if (!format.ok()) return format.status();
    return AsExitCode(RunResults(context, {commands.results_sweep, *format}));
  }
  if (commands.trace->parsed()) return AsExitCode(RunTrace(context, commands.trace_options));
  if (commands.agents->parsed()) return AsExitCode(RunAgents(context));
  if (commands.rerun->parsed()) return AsExitCode(RunRerunFailed(context, commands.rerun_sweep));
  if (commands.watch->parsed()) return RunWatch(context, commands.watch_sweep);
  if (commands.cancel->parsed()) return AsExitCode(RunCancel(context, commands.cancel_sweep));
  if (commands.drain->parsed()) return AsExitCode(RunDrain(context, commands.drain_options));
  if (commands.devices->parsed()) {
    absl::StatusOr<DevicesFormat> format = ParseDevicesFormat(commands.devices_format);
    if (!format.ok()) return format.status();
    return AsExitCode(RunDevices(context, *format));
  }
  if (commands.device_enable->parsed()) {
    return AsExitCode(RunSetDeviceEnabled(context, commands.device_name, /*enabled=*/true));
  }
  if (commands.device_disable->parsed()) {
    return AsExitCode(RunSetDeviceEnabled(context, commands.device_name, /*enabled=*/false));
  }
  if (commands.events->parsed()) {
    return AsExitCode(
        RunEvents(context, commands.events_options, SleepingFollowWait(kFollowPollInterval)));
  }
  if (commands.plan->parsed()) {
    PlanOptions options = commands.plan_options;
    absl::StatusOr<PlanFormat> format = ParsePlanFormat(commands.plan_output);
    if (!format.ok()) return format.status();
    options.format = *format;
    return AsExitCode(RunPlan(context, options));
  }
  // `require_subcommand(1)` makes this unreachable unless a command is added
  // above without a branch here.
  return absl::InternalError("no command to run");
}

int Fail(std::ostream& err, const absl::Status& status) {
  err << "benchctl: " << status.message() << '\n';
  return ToInt(ExitCodeForStatus(status));
}

}  // namespace

int RunBenchctl(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
                bool err_is_tty) {
  CLI::App app("Submit benchmark sweeps to the benchd coordinator and read their results.",
               "benchctl");
  app.footer(std::string(kExitCodeHelp));
  GlobalOptions globals;
  Commands commands;
  DefineCommands(app, globals, commands);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help and --version arrive as "errors" whose exit code is success.
    if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      return app.exit(error, out, err);
    }
    err << "benchctl: " << error.what() << "\nrun 'benchctl --help' for usage\n";
    return ToInt(ExitCode::kBadInput);
  }

  absl::StatusOr<std::chrono::milliseconds> timeout = common::ParseDuration(globals.timeout);
  if (!timeout.ok()) {
    return Fail(
        err, absl::InvalidArgumentError("--timeout: " + std::string(timeout.status().message())));
  }
  if (timeout->count() <= 0) {
    return Fail(err, absl::InvalidArgumentError("--timeout must be positive"));
  }
  // `plan` only asks the coordinator for history, which it can do without.
  if (commands.plan->parsed() && app.get_option("--timeout")->count() == 0) {
    *timeout = std::min(*timeout, kPlanHistoryTimeout);
  }
  if (globals.coordinator.empty()) {
    return Fail(err, absl::InvalidArgumentError("--coordinator must not be empty"));
  }

  std::unique_ptr<CoordinatorClient> client =
      CoordinatorClient::Connect({globals.coordinator, *timeout});
  const CommandContext context{*client, out, err, err_is_tty};
  absl::StatusOr<ExitCode> outcome = Dispatch(commands, context);
  out.flush();
  if (!outcome.ok()) return Fail(err, outcome.status());
  return ToInt(*outcome);
}

}  // namespace benchd::cli
