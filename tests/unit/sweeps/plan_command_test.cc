// `benchctl plan` end to end: the command against the fake coordinator (for
// history) and through `RunBenchctl` (for exit codes and messages). The
// expected device times are worked out by hand from the QuTiBench table in
// plan_estimate.cc: TX2 MLP runs an iteration in max(1.25 ms, items x
// 0.1913 ms).

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/app.h"
#include "cli/commands/plan.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
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
using ::testing::Not;
using ::testing::StartsWith;

// 8 points on one TX2: 2 power modes x 2 precisions x batch 1 and 64. Each
// point runs 2 x (10 + 100) = 220 iterations: at batch 1 of 1.25 ms (275 ms),
// at batch 64 of 64 x 0.1913 = 12.2432 ms (2693.504 ms). 4 of each:
// 1100 + 10774.016 = 11874 ms.
constexpr char kTx2Sweep[] = R"(name: tx2-modes
model: {topology: MLP, dataset: mnist}
platform: tx2
matrix:
  power_mode: [maxn, maxq]
  precision: [FP16, FP32]
  batch: [1, 64]
run: {warmup: 10, iterations: 100, repeats: 2}
)";

benchd::v1::Result MlpResult(int64_t run_id, const std::string& platform,
                             const std::string& topology, int64_t batch, double mean_us) {
  benchd::v1::Result result = MakeResult(run_id, platform, batch, mean_us);
  (*result.mutable_parameters()->mutable_values())["topology"].set_string_value(topology);
  return result;
}

class PlanCommandTest : public ::testing::Test {
 protected:
  std::string WriteFile(const std::string& name, const std::string& text) {
    const std::string path = ::testing::TempDir() + name;
    std::ofstream(path) << text;
    return path;
  }

  // Runs the command with a client of `timeout` against `address`.
  absl::Status Plan(const PlanOptions& options, const std::string& address,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_ptr<CoordinatorClient> client = CoordinatorClient::Connect({address, timeout});
    return RunPlan({*client, out_, err_, false}, options);
  }

  nlohmann::json PlanJson(PlanOptions options, const std::string& address) {
    options.format = PlanFormat::kJson;
    absl::Status status = Plan(options, address);
    EXPECT_TRUE(status.ok()) << status;
    return nlohmann::json::parse(out_.str());
  }

