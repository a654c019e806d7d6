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
using ::benchd::cli::testing::FakeCoordinatorServer;
using ::benchd::cli::testing::MakeResult;
using ::benchd::cli::testing::MakeSweep;
using ::benchd::cli::testing::Progress;
using ::testing::HasSubstr;
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
