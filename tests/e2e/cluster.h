#pragma once

// An end-to-end cluster for tests: a real benchd process on a fresh database
// of the suite's PostgreSQL, real bench-agent processes with host-cpu devices,
// and benchctl invocations, all on loopback.

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/child_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"

namespace benchd::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// A stored number as text ("" when absent: -1).
inline double StoredNumber(const std::string& text) { return text.empty() ? -1 : std::stod(text); }

class Cluster {
 public:
  Cluster();

  const std::string& dsn() const { return database_.dsn(); }
  const std::string& address() const { return address_; }
  std::string path(const std::string& name) const { return dir_.path() + "/" + name; }

  // Starts benchd and waits until it listens. Short heartbeat and lease, so
  // lost agents are noticed within seconds.
  // `listen` defaults to a free port; a restart passes the old address so
  // that agents find the coordinator where they left it.
  // `extra_config` is appended to benchd's YAML configuration.
  void StartBenchd(const std::string& listen = "127.0.0.1:0", const std::string& extra_config = "");
  // Starts a further coordinator `name` on the same database (its own data
  // directory and port) and returns its address; it stops with the cluster.
  std::string StartAnotherBenchd(const std::string& name);
  // Starts benchd on its embedded PostgreSQL under the cluster's directory
  // (no database address), as `benchd` does by default.
  void StartEmbeddedBenchd();
  void StopBenchd();
  // Starts (or restarts, reusing its spool) the agent `name` with one
  // host-cpu device, or with `devices_yaml`: the YAML list under `devices:`,
  // indented by two spaces, e.g. "  - {name: tx2-0, driver: jetson, ...}\n".
  // `coordinator` defaults to the first benchd's address.
  void StartAgent(const std::string& name, const std::string& devices_yaml = "", const std::string& coordinator = "");
  // The agent `devices:` entry of a simulated Jetson TX2 named `name`
  // (jetson driver on sim-trtexec, sim-nvpmodel, sim-jetson_clocks, noise
  // off) with its models in `model_dir` and its board state in
  // `state_dir`.
  static std::string SimulatedTx2(const std::string& name, const std::string& model_dir,
                                  const std::string& state_dir, const std::string& clocks_store);
  // Writes an executable shell script (tests only: the devices under test
  // are programs, and a script is the quickest program to write).
  std::string WriteScript(const std::string& name, const std::string& body);
  // A path to a program built by the project (build/bin/NAME).
  static std::string BinPath(const std::string& name);
  ChildProcess& agent(const std::string& name) { return *agents_.at(name); }
  ChildProcess& benchd() { return *benchd_; }

  CommandResult Benchctl(std::vector<std::string> args, std::chrono::seconds timeout = std::chrono::seconds(120));
  // Writes `text` to a file in the cluster's directory and returns its path.
  std::string WriteFile(const std::string& name, const std::string& text);
  // One SQL value from the cluster's database, as text.
  std::string QueryValue(const std::string& sql);
  std::string Logs();

  // One stored figure of the succeeded run of the experiment whose
  // parameters contain `match` (a JSON object), e.g. R"({"batch": 4})": a
  // `runs` column, or a named run metric.
  std::string RunValue(const std::string& column, const std::string& match);
  std::string RunMetric(const std::string& name, const std::string& match);
  // Writes `sweep` to `file`, submits it with --watch, and expects success
  // and `expect` in the output.
  void SubmitAndWatch(const std::string& file, const std::string& sweep, const std::string& expect);

 private:
  void WaitForAddress();

  TempDir dir_;
  TestDatabase database_;
  std::unique_ptr<ChildProcess> benchd_;
  std::map<std::string, std::unique_ptr<ChildProcess>> agents_;
  std::map<std::string, std::unique_ptr<ChildProcess>> other_benchds_;
  std::string address_;
};

}  // namespace benchd::testing
