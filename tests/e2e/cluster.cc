#include "tests/e2e/cluster.h"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/process_runner.h"
#include "tests/support/wait_until.h"

namespace benchd::testing {

Cluster::Cluster() { EXPECT_TRUE(database_.ok()) << database_.status(); }

std::string Cluster::WriteFile(const std::string& name, const std::string& text) {
  const std::string file = path(name);
  std::ofstream out(file);
  out << text;
  return file;
}

void Cluster::WaitForAddress() {
  const std::string addr_file = path("benchd-data/benchd.addr");
  ASSERT_TRUE(WaitUntil([&] { return std::filesystem::exists(addr_file) || !benchd_->running(); },
                        std::chrono::seconds(60)))
      << Logs();
  ASSERT_TRUE(benchd_->running()) << "benchd exited during start-up:\n" << Logs();
  std::ifstream in(addr_file);
  std::getline(in, address_);
}

void Cluster::StartEmbeddedBenchd() {
  std::filesystem::remove(path("benchd-data/benchd.addr"));
  const std::string config = WriteFile("benchd-embedded.yaml", "listen: 127.0.0.1:0\n"
                                                               "data_dir: " + path("benchd-data") + "\n"
                                                               "log_level: debug\n");
  benchd_ = std::make_unique<ChildProcess>(std::vector<std::string>{BENCHD_BIN, "--config", config},
                                           path("benchd.log"));
  WaitForAddress();
}

namespace {

// Short heartbeat and lease, so lost agents are noticed within seconds.
std::string TestBenchdConfig(const std::string& listen, const std::string& dsn, const std::string& data_dir) {
  return "listen: " + listen + "\n"
         "database: \"" + dsn + "\"\n"
         "data_dir: " + data_dir + "\n"
         "log_level: debug\n"
         "heartbeat_interval: 300ms\n"
         "lease: 3s\n"
         "scheduler_tick: 200ms\n";
}

}  // namespace

void Cluster::StartBenchd(const std::string& listen, const std::string& extra_config) {
  std::filesystem::remove(path("benchd-data/benchd.addr"));
  const std::string config =
      WriteFile("benchd.yaml", TestBenchdConfig(listen, dsn(), path("benchd-data")) + extra_config);
  benchd_ = std::make_unique<ChildProcess>(std::vector<std::string>{BENCHD_BIN, "--config", config},
                                           path("benchd.log"));
  WaitForAddress();
}

std::string Cluster::StartAnotherBenchd(const std::string& name) {
  const std::string data_dir = path(name + "-data");
  const std::string config = WriteFile(name + ".yaml", TestBenchdConfig("127.0.0.1:0", dsn(), data_dir));
  auto& process = other_benchds_[name];
  process = std::make_unique<ChildProcess>(std::vector<std::string>{BENCHD_BIN, "--config", config},
                                           path(name + ".log"));
  const std::string addr_file = data_dir + "/benchd.addr";
  EXPECT_TRUE(WaitUntil([&] { return std::filesystem::exists(addr_file) || !process->running(); },
                        std::chrono::seconds(60)))
      << Logs();
  std::ifstream in(addr_file);
  std::string address;
  std::getline(in, address);
  EXPECT_FALSE(address.empty()) << name << " did not start\n" << Logs();
  return address;
}

std::string Cluster::SimulatedTx2(const std::string& name, const std::string& model_dir,
                                  const std::string& state_dir, const std::string& clocks_store) {
  return "  - name: " + name + "\n"
         "    driver: jetson\n"
         "    platform: tx2\n"
         "    options:\n"
         "      model_dir: \"" + model_dir + "\"\n"
         "      trtexec: \"" + BinPath("sim-trtexec") + "\"\n"
         "      nvpmodel: \"" + BinPath("sim-nvpmodel") + "\"\n"
         "      jetson_clocks: \"" + BinPath("sim-jetson_clocks") + "\"\n"
         "      jetson_clocks_store: \"" + clocks_store + "\"\n"
         "      env.BENCHD_SIM_NOISE: \"0\"\n"
         "      env.BENCHD_SIM_STATE_DIR: \"" + state_dir + "\"\n";
}

std::string Cluster::WriteScript(const std::string& name, const std::string& body) {
  const std::string file = WriteFile(name, "#!/bin/sh\n" + body);
  std::filesystem::permissions(file, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                         std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                         std::filesystem::perms::others_exec);
  return file;
}

void Cluster::StopBenchd() {
  benchd_->Signal(SIGTERM);
  auto status = benchd_->WaitFor(std::chrono::seconds(30));
  ASSERT_TRUE(status.has_value()) << "benchd did not stop on SIGTERM\n" << Logs();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << Logs();
}

std::string Cluster::BinPath(const std::string& name) {
  return (std::filesystem::path(BENCHD_BIN).parent_path() / name).string();
}

void Cluster::StartAgent(const std::string& name, const std::string& devices_yaml, const std::string& coordinator) {
  const std::string devices = !devices_yaml.empty() ? devices_yaml
                                                    : "  - name: cpu0\n"
                                                      "    driver: host-cpu\n"
                                                      "    platform: host-cpu\n"
                                                      "    options: {runtime: \"" HOST_MLP_BIN "\", threads: \"1\"}\n";
  const std::string config = WriteFile(
      "agent-" + name + ".yaml",
      "agent:\n"
      "  name: " + name + "\n"
      "  coordinator: " + (coordinator.empty() ? address_ : coordinator) + "\n"
      "  spool_dir: " + path("spool-" + name) + "\n"
      "  work_dir: " + path("runs-" + name) + "\n"
      "  log_level: debug\n"
      "  reconnect_initial: 100ms\n"
      "  reconnect_max: 1s\n"
      "devices:\n" + devices);
  agents_[name] = std::make_unique<ChildProcess>(std::vector<std::string>{AGENT_BIN, "--config", config},
                                                 path("agent-" + name + ".log"));
}

CommandResult Cluster::Benchctl(std::vector<std::string> args, std::chrono::seconds timeout) {
  common::ProcessSpec spec;
  spec.argv = {BENCHCTL_BIN, "--coordinator", address_};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.timeout = timeout;
  common::BoostProcessRunner runner;
  auto outcome = runner.Run(spec);
  CommandResult result;
  if (!outcome.ok()) {
    result.err = std::string(outcome.status().message());
    return result;
  }
  result.exit_code = outcome->exit_code.value_or(-1);
  result.out = outcome->stdout_text;
  result.err = outcome->stderr_text;
  return result;
}

std::string Cluster::QueryValue(const std::string& sql) { return database_.QueryValue(sql); }

std::string Cluster::RunValue(const std::string& column, const std::string& match) {
  return QueryValue("SELECT r." + column +
                    " FROM runs r JOIN experiments e ON e.id = r.experiment_id "
                    "WHERE r.state = 'succeeded' AND e.parameters::jsonb @> '" + match + "'::jsonb");
}

std::string Cluster::RunMetric(const std::string& name, const std::string& match) {
  return QueryValue("SELECT m.value FROM run_metrics m JOIN runs r ON r.id = m.run_id "
                    "JOIN experiments e ON e.id = r.experiment_id WHERE r.state = 'succeeded' AND m.name = '" +
                    name + "' AND e.parameters::jsonb @> '" + match + "'::jsonb");
}

void Cluster::SubmitAndWatch(const std::string& file, const std::string& sweep, const std::string& expect) {
  const std::string path = WriteFile(file, sweep);
  CommandResult submit = Benchctl({"submit", path, "--watch"});
  ASSERT_EQ(submit.exit_code, 0) << submit.out << submit.err << Logs();
  EXPECT_NE(submit.out.find(expect), std::string::npos) << submit.out << Logs();
}

std::string Cluster::Logs() {
  std::string logs;
  auto append = [&](const std::string& title, const ChildProcess* process) {
    if (process == nullptr) return;
    std::string text = process->Log();
    if (text.size() > 20000) text = "...\n" + text.substr(text.size() - 20000);
    logs += "---- " + title + " ----\n" + text + "\n";
  };
  append("benchd", benchd_.get());
  for (const auto& [name, process] : other_benchds_) append(name, process.get());
  for (const auto& [name, agent] : agents_) append("agent " + name, agent.get());
  return logs;
}

}  // namespace benchd::testing
