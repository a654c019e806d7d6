// benchd-stdin-exec, run for real: the bismo driver depends on it to give
// the BISMO benchmark its input, so its contract is tested as a process.

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "common/process_runner.h"
#include "tests/unit/drivers_fpga/temp_tree.h"

namespace benchd::agent {
namespace {

using ::testing::HasSubstr;

common::ProcessOutcome RunHelper(std::vector<std::string> args) {
  common::ProcessSpec spec;
  spec.argv = {BENCHD_STDIN_EXEC_PATH};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.timeout = std::chrono::seconds(30);
  common::BoostProcessRunner runner;
  absl::StatusOr<common::ProcessOutcome> outcome = runner.Run(spec);
  EXPECT_TRUE(outcome.ok()) << outcome.status();
  return outcome.ok() ? *outcome : common::ProcessOutcome();
}

TEST(StdinExecTest, GivesTheFileAsStdinAndArgumentsVerbatim) {
  const std::string dir = testing::FreshDir("stdin_exec");
  testing::WriteFile(dir + "/in.txt", "256 784 8 2 2\n0\n");
  common::ProcessOutcome cat = RunHelper({dir + "/in.txt", "cat"});
  EXPECT_EQ(cat.exit_code, 0);
  EXPECT_EQ(cat.stdout_text, "256 784 8 2 2\n0\n");
  // No shell between: a metacharacter is an argument like any other.
  common::ProcessOutcome echo = RunHelper({dir + "/in.txt", "echo", "1; rm -rf /", "$HOME"});
  EXPECT_EQ(echo.stdout_text, "1; rm -rf / $HOME\n");
}

TEST(StdinExecTest, ReportsWhatItCannotDo) {
  const std::string dir = testing::FreshDir("stdin_exec_errors");
  testing::WriteFile(dir + "/in.txt", "");
  common::ProcessOutcome no_file = RunHelper({dir + "/missing.txt", "cat"});
  EXPECT_EQ(no_file.exit_code, 125);
  EXPECT_THAT(no_file.stderr_text, HasSubstr("open '" + dir + "/missing.txt'"));
  common::ProcessOutcome no_program = RunHelper({dir + "/in.txt", dir + "/no-such-program"});
  EXPECT_EQ(no_program.exit_code, 127);
  EXPECT_EQ(RunHelper({dir + "/in.txt"}).exit_code, 125);
}

}  // namespace
}  // namespace benchd::agent