  FakeCoordinatorServer server_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(PlanCommandTest, TextShowsCountsGroupsSampleAndEstimate) {
  PlanOptions options;
  options.file = WriteFile("plan_tx2.yaml", kTx2Sweep);
  options.sample_per_platform = 2;
  ASSERT_TRUE(Plan(options, DeadAddress()).ok());
  const std::string text = out_.str();
  EXPECT_THAT(text, StartsWith("sweep tx2-modes (" + options.file +
                               "): 8 points on 1 platform, about 12s of device time\n"));
  EXPECT_THAT(text,
              HasSubstr("\ntx2            8        2      10         100        2          12s  "
                        "qutibench 8\n"));
  EXPECT_THAT(text,
              HasSubstr("\nTOTAL          8                                                12s\n"));
  EXPECT_THAT(text, HasSubstr("tx2       power_mode=maxn       4\n"));
  EXPECT_THAT(text, HasSubstr("tx2       power_mode=maxq       4\n"));
  EXPECT_THAT(text, HasSubstr("sample (first 2 points per platform):"));
  EXPECT_THAT(text, HasSubstr("batch=1 dataset=mnist power_mode=maxn precision=FP16 topology=MLP"));
  EXPECT_THAT(text,
              HasSubstr("batch=64 dataset=mnist power_mode=maxn precision=FP16 topology=MLP"));
  EXPECT_THAT(text, Not(HasSubstr("precision=FP32")));  // only two sample points
  EXPECT_THAT(text, Not(HasSubstr("dropped")));
  EXPECT_THAT(text, HasSubstr("history: coordinator at 127.0.0.1:"));
  EXPECT_THAT(text, HasSubstr("is not reachable"));
  EXPECT_EQ(err_.str(), "");
}

TEST_F(PlanCommandTest, JsonKeepsNumbersAsNumbersPerPlatform) {
  // host-cpu has no reference figure: 2 points x 110 iterations x 100 ms.
  // tx2 at batch 1 and 8: 110 x (1.25 + 8 x 0.1913) = 305.844 ms.
  PlanOptions options;
  options.file = WriteFile("plan_two.yaml", R"(name: two
model: {topology: MLP, dataset: mnist}
matrix:
  platform: [host-cpu, tx2]
  precision: [FP32]
  batch: [1, 8]
)");
  options.use_history = false;
  const nlohmann::json plan = PlanJson(options, DeadAddress());
  EXPECT_EQ(plan["sweep"], "two");
  EXPECT_EQ(plan["total_points"], 4);
  EXPECT_EQ(plan["device_time_ms"], 22306);
  ASSERT_EQ(plan["platforms"].size(), 2u);
  const nlohmann::json& host = plan["platforms"][0];
  EXPECT_EQ(host["platform"], "host-cpu");
  EXPECT_EQ(host["points"], 2);
  EXPECT_EQ(host["device_time_ms"], 22000);
  EXPECT_EQ(host["estimate_sources"], nlohmann::json({{"default", 2}}));
  EXPECT_EQ(host["run"],
            nlohmann::json(
                {{"warmup", 10}, {"iterations", 100}, {"repeats", 1}, {"min_duration_ms", 0}}));
  EXPECT_EQ(host["config_groups"], nlohmann::json::parse(R"([{"config_key": "", "points": 2}])"));
  const nlohmann::json& tx2 = plan["platforms"][1];
  EXPECT_EQ(tx2["device_time_ms"], 306);
  EXPECT_EQ(tx2["estimate_sources"], nlohmann::json({{"qutibench", 2}}));
  ASSERT_EQ(tx2["sample"].size(), 2u);
  EXPECT_EQ(tx2["sample"][1]["parameters"]["batch"], 8);
  EXPECT_TRUE(tx2["sample"][1]["point_key"].is_string());
  EXPECT_EQ(plan["history"]["queried"], false);
  EXPECT_EQ(plan["dropped"], nlohmann::json::array());
}

TEST_F(PlanCommandTest, PerPlatformRunOverridesChangeTheEstimate) {
  // tx2 runs 1 x (0 + 10) iterations of 1.25 ms; host-cpu 110 of 100 ms, or
  // at least its 20 s minimum duration: 100 x 100 ms = 10 s < 20 s.
  PlanOptions options;
  options.file = WriteFile("plan_override.yaml", R"(name: override
model: {topology: MLP}
matrix:
  platform: [tx2, host-cpu]
  precision: [FP32]
run:
  platforms:
    tx2: {warmup: 0, iterations: 10}
    host-cpu: {min_duration: 20s}
)");
  options.use_history = false;
  const nlohmann::json plan = PlanJson(options, DeadAddress());
  EXPECT_EQ(plan["platforms"][0]["device_time_ms"], 13);  // 12.5
  EXPECT_EQ(plan["platforms"][0]["run"]["iterations"], 10);
  EXPECT_EQ(plan["platforms"][1]["device_time_ms"], 10 * 100 + 20'000);
  EXPECT_EQ(plan["platforms"][1]["run"]["min_duration_ms"], 20'000);
}

TEST_F(PlanCommandTest, HistoryOfTheSamePlatformAndTopologyReplacesTheTable) {
  // tx2 MLP measured at batch 1: 5 ms (mean of 4 and 6 ms). Batch 64 scales
  // from it: 320 ms. 4 x 220 x 5 + 4 x 220 x 320 = 286000 ms.
  server_.service().AddSweep(
      MakeSweep(7, "earlier", Progress(4, 4, 0, 0)), {},
      {MlpResult(1, "tx2", "MLP", 1, 4000), MlpResult(2, "tx2", "MLP", 1, 6000),
       MlpResult(3, "tx2", "CNV", 1, 900'000), MlpResult(4, "ncs2", "MLP", 1, 900'000)});
  // No successful run: not read (it would fail the lookup if it were).
  server_.service().AddSweep(MakeSweep(8, "pending", Progress(4, 0, 0, 0)));
  PlanOptions options;
  options.file = WriteFile("plan_history.yaml", kTx2Sweep);
  const nlohmann::json plan = PlanJson(options, server_.address());
  EXPECT_EQ(plan["device_time_ms"], 286'000);
  EXPECT_EQ(plan["platforms"][0]["estimate_sources"], nlohmann::json({{"history", 8}}));
  EXPECT_EQ(plan["history"]["queried"], true);
  EXPECT_EQ(plan["history"]["coordinator"], server_.address());
  EXPECT_EQ(plan["history"]["sweeps_read"], 1);
  EXPECT_EQ(plan["history"]["runs"], 2);
  EXPECT_EQ(plan["history"]["note"], "");
  EXPECT_FALSE(server_.service().last_submit().has_value());
}

TEST_F(PlanCommandTest, HistoryStopsAtTheSweepLimitAndSaysSo) {
  server_.service().AddSweep(MakeSweep(1, "old", Progress(1, 1, 0, 0)), {},
                             {MlpResult(1, "tx2", "MLP", 1, 4000)});
  server_.service().AddSweep(MakeSweep(2, "new", Progress(1, 1, 0, 0)), {},
                             {MlpResult(2, "tx2", "MLP", 1, 6000)});
  PlanOptions options;
  options.file = WriteFile("plan_limit.yaml", kTx2Sweep);
  options.history_limits.max_sweeps = 1;
  const nlohmann::json plan = PlanJson(options, server_.address());
  // The newest sweep is the one read.
  EXPECT_EQ(plan["history"]["runs"], 1);
  EXPECT_EQ(plan["platforms"][0]["device_time_ms"], 4 * 220 * 6 + 4 * 220 * 6 * 64);
  EXPECT_THAT(plan["history"]["note"].get<std::string>(),
              HasSubstr("history is partial: 1 older sweeps not read"));
}

TEST_F(PlanCommandTest, CoordinatorThatDoesNotAnswerIsNoError) {
  server_.service().HoldCalls();
  PlanOptions options;
  options.file = WriteFile("plan_held.yaml", kTx2Sweep);
  options.format = PlanFormat::kJson;
  absl::Status status = Plan(options, server_.address(), std::chrono::milliseconds(200));
  server_.service().Release();
  ASSERT_TRUE(status.ok()) << status;
  const nlohmann::json plan = nlohmann::json::parse(out_.str());
  EXPECT_THAT(plan["history"]["note"].get<std::string>(), HasSubstr("did not answer within 200ms"));
  EXPECT_EQ(plan["platforms"][0]["estimate_sources"], nlohmann::json({{"qutibench", 8}}));
  EXPECT_EQ(plan["device_time_ms"], 11874);
}

TEST_F(PlanCommandTest, PruneInvalidListsDroppedPointsWithTheirReasons) {
  PlanOptions options;
  options.file = WriteFile("plan_prune.yaml", R"(name: prune
model: {topology: MLP}
platform: tx2
matrix:
  precision: [FP16, INT8]
  batch: [1]
)");
  options.use_history = false;
  absl::Status strict = Plan(options, DeadAddress());
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      std::string(strict.message()),
      StartsWith(options.file + ":5:21: matrix.precision[1]: platform 'tx2' does not accept "
                                "precision INT8"));
  EXPECT_EQ(out_.str(), "");

  options.prune_invalid = true;
  const nlohmann::json plan = PlanJson(options, DeadAddress());
  EXPECT_EQ(plan["total_points"], 1);
  EXPECT_EQ(plan["prune_invalid"], true);
  ASSERT_EQ(plan["dropped"].size(), 1u);
  EXPECT_EQ(plan["dropped"][0]["parameters"]["precision"], "INT8");
  EXPECT_EQ(plan["dropped"][0]["reason"], std::string(strict.message()));

  out_.str("");
  options.format = PlanFormat::kText;
  ASSERT_TRUE(Plan(options, DeadAddress()).ok());
  EXPECT_THAT(out_.str(), HasSubstr("dropped points (--prune-invalid): 1\n"));
  EXPECT_THAT(out_.str(),
              HasSubstr("tx2       batch=1 precision=INT8 topology=MLP  " + options.file));
}

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

TEST_F(PlanCommandTest, SweepWithAnErrorExitsTwoWithItsLocationAndSubmitsNothing) {
  const std::string path = WriteFile("plan_bad.yaml", "name: bad\nplatform: tx3\n");
  Outcome outcome = RunInProcess({"--coordinator", server_.address(), "plan", path});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_EQ(outcome.out, "");
  EXPECT_THAT(outcome.err,
              StartsWith("benchctl: " + path + ":2:11: platform: unknown platform 'tx3' (known: "));
  EXPECT_FALSE(server_.service().last_submit().has_value());
}

TEST_F(PlanCommandTest, MissingFileAndOversizedSweepAreBadInput) {
  const std::string missing = ::testing::TempDir() + "plan_no_such.yaml";
  Outcome outcome = RunInProcess({"--coordinator", DeadAddress(), "plan", missing});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_EQ(outcome.err,
            "benchctl: plan " + missing + ": cannot read the file: No such file or directory\n");

  const std::string path = WriteFile("plan_cap.yaml", kTx2Sweep);
  outcome = RunInProcess({"--coordinator", DeadAddress(), "plan", path, "--max-points", "4"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_THAT(outcome.err, HasSubstr("more than 4 points"));
  EXPECT_EQ(RunInProcess({"plan", path, "--output", "yaml"}).exit_code, 2);
}

TEST_F(PlanCommandTest, DefaultHistoryDeadlineIsShortAndExplicitTimeoutWins) {
  const std::string path = WriteFile("plan_deadline.yaml", kTx2Sweep);
  server_.service().HoldCalls();
  Outcome outcome = RunInProcess({"--coordinator", server_.address(), "plan", path});
  EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_THAT(outcome.out, HasSubstr("did not answer within 2s"));
  outcome = RunInProcess({"--coordinator", server_.address(), "plan", path, "--timeout", "300ms"});
  server_.service().Release();
  EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_THAT(outcome.out, HasSubstr("did not answer within 300ms"));
}

}  // namespace
}  // namespace benchd::cli
