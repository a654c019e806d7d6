#include "agents/parsers/host_mlp_parser.h"

#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace benchd::agent {
namespace {

using ::testing::HasSubstr;

// Golden files: real output of benchd-host-mlp, and damaged copies of it.
std::string ReadGolden(const std::string& name) {
  const std::string path = std::string(BENCHD_TEST_DATA_DIR) + "/host_mlp/" + name;
  std::ifstream file(path, std::ios::binary);
  EXPECT_TRUE(file) << "cannot open " << path;
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

void ExpectDataLoss(const std::string& golden, const std::string& fragment) {
  absl::StatusOr<HostMlpOutput> output = ParseHostMlpOutput(ReadGolden(golden));
  ASSERT_FALSE(output.ok()) << golden;
  EXPECT_EQ(output.status().code(), absl::StatusCode::kDataLoss) << output.status();
  EXPECT_THAT(std::string(output.status().message()), HasSubstr(fragment)) << golden;
}

TEST(HostMlpParserTest, ParsesRealFp32Output) {
  absl::StatusOr<HostMlpOutput> output = ParseHostMlpOutput(ReadGolden("fp32_batch8.txt"));
  ASSERT_TRUE(output.ok()) << output.status();
  EXPECT_EQ(output->runtime.format, 1);
  EXPECT_EQ(output->runtime.version, "0.1.0");
  EXPECT_EQ(output->runtime.onednn, "2.6.3");
  EXPECT_EQ(output->runtime.threading, "omp");
  EXPECT_EQ(output->runtime.isa, "avx512_core_bf16");
  EXPECT_EQ(output->runtime.threads, 2);
  EXPECT_EQ(output->config.topology, "MLP");
  EXPECT_DOUBLE_EQ(output->config.pruning, 100);
  EXPECT_EQ(output->config.precision, "FP32");
  EXPECT_EQ(output->config.batch, 8);
  EXPECT_EQ(output->config.hidden, 2048);
  EXPECT_EQ(output->config.params, 10014720);
  EXPECT_EQ(output->config.ops_per_inference, 20029440);
  EXPECT_EQ(output->config.warmup, 3);
  EXPECT_EQ(output->config.iterations, 5);
  EXPECT_EQ(output->config.seed, 1u);
  ASSERT_EQ(output->layers.size(), 4u);
  EXPECT_EQ(output->layers[3].inputs, 2048);
  EXPECT_EQ(output->layers[3].outputs, 10);
  EXPECT_EQ(output->layers[0].implementation, "brgemm:avx512_core");
  ASSERT_EQ(output->latency_us.size(), 5u);
  ASSERT_EQ(output->t_ns.size(), 5u);
  EXPECT_DOUBLE_EQ(output->latency_us[0], 1401.868);
  EXPECT_DOUBLE_EQ(output->latency_us[4], 1428.417);
  EXPECT_EQ(output->t_ns[0], 888743369980);
  EXPECT_EQ(output->summary.count, 5);
  EXPECT_DOUBLE_EQ(output->summary.mean_us, 1996.325);
  EXPECT_DOUBLE_EQ(output->summary.gops, 80.2652);
  ASSERT_TRUE(output->check.has_value());
  EXPECT_DOUBLE_EQ(output->check->reference_max_abs, 0.532045);
}

TEST(HostMlpParserTest, ParsesRealInt8PrunedOutput) {
  absl::StatusOr<HostMlpOutput> output =
      ParseHostMlpOutput(ReadGolden("int8_pruning12.5_batch4.txt"));
  ASSERT_TRUE(output.ok()) << output.status();
  EXPECT_EQ(output->config.precision, "INT8");
  EXPECT_DOUBLE_EQ(output->config.pruning, 12.5);
  EXPECT_EQ(output->config.hidden, 256);
  EXPECT_EQ(output->config.params, 334336);
  EXPECT_EQ(output->latency_us.size(), 3u);
  EXPECT_EQ(output->layers[1].implementation, "brgemm:avx512_core_vnni");
}

TEST(HostMlpParserTest, AcceptsCrLfBlankLinesAndUnknownKeys) {
  const std::string text =
      "\r\nbenchd-host-mlp format=1 version=9 onednn=2.6.3 threading=omp isa=x threads=1 new=1\r\n"
      "config topology=MLP pruning=50 precision=INT8 batch=1 hidden=1024 params=2910208 "
      "ops_per_inference=5820416 warmup=0 iterations=1 seed=7\r\n"
      "\r\n"
      "sample i=0 latency_us=10.000 t_ns=5\r\n"
      "summary count=1 mean_us=10 median_us=10 p99_us=10 min_us=10 max_us=10 fps=1e5 gops=582\r\n";
  absl::StatusOr<HostMlpOutput> output = ParseHostMlpOutput(text);
  ASSERT_TRUE(output.ok()) << output.status();
  EXPECT_EQ(output->config.params, 2910208);
  EXPECT_FALSE(output->check.has_value());
  EXPECT_TRUE(output->layers.empty());
}

TEST(HostMlpParserTest, RejectsTruncatedOutput) {
  ExpectDataLoss("truncated.txt", "no summary line after 3 samples");
}

TEST(HostMlpParserTest, RejectsOutputCutMidLine) {
  ExpectDataLoss("truncated_mid_line.txt", "line 12:");
}

TEST(HostMlpParserTest, RejectsGarbageLineWithItsNumber) {
  ExpectDataLoss("garbage.txt", "line 10:");
}

TEST(HostMlpParserTest, RejectsCountMismatch) {
  ExpectDataLoss("count_mismatch.txt", "summary count=5 but 4 sample lines");
}

TEST(HostMlpParserTest, RejectsNegativeLatency) {
  ExpectDataLoss("negative_latency.txt", "line 10: negative latency_us");
}

TEST(HostMlpParserTest, RejectsMalformedNumber) {
  ExpectDataLoss("malformed_number.txt", "line 9: latency_us");
}

TEST(HostMlpParserTest, RejectsMissingHeader) {
  ExpectDataLoss("missing_header.txt", "missing 'benchd-host-mlp format=...' line");
}

TEST(HostMlpParserTest, RejectsEmptyOutputAndOtherFormats) {
  EXPECT_EQ(ParseHostMlpOutput("").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParseHostMlpOutput("\n\n").status().code(), absl::StatusCode::kDataLoss);
  absl::StatusOr<HostMlpOutput> other = ParseHostMlpOutput(
      "benchd-host-mlp format=2 version=1 onednn=3 threading=omp isa=x threads=1\n");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(other.status().message()), HasSubstr("unsupported output format 2"));
}

TEST(HostMlpParserTest, RejectsSamplesOutOfOrderOrBeforeConfig) {
  const std::string header =
      "benchd-host-mlp format=1 version=1 onednn=2.6.3 threading=omp isa=x threads=1\n";
  const std::string config =
      "config topology=MLP pruning=100 precision=FP32 batch=1 hidden=2048 params=10014720 "
      "ops_per_inference=20029440 warmup=0 iterations=2 seed=1\n";
  EXPECT_THAT(
      std::string(
          ParseHostMlpOutput(header + "sample i=0 latency_us=1 t_ns=1\n").status().message()),
      HasSubstr("before the config line"));
  EXPECT_THAT(std::string(ParseHostMlpOutput(header + config + "sample i=1 latency_us=1 t_ns=1\n")
                              .status()
                              .message()),
              HasSubstr("line 3: sample i=1 out of order, expected i=0"));
}

TEST(HostMlpParserTest, ParsesVersionLine) {
  absl::StatusOr<HostMlpRuntime> runtime = ParseHostMlpVersion(
      "benchd-host-mlp format=1 version=0.1.0 onednn=2.6.3 threading=omp isa=avx2 threads=4\n");
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  EXPECT_EQ(runtime->isa, "avx2");
  EXPECT_EQ(runtime->threads, 4);
  EXPECT_EQ(ParseHostMlpVersion("").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParseHostMlpVersion("Usage: something\n").status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace benchd::agent
