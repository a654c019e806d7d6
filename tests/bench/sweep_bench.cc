// benchd-sweep-bench: how long a large sweep takes from YAML to stored
// experiments, phase by phase, on the coordinator's own path.
//
// It generates a sweep of N x N x N points (default 100: one million) over
// free-form axes `a`, `b`, `c` on host-cpu, then times
//   parse     ParseSweep alone;
//   expand    ExpandSweep alone (catalog checks, point and config keys), as
//             PlanSweep runs it (JSON parameters: the fast matrix path);
//   expand (Parameters)  the same with a Parameters message per point, as
//             `benchctl plan` runs it (the reference path);
//   plan      daemon::PlanSweep, what SubmitSweep runs: parse + expand +
//             building the NewSweep (run settings, keys) for the store;
//   store     PgStore::CreateSweep of that NewSweep (one transaction, COPY)
//   progress  PgStore::GetProgress of the new sweep, which SubmitSweep
//             returns (counts by state, unschedulable work); again with
//             four devices registered that could run it, and with the same
//             devices needing a parameter (checked per experiment)
// against a private PostgreSQL (EmbeddedPostgres in a temporary directory) or
// --database. The submit path costs plan + store + progress; parse and
// expand are shown to tell where plan's time goes. A program to run by hand,
// not a test.
//
// The plan is timed first, in a fresh process, as a coordinator runs it:
// timed after the Parameters expansion had freed a million messages it took
// 30-50 % longer (a fragmented heap), which is the bench's artefact.
//
// Usage: benchd-sweep-bench [--per-axis 100] [--database DSN] [--durable]

#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>
#include <iostream>
#include <string>

#include "common/platform_catalog.h"
#include "common/sweep/sweep_expander.h"
#include "common/sweep/sweep_parser.h"
#include "daemon/core/sweep_submission.h"
#include "daemon/store/embedded_postgres.h"
#include "daemon/store/pg_store.h"
#include "spdlog/spdlog.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string GenerateSweep(int per_axis) {
  std::string yaml =
      "name: sweep-bench\nplatform: host-cpu\nmodel: {topology: MLP, dataset: mnist}\nmatrix:\n";
  for (const char* axis : {"a", "b", "c"}) {
    yaml += std::string("  ") + axis + ": [";
    for (int i = 0; i < per_axis; ++i) yaml += (i ? ", " : "") + std::to_string(i);
    yaml += "]\n";
  }
  yaml += "run: {warmup: 1, iterations: 10, timeout: 1m}\n";
  return yaml;
}

template <typename T>
T OrDie(absl::StatusOr<T> value, const char* what) {
  if (!value.ok()) throw std::runtime_error(std::string(what) + ": " + value.status().ToString());
  return *std::move(value);
}

// Wall time, and this process's CPU time: on a shared machine the wall time
// of a phase includes waiting for a core, and the store's includes the
// server's work, so the two together tell where a phase's time went.
struct Phase {
  double wall_s = 0;
  double cpu_s = 0;
};

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// CPU time of the private server: the postmaster and its children (the
// backends, the WAL writer, the checkpointer, and those that have exited),
// from /proc. 0 when unknown.
double ServerCpuSeconds(const std::string& dir) {
  std::ifstream pid_file(dir + "/pg/data/postmaster.pid");
  long postmaster = 0;
  if (!(pid_file >> postmaster)) return 0;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  double total = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // Fields after the command name, which is in parentheses: state ppid ...
    std::istringstream fields(line.substr(line.rfind(')') + 2));
    std::string field;
    std::vector<std::string> values;
    while (fields >> field) values.push_back(field);
    if (values.size() < 15) continue;
    const long pid = std::atol(entry.path().filename().c_str());
    const long ppid = std::atol(values[1].c_str());
    if (pid != postmaster && ppid != postmaster) continue;
    total += (std::atof(values[11].c_str()) + std::atof(values[12].c_str())) / tick;  // utime, stime
    // Backends that have exited (a store's second connection) count in
    // the postmaster's cutime and cstime.
    if (pid == postmaster) total += (std::atof(values[13].c_str()) + std::atof(values[14].c_str())) / tick;
  }
  return total;
}

class Stopwatch {
 public:
  Stopwatch() : wall_(Clock::now()), cpu_(ProcessCpuSeconds()) {}
  Phase Stop() const {
    return {std::chrono::duration<double>(Clock::now() - wall_).count(),
            ProcessCpuSeconds() - cpu_};
  }

 private:
  Clock::time_point wall_;
  double cpu_;
};

void PrintPhase(const char* name, const Phase& phase, size_t points) {
  std::printf("%-40s %8.3f s wall %8.3f s cpu %11.0f points/s\n", name, phase.wall_s, phase.cpu_s,
              static_cast<double>(points) / phase.wall_s);
}

}  // namespace

