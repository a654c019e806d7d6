// The host runtime: its model arithmetic, its output contract with the
// parser, and the real benchd-host-mlp run through the real process runner
// and the host-cpu driver.

#include <cmath>

#include "agents/drivers/host_cpu_driver.h"
#include "agents/host_runtime/mlp_model.h"
#include "agents/host_runtime/report.h"
#include "agents/parsers/host_mlp_parser.h"
#include "common/process_runner.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace benchd::host_runtime {
namespace {

using ::testing::HasSubstr;

TEST(MlpModelTest, ParameterAndOpCountsMatchQutibench) {
  // shared/data/qutibench/topology_details.csv: Total Params, Fwd Ops.
  struct Row {
    double pruning;
    int64_t hidden;
    int64_t params;
    int64_t ops;
  };
  for (const Row& row : {Row{100, 2048, 10014720, 20029440}, Row{50, 1024, 2910208, 5820416},
                         Row{25, 512, 930816, 1861632}, Row{12.5, 256, 334336, 668672}}) {
    const std::optional<MlpShape> shape = MlpShape::ForPruning(row.pruning);
    ASSERT_TRUE(shape.has_value()) << row.pruning;
    EXPECT_EQ(shape->HiddenWidth(), row.hidden);
    EXPECT_EQ(shape->LayerCount(), 4);
    EXPECT_EQ(shape->Params(), row.params) << row.pruning;
    EXPECT_EQ(shape->OpsPerInference(), row.ops) << row.pruning;
  }
  EXPECT_FALSE(MlpShape::ForPruning(0).has_value());
  EXPECT_FALSE(MlpShape::ForPruning(100.5).has_value());
  EXPECT_FALSE(MlpShape::ForPruning(0.01).has_value());  // rounds to 0 hidden units
}

TEST(MlpModelTest, PrecisionIsCaseInsensitiveAndClosed) {
  EXPECT_EQ(ParsePrecision("fp32"), Precision::kFp32);
  EXPECT_EQ(ParsePrecision("Int8"), Precision::kInt8);
  for (const char* other : {"INT4", "INT2", "FP16", "BF16", "", "FP32 "}) {
    EXPECT_FALSE(ParsePrecision(other).has_value()) << other;
  }
}

TEST(MlpModelTest, WeightsAreDeterministicPerSeed) {
  const MlpShape shape = *MlpShape::ForPruning(12.5);
  const MlpWeights a = MlpWeights::Random(shape, 7);
  const MlpWeights b = MlpWeights::Random(shape, 7);
  const MlpWeights c = MlpWeights::Random(shape, 8);
  EXPECT_EQ(a.weights, b.weights);
  EXPECT_NE(a.weights, c.weights);
  EXPECT_EQ(a.weights[1].size(), 256u * 256u);
}

TEST(ReportTest, ParserReadsWhatTheRuntimeWrites) {
  const RuntimeInfo info{"0.1.0", "2.6.3", "omp", "avx512_core", 2};
  const RunConfig config{.shape = *MlpShape::ForPruning(25),
                         .pruning = 25,
                         .precision = Precision::kInt8,
                         .batch = 16,
                         .warmup = 5,
                         .iterations = 3,
                         .seed = 9};
  Measurements measurements;
  measurements.layer_implementations = {"a:b", "with space", "c", "d"};
  measurements.latency_ns = {1'234'567, 1'000, 999};
  measurements.completion_ns = {10, 20, 30};
  measurements.check_max_abs_error = 0.01;
  measurements.check_reference_max_abs = 0.5;

  absl::StatusOr<agent::HostMlpOutput> output =
      agent::ParseHostMlpOutput(FormatReport(info, config, measurements));
  ASSERT_TRUE(output.ok()) << output.status();
  EXPECT_EQ(output->config.precision, "INT8");
  EXPECT_EQ(output->config.params, 930816);
  EXPECT_EQ(output->config.seed, 9u);
  EXPECT_EQ(output->layers[1].implementation, "with_space");
  EXPECT_THAT(output->latency_us, ::testing::ElementsAre(1234.567, 1.0, 0.999));
  EXPECT_EQ(output->t_ns[2], 30);
  EXPECT_NEAR(output->summary.mean_us, (1234.567 + 1.0 + 0.999) / 3, 1e-3);
  EXPECT_NEAR(output->summary.fps, 16 * 1e6 / output->summary.mean_us, 1e-3 * output->summary.fps);
  ASSERT_TRUE(output->check.has_value());
  EXPECT_DOUBLE_EQ(output->check->max_abs_error, 0.01);
}

// The real binary, through the real process runner.
class RealHostRuntimeTest : public ::testing::Test {
 protected:
  agent::HostCpuDriver MakeDriver() {
    return agent::HostCpuDriver({BENCHD_HOST_MLP_PATH, 1}, runner_);
  }

  absl::StatusOr<common::ProcessOutcome> RunRuntime(std::vector<std::string> args) {
    common::ProcessSpec spec;
    spec.argv = {BENCHD_HOST_MLP_PATH};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.timeout = std::chrono::minutes(2);
    return runner_.Run(spec);
  }

  common::BoostProcessRunner runner_;
  std::atomic<bool> cancel_{false};
};

TEST_F(RealHostRuntimeTest, DriverMeasuresFp32AndInt8) {
  agent::HostCpuDriver driver = MakeDriver();
  for (const char* precision : {"FP32", "int8"}) {
    agent::RunRequest request;
    request.run_id = 1;
    (*request.parameters.mutable_values())["precision"].set_string_value(precision);
    (*request.parameters.mutable_values())["batch"].set_int_value(2);
    request.settings.set_warmup(2);
    request.settings.set_iterations(7);
    request.settings.set_repeats(2);
    request.settings.set_timeout_ms(120'000);
    absl::StatusOr<agent::RunResult> result = driver.Run(request, cancel_);
    ASSERT_TRUE(result.ok()) << precision << ": " << result.status();
    ASSERT_EQ(result->repeats.size(), 2u);
    for (const agent::RepeatSamples& repeat : result->repeats) {
      ASSERT_EQ(repeat.latency_us.size(), 7u);
      ASSERT_EQ(repeat.t_ns.size(), 7u);
      for (size_t i = 0; i < repeat.latency_us.size(); ++i) {
        EXPECT_GT(repeat.latency_us[i], 0);
        if (i > 0) {
          EXPECT_GT(repeat.t_ns[i], repeat.t_ns[i - 1]);
        }
      }
    }
    const benchd::v1::RunSummary& summary = result->summary;
    EXPECT_EQ(summary.latency().count(), 14);
    EXPECT_GT(summary.latency().mean_us(), 0);
    EXPECT_GT(summary.fps(), 0);
    EXPECT_GT(summary.gops(), 0);
    EXPECT_EQ(summary.inferences(), 28);
    bool found_params = false;
    for (const auto& metric : summary.extra()) {
      if (metric.name() == "params") {
        found_params = true;
        EXPECT_EQ(metric.value(), 10014720);
      }
    }
    EXPECT_TRUE(found_params);
    EXPECT_EQ(result->environment.entries().at("onednn"), "2.6.3");
    EXPECT_EQ(result->environment.entries().at("threads"), "1");
    EXPECT_FALSE(result->environment.entries().at("onednn_impl").empty());
  }
}

TEST_F(RealHostRuntimeTest, ComputesTheReferenceResult) {
  // Not just timing: the outputs must match a plain f32 pass, tightly in FP32
  // and within quantisation error in INT8.
  for (const auto& [precision, tolerance] : {std::pair{"FP32", 1e-4}, std::pair{"INT8", 0.05}}) {
    absl::StatusOr<common::ProcessOutcome> outcome =
        RunRuntime({"--precision", precision, "--pruning", "25", "--batch", "3", "--warmup", "0",
                    "--iterations", "2", "--threads", "1"});
    ASSERT_TRUE(outcome.ok()) << outcome.status();
    ASSERT_TRUE(outcome->Succeeded()) << outcome->Describe() << outcome->stderr_text;
    absl::StatusOr<agent::HostMlpOutput> output = agent::ParseHostMlpOutput(outcome->stdout_text);
    ASSERT_TRUE(output.ok()) << output.status();
    EXPECT_EQ(output->config.params, 930816);
    ASSERT_TRUE(output->check.has_value());
    EXPECT_GT(output->check->reference_max_abs, 0.01);
    EXPECT_LT(output->check->max_abs_error / output->check->reference_max_abs, tolerance)
        << precision;
  }
}

TEST_F(RealHostRuntimeTest, RefusesPrecisionsItCannotRun) {
  for (const char* precision : {"INT4", "INT2", "FP16"}) {
    absl::StatusOr<common::ProcessOutcome> outcome = RunRuntime({"--precision", precision});
    ASSERT_TRUE(outcome.ok()) << outcome.status();
    EXPECT_EQ(outcome->exit_code, 2) << precision;
    EXPECT_TRUE(outcome->stdout_text.empty());
    EXPECT_THAT(outcome->stderr_text, HasSubstr(std::string("cannot run precision ") + precision));
  }
  absl::StatusOr<common::ProcessOutcome> usage = RunRuntime({"--batch", "0"});
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->exit_code, 64);
}

TEST_F(RealHostRuntimeTest, ProbeReadsVersion) {
  agent::HostCpuDriver driver = MakeDriver();
  absl::StatusOr<benchd::v1::Environment> environment = driver.Probe();
  ASSERT_TRUE(environment.ok()) << environment.status();
  EXPECT_EQ(environment->entries().at("onednn"), "2.6.3");
  EXPECT_EQ(environment->entries().at("threading"), "omp");
  EXPECT_FALSE(environment->entries().at("isa").empty());
}

}  // namespace
}  // namespace benchd::host_runtime
