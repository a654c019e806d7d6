#include "common/process_runner.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

namespace benchd::common {
namespace {

using namespace std::chrono_literals;

ProcessSpec Spec(std::vector<std::string> argv, std::chrono::milliseconds timeout = 30s) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.timeout = timeout;
  return spec;
}

// True when `pid` no longer runs: gone, or a zombie nobody has reaped yet
// (init in a container may not reap orphans).
bool ProcessGone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  const auto paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

TEST(ProcessRunnerTest, CapturesStdoutAndStderrSeparately) {
  BoostProcessRunner runner;
  auto outcome = runner.Run(Spec({"sh", "-c", "echo out; echo err >&2"}));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->stdout_text, "out\n");
  EXPECT_EQ(outcome->stderr_text, "err\n");
  EXPECT_EQ(outcome->exit_code, 0);
  EXPECT_FALSE(outcome->term_signal.has_value());
  EXPECT_TRUE(outcome->Succeeded());
  EXPECT_EQ(outcome->Describe(), "exit code 0");
}

TEST(ProcessRunnerTest, StdinIsEmptyUnlessAFileIsGiven) {
  BoostProcessRunner runner;
  auto empty = runner.Run(Spec({"wc", "-c"}));
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->stdout_text, "0\n");

  benchd::testing::TempDir dir;
  const std::string input = dir.path() + "/input.txt";
  std::ofstream(input) << "256 784 8 2 2\n0\n";
  ProcessSpec spec = Spec({"cat"});
  spec.stdin_path = input;
  auto fed = runner.Run(spec);
  ASSERT_TRUE(fed.ok()) << fed.status();
  EXPECT_EQ(fed->stdout_text, "256 784 8 2 2\n0\n");

  spec.stdin_path = dir.path() + "/missing.txt";
  EXPECT_FALSE(runner.Run(spec).ok());
}

TEST(ProcessRunnerTest, ReportsExitCode) {
  BoostProcessRunner runner;
  auto outcome = runner.Run(Spec({"sh", "-c", "exit 3"}));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->exit_code, 3);
  EXPECT_FALSE(outcome->Succeeded());
  EXPECT_EQ(outcome->Describe(), "exit code 3");
}

TEST(ProcessRunnerTest, ReportsTerminatingSignal) {
  BoostProcessRunner runner;
  auto outcome = runner.Run(Spec({"sh", "-c", "kill -9 $$"}));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_FALSE(outcome->exit_code.has_value());
  EXPECT_EQ(outcome->term_signal, SIGKILL);
  EXPECT_FALSE(outcome->Succeeded());
  EXPECT_EQ(outcome->Describe().rfind("killed by signal 9", 0), 0u) << outcome->Describe();
}

TEST(ProcessRunnerTest, PassesArgumentsVerbatimWithoutAShell) {
  BoostProcessRunner runner;
  auto outcome = runner.Run(Spec({"printf", "%s|", "a b", "$HOME", "*", ""}));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->stdout_text, "a b|$HOME|*||");
}

TEST(ProcessRunnerTest, AddsExtraEnvironmentAndWorkingDirectory) {
  testing::TempDir dir;
  BoostProcessRunner runner;
  ProcessSpec spec = Spec({"sh", "-c", "echo \"$BENCHD_TEST_VALUE:$PATH\"; pwd"});
  spec.extra_env["BENCHD_TEST_VALUE"] = "forty two";
  spec.working_dir = dir.path();
  auto outcome = runner.Run(spec);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  const std::string path = std::getenv("PATH");
  EXPECT_EQ(outcome->stdout_text, "forty two:" + path + "\n" + dir.path() + "\n");
}

TEST(ProcessRunnerTest, StdinIsEmpty) {
  BoostProcessRunner runner;
  auto outcome = runner.Run(Spec({"cat"}));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->stdout_text, "");
  EXPECT_EQ(outcome->exit_code, 0);
}

TEST(ProcessRunnerTest, MissingProgramIsNotFound) {
  BoostProcessRunner runner;
  auto by_name = runner.Run(Spec({"benchd-no-such-program-xyz"}));
  EXPECT_EQ(by_name.status().code(), absl::StatusCode::kNotFound) << by_name.status();
  EXPECT_NE(by_name.status().message().find("benchd-no-such-program-xyz"), std::string::npos);

  auto by_path = runner.Run(Spec({"/nonexistent/benchd-tool"}));
  EXPECT_EQ(by_path.status().code(), absl::StatusCode::kNotFound) << by_path.status();
  EXPECT_NE(by_path.status().message().find("/nonexistent/benchd-tool"), std::string::npos);
}

TEST(ProcessRunnerTest, MissingWorkingDirectoryIsNotFound) {
  BoostProcessRunner runner;
  ProcessSpec spec = Spec({"true"});
  spec.working_dir = "/nonexistent/benchd-dir";
  EXPECT_EQ(runner.Run(spec).status().code(), absl::StatusCode::kNotFound);
}