int main(int argc, char** argv) {
  int per_axis = 100;
  std::string database;
  bool durable = false;
  CLI::App app{"benchd-sweep-bench: parse, expand and store a large sweep, phase by phase"};
  app.add_option("--per-axis", per_axis, "values per axis; the sweep has this cubed points")
      ->check(CLI::Range(1, 100));
  app.add_option("--database", database,
                 "PostgreSQL DSN; default: a private server in a temporary directory");
  app.add_flag("--durable", durable,
               "run the private server with fsync on, as benchd's embedded default does");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);

  std::string dir;
  try {
    const std::string yaml = GenerateSweep(per_axis);
    const auto catalog = OrDie(benchd::common::PlatformCatalog::Builtin(), "catalog");

    Stopwatch watch;
    const auto spec = OrDie(benchd::common::ParseSweep(yaml, "sweep-bench.yaml"), "parse");
    const Phase parse = watch.Stop();

    watch = Stopwatch();
    const auto planned =
        OrDie(benchd::daemon::PlanSweep(yaml, "sweep-bench.yaml", catalog), "plan");
    const Phase plan = watch.Stop();
    size_t points = 0;
    Phase expand;
    Phase expand_parameters;
    {
      // Freed before the next phase, so that it does not run short of memory.
      benchd::common::ExpandOptions json;
      json.json_parameters = true;
      watch = Stopwatch();
      const auto expansion = OrDie(benchd::common::ExpandSweep(spec, catalog, json), "expand");
      expand = watch.Stop();
      points = expansion.points.size();
    }
    {
      watch = Stopwatch();
      const auto expansion = OrDie(benchd::common::ExpandSweep(spec, catalog), "expand");
      expand_parameters = watch.Stop();
    }


    char pattern[] = "/tmp/benchd-sweep-bench-XXXXXX";
    if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir = pattern;
    // The server runs as `postgres` when we are root: it must reach its directory.
    std::filesystem::permissions(
        dir, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                 std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                 std::filesystem::perms::others_exec);
    std::unique_ptr<benchd::daemon::EmbeddedPostgres> embedded;
    if (database.empty()) {
      benchd::daemon::EmbeddedPostgresOptions pg_options;
      // By default the store's cost without fsync, which is what the code
      // controls; --durable adds what the disk costs.
      pg_options.durable = durable;
      embedded = std::make_unique<benchd::daemon::EmbeddedPostgres>(pg_options);
      database = OrDie(embedded->Start(dir), "start PostgreSQL");
    }
    benchd::daemon::PgStore store(benchd::daemon::PgStoreOptions{.dsn = database, .pool_size = 2});
    if (absl::Status opened = store.Open(); !opened.ok())
      throw std::runtime_error("open: " + opened.ToString());

    const double server_before = embedded ? ServerCpuSeconds(dir) : 0;
    watch = Stopwatch();
    const int64_t sweep_id = OrDie(store.CreateSweep(planned.sweep), "store");
    const Phase stored = watch.Stop();
    const double server_cpu = embedded ? ServerCpuSeconds(dir) - server_before : 0;
    // SubmitSweep answers with the stored sweep and its progress, and every
    // WatchSweep event reads the progress again.
    watch = Stopwatch();
    const auto progress = OrDie(store.GetProgress(sweep_id), "progress");
    const Phase progressed = watch.Stop();
    // With devices registered, the progress says which pending work a device
    // in service could take: by run settings for devices that take any
    // parameters, per experiment for devices narrowed to some.
    benchd::v1::Hello hello;
    hello.set_agent_name("sweep-bench");
    for (int i = 0; i < 4; ++i) {
      benchd::v1::Device* device = hello.add_devices();
      device->set_name("cpu" + std::to_string(i));
      device->set_driver("host-cpu");
      device->set_platform("host-cpu");
    }
    OrDie(store.RegisterAgent(hello), "register devices");
    watch = Stopwatch();
    OrDie(store.GetProgress(sweep_id), "progress");
    const Phase progressed_open = watch.Stop();
    for (benchd::v1::Device& device : *hello.mutable_devices()) device.add_required_parameters("a");
    OrDie(store.RegisterAgent(hello), "register devices");
    watch = Stopwatch();
    OrDie(store.GetProgress(sweep_id), "progress");
    const Phase progressed_narrowed = watch.Stop();

    std::printf(
        "sweep: %d x %d x %d = %zu points on host-cpu; stored as sweep %lld with %lld "
        "experiments\n",
        per_axis, per_axis, per_axis, points, static_cast<long long>(sweep_id),
        static_cast<long long>(progress.total()));
    PrintPhase("parse (ParseSweep)", parse, points);
    PrintPhase("expand (ExpandSweep, JSON parameters)", expand, points);
    PrintPhase("expand (ExpandSweep, Parameters)", expand_parameters, points);
    PrintPhase("plan (PlanSweep: parse+expand+build)", plan, points);
    PrintPhase("store (PgStore::CreateSweep, COPY)", stored, points);
    if (embedded) std::printf("%-40s %8.3f s cpu (PostgreSQL server, all processes)\n", "store, server side", server_cpu);
    PrintPhase("progress (GetProgress, as submit answers)", progressed, points);
    PrintPhase("progress, 4 devices", progressed_open, points);
    PrintPhase("progress, 4 devices needing a parameter", progressed_narrowed, points);
    PrintPhase("submit path (plan + store + progress)",
               {plan.wall_s + stored.wall_s + progressed.wall_s, plan.cpu_s + stored.cpu_s + progressed.cpu_s},
               points);
    if (embedded) (void)embedded->Stop();
    std::filesystem::remove_all(dir);
    return progress.total() == static_cast<int64_t>(points) ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "benchd-sweep-bench: " << e.what() << "\n";
    if (!dir.empty()) std::filesystem::remove_all(dir);
    return 1;
  }
}
