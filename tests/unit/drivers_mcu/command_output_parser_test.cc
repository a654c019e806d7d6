#include "agents/parsers/command_output_parser.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace benchd::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

CommandOutputSpec SpecOrDie(std::string_view format, std::string_view fields, std::string_view pattern = "") {
  absl::StatusOr<CommandOutputSpec> spec = ParseCommandOutputSpec(format, fields, pattern);
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.ok() ? *std::move(spec) : CommandOutputSpec{};
}

TEST(CommandOutputParserTest, RegexGroupsByNumber) {
  const CommandOutputSpec spec =
      SpecOrDie("regex", "latency_ms=1, power[W]=2", R"(iter \d+: ([0-9.]+) ms(?:, ([0-9.]+) W)?)");
  absl::StatusOr<CommandOutput> output =
      ParseCommandOutput(spec, "warming up\niter 0: 1.5 ms, 2.0 W\niter 1: 2.5 ms\niter 2: 0.5 ms, 4.0 W\ndone\n");
  ASSERT_TRUE(output.ok()) << output.status();
  EXPECT_THAT(output->latency_us, ElementsAre(1500.0, 2500.0, 500.0));
  ASSERT_EQ(output->extras.size(), 1u);
  EXPECT_EQ(output->extras[0].metric, "power");
  EXPECT_EQ(output->extras[0].unit, "W");
  EXPECT_DOUBLE_EQ(output->extras[0].mean, 3.0);
  EXPECT_EQ(output->extras[0].count, 2);
}

TEST(CommandOutputParserTest, JsonLinesWithNestedKeys) {
  const CommandOutputSpec spec = SpecOrDie("jsonl", "latency_ns=timing.ns,temp[C]=temp");
  absl::StatusOr<CommandOutput> output = ParseCommandOutput(
      spec, "{\"timing\": {\"ns\": 2000}, \"temp\": 40}\nnot json\n{broken\n{\"timing\": {\"ns\": 4000}}\n");
  ASSERT_TRUE(output.ok()) << output.status();
  EXPECT_THAT(output->latency_us, ElementsAre(2.0, 4.0));
  ASSERT_EQ(output->extras.size(), 1u);
  EXPECT_DOUBLE_EQ(output->extras[0].mean, 40.0);
}

TEST(CommandOutputParserTest, KeyValueTokensSplitOnBlanksAndCommas) {
  const CommandOutputSpec spec = SpecOrDie("kv", "latency_us=lat");
  absl::StatusOr<CommandOutput> output = ParseCommandOutput(spec, "iter=0 lat=812.5\niter=1,lat=800\nlat=\n");
  EXPECT_EQ(output.status().code(), absl::StatusCode::kDataLoss);  // an empty value is not a number
  output = ParseCommandOutput(spec, "iter=0 lat=812.5\niter=1,lat=800\nsummary mean=806\n");
  ASSERT_TRUE(output.ok()) << output.status();
  EXPECT_THAT(output->latency_us, ElementsAre(812.5, 800.0));
}

TEST(CommandOutputParserTest, PhaseLinesAndSampleTimesOnTheMonotonicClock) {
  const CommandOutputSpec kv = SpecOrDie("kv", "latency_us=lat");
  absl::StatusOr<CommandOutput> output =
      ParseCommandOutput(kv, "phase=idle t_ns=100\nphase=measure t_ns=200\nlat=5 t_ns=205\nlat=6 t_ns=211\n"
                             "phase=end t_ns=211\n");
  ASSERT_TRUE(output.ok()) << output.status();
  EXPECT_THAT(output->latency_us, ElementsAre(5.0, 6.0));
  EXPECT_THAT(output->t_ns, ElementsAre(205, 211));
  ASSERT_EQ(output->phases.size(), 3u);
  EXPECT_EQ(output->phases[1].phase, "measure");
  EXPECT_EQ(output->phases[1].t_ns, 200);

  // Times count only when every sample has one.
  output = ParseCommandOutput(kv, "lat=5 t_ns=205\nlat=6\n");
  ASSERT_TRUE(output.ok()) << output.status();
  EXPECT_TRUE(output->t_ns.empty());

  const CommandOutputSpec jsonl = SpecOrDie("jsonl", "latency_ms=ms");
  output = ParseCommandOutput(jsonl, "{\"phase\": \"measure\", \"t_ns\": 7}\n{\"ms\": 1.5, \"t_ns\": 9}\n");
  ASSERT_TRUE(output.ok()) << output.status();
  ASSERT_EQ(output->phases.size(), 1u);
  EXPECT_THAT(output->t_ns, ElementsAre(9));

  output = ParseCommandOutput(kv, "phase=measure\nlat=5\n");
  EXPECT_EQ(output.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(output.status().message(), HasSubstr("line 1: phase 'measure' without t_ns"));
  output = ParseCommandOutput(kv, "lat=5 t_ns=soon\n");
  EXPECT_EQ(output.status().code(), absl::StatusCode::kDataLoss);
}

TEST(CommandOutputParserTest, BadValuesAndMissingLatencyAreDataLoss) {
  const CommandOutputSpec spec = SpecOrDie("kv", "latency_s=t");
  absl::StatusOr<CommandOutput> output = ParseCommandOutput(spec, "t=0.5\nt=fast\n");
  EXPECT_EQ(output.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(output.status().message()), HasSubstr("line 2"));
  EXPECT_EQ(ParseCommandOutput(spec, "t=-1\n").status().code(), absl::StatusCode::kDataLoss);
  output = ParseCommandOutput(spec, "nothing here\n");
  EXPECT_EQ(output.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(output.status().message()), HasSubstr("latency_s"));
  output = ParseCommandOutput(spec, "t=0.25\n");
  ASSERT_TRUE(output.ok());
  EXPECT_THAT(output->latency_us, ElementsAre(250000.0));
}

TEST(CommandOutputParserTest, SpecErrorsAreInvalidArgument) {
  const auto code = [](std::string_view format, std::string_view fields, std::string_view pattern = "") {
    return ParseCommandOutputSpec(format, fields, pattern).status().code();
  };
  EXPECT_EQ(code("csv", "latency_us=a"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code("kv", "power=a"), absl::StatusCode::kInvalidArgument);                 // no latency
  EXPECT_EQ(code("kv", "latency_us=a,latency_ms=b"), absl::StatusCode::kInvalidArgument);  // two
  EXPECT_EQ(code("kv", "latency_us=a,latency_us=b"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code("kv", "latency_us=a", "x"), absl::StatusCode::kInvalidArgument);       // pattern unused
  EXPECT_EQ(code("regex", "latency_us=1"), absl::StatusCode::kInvalidArgument);          // no pattern
  EXPECT_EQ(code("regex", "latency_us=1", "(unclosed"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code("regex", "latency_us=2", "(\\d+)"), absl::StatusCode::kInvalidArgument);  // no group 2
  EXPECT_EQ(code("kv", "Latency=a"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code("kv", "latency_us"), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace benchd::agent
