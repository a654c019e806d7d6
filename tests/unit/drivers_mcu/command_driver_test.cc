#include "agents/drivers/command_driver.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agents/drivers/argv_template.h"
#include "agents/drivers/driver_registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/temp_dir.h"
#include "tests/unit/agents/fake_process_runner.h"

namespace benchd::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// printf repeats its format for the remaining arguments: one output line per
// argument after the format, each naming the argument verbatim.
constexpr char kPrintf[] = "/usr/bin/printf";

RunRequest Request(std::map<std::string, benchd::v1::ParamValue> values) {
  RunRequest request;
  request.run_id = 7;
  for (auto& [name, value] : values) (*request.parameters.mutable_values())[name] = value;
  request.settings.set_iterations(3);
  request.settings.set_timeout_ms(30000);
  return request;
}

benchd::v1::ParamValue Str(std::string text) {
  benchd::v1::ParamValue value;
  value.set_string_value(std::move(text));
  return value;
}

benchd::v1::ParamValue Int(int64_t number) {
  benchd::v1::ParamValue value;
  value.set_int_value(number);
  return value;
}

TEST(ArgvTemplateTest, PlaceholdersAreWholeElementsOrFollowAPrefix) {
  absl::StatusOr<ArgvTemplate> argv =
      ArgvTemplate::Parse(R"(["tool", "--batch", "{batch}", "--precision={precision}"])", "argv");
  ASSERT_TRUE(argv.ok()) << argv.status();
  EXPECT_THAT(argv->Placeholders(), ElementsAre("batch", "precision"));
  absl::StatusOr<std::vector<std::string>> expanded = argv->Expand({{"batch", "8"}, {"precision", "a b"}});
  ASSERT_TRUE(expanded.ok());
  EXPECT_THAT(*expanded, ElementsAre("tool", "--batch", "8", "--precision=a b"));
  EXPECT_EQ(argv->Expand({{"batch", "8"}}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(argv->Expand({{"batch", std::string("a\0b", 3)}, {"precision", "x"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(argv->ToString(), R"(["tool","--batch","{batch}","--precision={precision}"])");
}

TEST(ArgvTemplateTest, RejectsUnsafeTemplates) {
  for (const char* text : {R"(["tool", "x{batch}"])", R"(["tool", "{batch}x"])", R"(["tool", "--a={x}{y}"])",
                           R"(["{program}", "x"])", R"(["tool", "{Bad}"])", R"(["tool", "{}"])", R"([])",
                           R"("tool --batch 1")", R"(["tool", 3])", R"(["tool", "a}"])"}) {
    EXPECT_EQ(ArgvTemplate::Parse(text, "argv").status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(CommandDriverTest, ShellMetacharactersArriveAsOneArgument) {
  common::BoostProcessRunner runner;
  absl::StatusOr<std::unique_ptr<Driver>> driver =
      CreateDriver("command",
                   {{"argv", R"(["/usr/bin/printf", "latency_us=%s label=%s\n", "{batch}", "{label}"])"},
                    {"parser", "kv"},
                    {"fields", "latency_us=latency_us"}},
                   runner);
  ASSERT_TRUE(driver.ok()) << driver.status();
  benchd::testing::TempDir dir;
  RunRequest request = Request({{"batch", Int(42)}, {"label", Str("1; rm -rf /")}});
  request.work_dir = dir.path();
  std::atomic<bool> cancel{false};
  absl::StatusOr<RunResult> result = (*driver)->Run(request, cancel);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->repeats.size(), 1u);
  EXPECT_THAT(result->repeats[0].latency_us, ElementsAre(42.0));
  // The argv the program got, as the environment records it: four elements,
  // the label intact in one of them.
  const nlohmann::json argv = nlohmann::json::parse(result->environment.entries().at("argv"));
  EXPECT_EQ(argv, nlohmann::json({kPrintf, "latency_us=%s label=%s\n", "42", "1; rm -rf /"}));
  // printf saw exactly two arguments after the format: the output is one line
  // that repeats the label verbatim.
  std::ifstream out(dir.path() + "/command-repeat-0.stdout");
  std::stringstream text;
  text << out.rdbuf();
  EXPECT_EQ(text.str(), "latency_us=42 label=1; rm -rf /\n");
  EXPECT_EQ(result->summary.latency().count(), 1);
  EXPECT_DOUBLE_EQ(result->summary.fps(), 42.0 * 1e6 / 42.0);
}

class CommandDriverFakeTest : public ::testing::Test {
 protected:
  absl::StatusOr<std::unique_ptr<Driver>> Make(DriverOptions extra = {}) {
    DriverOptions options = {{"argv", R"(["bench", "--n", "{iterations}", "--r", "{repeat}", "--b={batch}"])"},
                             {"parser", "regex"},
                             {"pattern", "([0-9.]+) ms"},
                             {"fields", "latency_ms=1"}};
    for (auto& [key, value] : extra) options[key] = value;
    return CommandDriver::Create(options, runner_);
  }

  testing::FakeProcessRunner runner_;
  std::atomic<bool> cancel_{false};
};

TEST_F(CommandDriverFakeTest, RunsOncePerRepeatWithSettingsAsPlaceholders) {
  auto driver = Make({{"latency_kind", "compute"}});
  ASSERT_TRUE(driver.ok()) << driver.status();
  RunRequest request = Request({{"batch", Int(4)}});
  request.settings.set_repeats(2);
  runner_.AddExit(0, "1 ms\n2 ms\n3 ms\n");
  runner_.AddExit(0, "4 ms\n5 ms\n6 ms\n");
  absl::StatusOr<RunResult> result = (*driver)->Run(request, cancel_);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(runner_.specs.size(), 2u);
  EXPECT_THAT(runner_.specs[0].argv, ElementsAre("bench", "--n", "3", "--r", "0", "--b=4"));
  EXPECT_THAT(runner_.specs[1].argv, ElementsAre("bench", "--n", "3", "--r", "1", "--b=4"));
  EXPECT_EQ(runner_.cancels[0], &cancel_);
  ASSERT_EQ(result->repeats.size(), 2u);
  EXPECT_EQ(result->repeats[1].kind, benchd::v1::LATENCY_KIND_COMPUTE);
  EXPECT_THAT(result->repeats[1].latency_us, ElementsAre(4000.0, 5000.0, 6000.0));
  EXPECT_EQ(result->summary.latency().count(), 6);
  EXPECT_DOUBLE_EQ(result->summary.latency().mean_us(), 3500.0);
  EXPECT_EQ(result->summary.inferences(), 24);
}

TEST_F(CommandDriverFakeTest, MissingParameterIsAMeasurementFailure) {
  auto driver = Make();
  ASSERT_TRUE(driver.ok());
  absl::StatusOr<RunResult> result = (*driver)->Run(Request({}), cancel_);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("{batch}"));
  EXPECT_TRUE(runner_.specs.empty());
}

TEST_F(CommandDriverFakeTest, RequiresEveryPlaceholderTheRunDoesNotFill) {
  auto driver = Make({{"argv", R"(["bench", "{warmup}", "{iterations}", "{run_id}", "--dir={work_dir}",
                                   "{idle_ms}", "{repeat}", "--b={batch}", "{label}"])"}});
  ASSERT_TRUE(driver.ok()) << driver.status();
  EXPECT_THAT((*driver)->RequiredParameters(), ElementsAre("batch", "label"));
  // Those two are all a run needs.
  runner_.AddExit(0, "1 ms\n");
  absl::StatusOr<RunResult> result = (*driver)->Run(Request({{"batch", Int(2)}, {"label", Str("x")}}), cancel_);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(runner_.specs.size(), 1u);
  EXPECT_THAT(runner_.specs[0].argv, ElementsAre("bench", "10", "3", "7", "--dir=", "0", "0", "--b=2", "x"));
}

TEST_F(CommandDriverFakeTest, ExitCodesAndOutputMapToFailureKinds) {
  auto driver = Make({{"unsupported_exit_code", "3"}});
  ASSERT_TRUE(driver.ok());
  const RunRequest request = Request({{"batch", Int(1)}});
  runner_.AddExit(3, "", "precision not supported");
  EXPECT_EQ((*driver)->Run(request, cancel_).status().code(), absl::StatusCode::kFailedPrecondition);
  runner_.AddExit(1, "", "segfault");
  absl::StatusOr<RunResult> failed = (*driver)->Run(request, cancel_);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(failed.status().message()), HasSubstr("segfault"));
  runner_.AddExit(0, "no figures\n");
  EXPECT_EQ((*driver)->Run(request, cancel_).status().code(), absl::StatusCode::kInternal);
  common::ProcessOutcome timed_out;
  timed_out.timed_out = true;
  runner_.results.emplace_back(timed_out);
  EXPECT_EQ((*driver)->Run(request, cancel_).status().code(), absl::StatusCode::kDeadlineExceeded);
  runner_.results.emplace_back(absl::NotFoundError("no such program"));
  EXPECT_EQ((*driver)->Run(request, cancel_).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(CommandDriverFakeTest, OptionErrors) {
  EXPECT_EQ(Make({{"bogus", "1"}}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Make({{"latency_kind", "wall"}}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Make({{"unsupported_exit_code", "0"}}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Make({{"probe_argv", R"(["tool", "{batch}"])"}}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CommandDriver::Create({{"parser", "kv"}, {"fields", "latency_us=a"}}, runner_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CommandDriverFakeTest, ProbeRecordsTheToolVersion) {
  auto driver = Make({{"probe_argv", R"(["bench", "--version"])"}});
  ASSERT_TRUE(driver.ok());
  runner_.AddExit(0, "bench 2.1.0\nbuilt today\n");
  absl::StatusOr<benchd::v1::Environment> environment = (*driver)->Probe();
  ASSERT_TRUE(environment.ok()) << environment.status();
  EXPECT_EQ(environment->entries().at("tool_version"), "bench 2.1.0");
  EXPECT_THAT(runner_.specs[0].argv, ElementsAre("bench", "--version"));
  runner_.AddExit(0, "7 ms\n");
  absl::StatusOr<RunResult> result = (*driver)->Run(Request({{"batch", Int(1)}}), cancel_);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->environment.entries().at("tool_version"), "bench 2.1.0");
}

TEST_F(CommandDriverFakeTest, ProbeWithoutProbeArgvChecksTheProgram) {
  common::BoostProcessRunner runner;
  auto present = CommandDriver::Create(
      {{"argv", R"(["printf", "x"])"}, {"parser", "kv"}, {"fields", "latency_us=a"}}, runner);
  ASSERT_TRUE(present.ok());
  EXPECT_TRUE((*present)->Probe().ok());
  auto missing = CommandDriver::Create(
      {{"argv", R"(["/nonexistent/bench"])"}, {"parser", "kv"}, {"fields", "latency_us=a"}}, runner);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ((*missing)->Probe().status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace benchd::agent