TEST(ProcessRunnerTest, EmptyArgvIsInvalid) {
  BoostProcessRunner runner;
  EXPECT_EQ(runner.Run(ProcessSpec{}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ProcessRunnerTest, TimeoutKillsTheWholeGroupIncludingGrandchildren) {
  BoostProcessRunner runner;
  // The grandchild inherits the pipes: without the group kill, the run
  // would wait for it for a minute.
  const auto start = std::chrono::steady_clock::now();
  auto outcome = runner.Run(Spec({"sh", "-c", "sleep 60 & echo $!; sleep 60"}, 300ms));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_TRUE(outcome->timed_out);
  EXPECT_FALSE(outcome->Succeeded());
  EXPECT_EQ(outcome->term_signal, SIGTERM);
  EXPECT_LT(elapsed, 10s);
  EXPECT_EQ(outcome->Describe().rfind("timed out after ", 0), 0u) << outcome->Describe();

  const pid_t grandchild = std::stoi(outcome->stdout_text);
  EXPECT_TRUE(testing::WaitUntil([&] { return ProcessGone(grandchild); }, 5s))
      << "grandchild " << grandchild << " survived";
}

TEST(ProcessRunnerTest, KillsAfterGraceWhenTermIsIgnored) {
  BoostProcessRunner runner;
  auto outcome = runner.Run(Spec({"sh", "-c", "trap '' TERM; echo ready; sleep 60"}, 200ms));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_TRUE(outcome->timed_out);
  EXPECT_EQ(outcome->term_signal, SIGKILL);
  EXPECT_EQ(outcome->stdout_text, "ready\n");
}

TEST(ProcessRunnerTest, BackgroundLeftoversDieWithTheirLeader) {
  BoostProcessRunner runner;
  const auto start = std::chrono::steady_clock::now();
  auto outcome = runner.Run(Spec({"sh", "-c", "sleep 60 & echo $!"}));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_EQ(outcome->exit_code, 0);
  const pid_t leftover = std::stoi(outcome->stdout_text);
  EXPECT_TRUE(testing::WaitUntil([&] { return ProcessGone(leftover); }, 5s));
}

TEST(ProcessRunnerTest, DrainsLargeOutputOnBothStreamsWithoutDeadlock) {
  BoostProcessRunner runner;
  // 8 MiB on each stream, interleaved: far beyond a pipe buffer (64 KiB), so
  // reading one stream at a time would block the writer forever.
  auto outcome = runner.Run(Spec(
      {"sh", "-c",
       "for i in 1 2 3 4 5 6 7 8; do head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2; "
       "done"}));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->exit_code, 0);
  EXPECT_EQ(outcome->stdout_text.size(), 8u << 20);
  EXPECT_EQ(outcome->stderr_text.size(), 8u << 20);
  EXPECT_FALSE(outcome->output_truncated);
}

TEST(ProcessRunnerTest, CapsOutputAndKeepsDraining) {
  BoostProcessRunner runner;
  ProcessSpec spec = Spec({"sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' x; echo done >&2"});
  spec.max_output_bytes = 1000;
  auto outcome = runner.Run(spec);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->exit_code, 0);  // the writer was never blocked
  EXPECT_EQ(outcome->stdout_text, std::string(1000, 'x'));
  EXPECT_EQ(outcome->stderr_text, "done\n");
  EXPECT_TRUE(outcome->output_truncated);
  EXPECT_NE(outcome->Describe().find("output truncated"), std::string::npos);
}

TEST(ProcessRunnerTest, CancelFlagFromAnotherThreadStopsTheRun) {
  testing::TempDir dir;
  const std::string marker = dir.path() + "/started";
  BoostProcessRunner runner;
  std::atomic<bool> cancel{false};
  // Cancel only once the child is known to run, so the test covers a live
  // process, not a launch that never happened.
  std::thread canceller([&] {
    if (testing::WaitUntil([&] { return ::access(marker.c_str(), F_OK) == 0; }, 10s)) {
      cancel = true;
    }
  });
  const auto start = std::chrono::steady_clock::now();
  auto outcome = runner.Run(Spec({"sh", "-c", "touch " + marker + "; sleep 60"}), &cancel);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  canceller.join();
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_TRUE(outcome->cancelled);
  EXPECT_FALSE(outcome->timed_out);
  EXPECT_FALSE(outcome->Succeeded());
  EXPECT_LT(elapsed, 10s);
  EXPECT_EQ(outcome->Describe().rfind("cancelled after ", 0), 0u);
}

TEST(ProcessRunnerTest, ConcurrentRunsDoNotDelayEachOther) {
  BoostProcessRunner runner;
  // A quick run must not inherit the slow run's pipe ends (and so wait for
  // it): the pipes are close-on-exec.
  std::thread slow([&] { (void)runner.Run(Spec({"sleep", "1.5"})); });
  std::vector<std::chrono::steady_clock::duration> quick_times;
  for (int i = 0; i < 20; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto outcome = runner.Run(Spec({"echo", std::to_string(i)}));
    quick_times.push_back(std::chrono::steady_clock::now() - start);
    ASSERT_TRUE(outcome.ok()) << outcome.status();
    EXPECT_EQ(outcome->stdout_text, std::to_string(i) + "\n");
  }
  slow.join();
  // An inherited pipe end would hold a quick run until the slow one ends.
  for (auto time : quick_times) EXPECT_LT(time, 1s);
}

}  // namespace
}  // namespace benchd::common
