// Runs the real `benchctl` executable as a child process, to check what only
// the process edge decides: the exit status, which stream gets the message,
// and that BENCHD_COORDINATOR is read from the environment.

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/cli/fake_coordinator.h"

extern char** environ;

namespace benchd::cli {
namespace {

using ::benchd::cli::testing::DeadAddress;
using ::testing::HasSubstr;

struct ChildOutcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadAll(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// Runs benchctl with `args` and the test's environment, where
// BENCHD_COORDINATOR is replaced by `coordinator_env` (or removed when empty).
// stdout and stderr go to files, so neither pipe can fill up and block it.
ChildOutcome RunBenchctlBinary(const std::vector<std::string>& args,
                               const std::string& coordinator_env) {
  const std::string prefix = ::testing::TempDir() + "benchctl_" +
                             ::testing::UnitTest::GetInstance()->current_test_info()->name();
  const std::string out_path = prefix + ".out";
  const std::string err_path = prefix + ".err";

  std::vector<std::string> env_strings;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, "BENCHD_COORDINATOR=", 19) != 0) env_strings.emplace_back(*entry);
  }
  if (!coordinator_env.empty()) env_strings.push_back("BENCHD_COORDINATOR=" + coordinator_env);
  std::vector<char*> envp;
  for (std::string& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);

  std::vector<std::string> argv_strings = {BENCHCTL_PATH};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int spawn_error =
      posix_spawn(&pid, BENCHCTL_PATH, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);

  ChildOutcome outcome;
  if (spawn_error != 0) {
    ADD_FAILURE() << "cannot start " << BENCHCTL_PATH << ": " << std::strerror(spawn_error);
    return outcome;
  }
  int wait_status = 0;
  while (waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(wait_status)) {
    outcome.exit_code = WEXITSTATUS(wait_status);
  } else {
    ADD_FAILURE() << "benchctl did not exit normally, wait status " << wait_status;
  }
  outcome.out = ReadAll(out_path);
  outcome.err = ReadAll(err_path);
  return outcome;
}

TEST(BenchctlBinaryTest, DeadCoordinatorFromEnvironmentExitsThree) {
  const std::string address = DeadAddress();
  ChildOutcome outcome = RunBenchctlBinary({"agents"}, address);
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_EQ(outcome.err, "benchctl: agents: coordinator at " + address +
                             " is not reachable (is benchd running?)\n");
  EXPECT_EQ(outcome.out, "");
}

TEST(BenchctlBinaryTest, CoordinatorFlagWinsOverEnvironment) {
  const std::string path = ::testing::TempDir() + "benchctl_binary_sweep.yaml";
  std::ofstream(path) << "name: x\n";
  const std::string flag_address = DeadAddress();
  ChildOutcome outcome =
      RunBenchctlBinary({"--coordinator", flag_address, "submit", path}, "127.0.0.1:1");
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_EQ(outcome.err, "benchctl: submit " + path + ": coordinator at " + flag_address +
                             " is not reachable (is benchd running?)\n");
}

TEST(BenchctlBinaryTest, HelpExitsZeroAndDocumentsExitCodes) {
  ChildOutcome outcome = RunBenchctlBinary({"--help"}, "");
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_THAT(outcome.out, HasSubstr("Exit codes:"));
  EXPECT_THAT(outcome.out, HasSubstr("3  coordinator unavailable"));
  EXPECT_EQ(outcome.err, "");
}

TEST(BenchctlBinaryTest, BadFlagExitsTwo) {
  ChildOutcome outcome = RunBenchctlBinary({"--no-such-flag", "sweeps"}, "");
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_THAT(outcome.err, ::testing::StartsWith("benchctl: "));
}

}  // namespace
}  // namespace benchd::cli
