#include "agents/parsers/trtexec_parser.h"

#include "agents/parsers/nvpmodel_parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/drivers_gpu/golden.h"

namespace benchd::agent {
namespace {

using ::testing::HasSubstr;
using testing::ReadGolden;

TEST(TrtexecParserTest, ParsesTrt8SummaryWithEveryLatencyTagged) {
  absl::StatusOr<TrtexecOutput> out = ParseTrtexecOutput(ReadGolden("trtexec/trt8_summary.log"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->format, TrtexecFormat::kSummary8);
  EXPECT_EQ(out->tensorrt_version, "8.2.1");
  EXPECT_EQ(*out->warmup_queries, 21);
  EXPECT_DOUBLE_EQ(*out->warmup_ms, 200);
  EXPECT_EQ(*out->timed_queries, 310);
  EXPECT_DOUBLE_EQ(out->throughput_qps, 103.192);
  EXPECT_FALSE(out->throughput_recomputed);
  EXPECT_DOUBLE_EQ(*out->walltime_s, 3.00412);
  EXPECT_DOUBLE_EQ(*out->total_gpu_compute_s, 2.9083);
  ASSERT_EQ(out->figures.size(), 6u);

  const LatencyFigures* request = out->request();
  ASSERT_NE(request, nullptr);
  EXPECT_EQ(request->name, "Latency");
  EXPECT_DOUBLE_EQ(*request->mean_us, 9605.8);
  EXPECT_DOUBLE_EQ(*request->min_us, 9432.1);
  EXPECT_DOUBLE_EQ(*request->median_us, 9581.1);
  EXPECT_DOUBLE_EQ(*request->Percentile(99), 10447.2);
  EXPECT_EQ(*request->count, 310);
  EXPECT_EQ(KindOf(request->scope), benchd::v1::LATENCY_KIND_SYSTEM);

  const LatencyFigures* compute = out->compute();
  ASSERT_NE(compute, nullptr);
  EXPECT_EQ(compute->name, "GPU Compute Time");
  EXPECT_DOUBLE_EQ(*compute->mean_us, 9381.6);
  EXPECT_EQ(KindOf(compute->scope), benchd::v1::LATENCY_KIND_COMPUTE);

  ASSERT_NE(out->queued(), nullptr);
  EXPECT_DOUBLE_EQ(*out->queued()->mean_us, 19104.9);
  EXPECT_EQ(FindFiguresNamed(out->figures, "Enqueue Time")->scope, LatencyScope::kHostEnqueue);
  EXPECT_EQ(FindFiguresNamed(out->figures, "H2D Latency")->scope, LatencyScope::kTransfer);
  EXPECT_NEAR(*FindFiguresNamed(out->figures, "D2H Latency")->mean_us, 12.5, 1e-9);
}

TEST(TrtexecParserTest, ParsesNewerSummaryWithSeveralPercentilesAndNoEndToEnd) {
  absl::StatusOr<TrtexecOutput> out = ParseTrtexecOutput(ReadGolden("trtexec/trt85_multipercentile.log"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->tensorrt_version, "8.5.1");
  EXPECT_EQ(out->queued(), nullptr);
  EXPECT_FALSE(out->timed_queries.has_value());
  const LatencyFigures* request = out->request();
  ASSERT_EQ(request->percentiles_us.size(), 3u);
  EXPECT_DOUBLE_EQ(*request->Percentile(90), 24443.1);
  EXPECT_DOUBLE_EQ(*request->Percentile(95), 24560.4);
  EXPECT_DOUBLE_EQ(*out->compute()->Percentile(99), 23743.3);
  EXPECT_THAT(out->warnings, ::testing::Contains(HasSubstr("GPU compute time is unstable")));
}

TEST(TrtexecParserTest, ParsesTrt7LegacyBlocks) {
  for (const char* file : {"trtexec/trt7_legacy.log", "trtexec/trt7_bare_prefix.log"}) {
    absl::StatusOr<TrtexecOutput> out = ParseTrtexecOutput(ReadGolden(file));
    ASSERT_TRUE(out.ok()) << file << ": " << out.status();
    EXPECT_EQ(out->format, TrtexecFormat::kLegacy7) << file;
    EXPECT_EQ(out->tensorrt_version, "");
    EXPECT_EQ(*out->timed_queries, 1240);  // implicit batch 4: already x4
    EXPECT_DOUBLE_EQ(out->throughput_qps, 412.316);
    EXPECT_DOUBLE_EQ(*out->walltime_s, 3.0074);
    EXPECT_DOUBLE_EQ(*out->request()->mean_us, 9611.7);
    EXPECT_DOUBLE_EQ(*out->request()->Percentile(99), 10458);
    EXPECT_DOUBLE_EQ(*out->queued()->mean_us, 19112);
    EXPECT_DOUBLE_EQ(*out->queued()->Percentile(99), 20241);
    EXPECT_DOUBLE_EQ(*out->compute()->mean_us, 9388.9);
    EXPECT_DOUBLE_EQ(*out->compute()->Percentile(99), 10190.1);
    const LatencyFigures* enqueue = FindFiguresNamed(out->figures, "Enqueue Time");
    ASSERT_NE(enqueue, nullptr);
    EXPECT_FALSE(enqueue->mean_us.has_value());
    EXPECT_DOUBLE_EQ(*enqueue->median_us, 1196.2);
    EXPECT_DOUBLE_EQ(*out->total_gpu_compute_s, 2.91056);
  }
}

TEST(TrtexecParserTest, RecomputesThroughputPrintedAsZero) {
  absl::StatusOr<TrtexecOutput> out = ParseTrtexecOutput(ReadGolden("trtexec/trt7_zero_throughput.log"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(out->throughput_recomputed);
  EXPECT_NEAR(out->throughput_qps, 1240 / 3.0074, 1e-9);
}

void ExpectDataLoss(const std::string& file, const std::string& message) {
  absl::StatusOr<TrtexecOutput> out = ParseTrtexecOutput(ReadGolden(file));
  ASSERT_FALSE(out.ok()) << file;
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss) << file;
  EXPECT_THAT(std::string(out.status().message()), HasSubstr(message)) << file;
}

TEST(TrtexecParserTest, BrokenOutputsFailWithLine) {
  ExpectDataLoss("trtexec/truncated.log", "truncated output: no '&&&& PASSED' line");
  ExpectDataLoss("trtexec/reordered.log",
                 "line 35: 'GPU Compute Time' statistics outside the performance summary");
  ExpectDataLoss("trtexec/bad_number.log", "line 41: parse number: bad value '9.38.16'");
  ExpectDataLoss("trtexec/bad_unit.log", "line 41: unknown time unit 'furlongs'");
  ExpectDataLoss("trtexec/garbage.log", "line 7: binary data in the output");
  ExpectDataLoss("trtexec/failed.log", "line 9: trtexec reported failure: &&&& FAILED");
}

TEST(TrtexecParserTest, RejectsEmptyDuplicateAndOrphanLines) {
  EXPECT_THAT(std::string(ParseTrtexecOutput("").status().message()), HasSubstr("no performance summary"));
  EXPECT_THAT(std::string(ParseTrtexecOutput("[I] min: 1 ms\n").status().message()),
              HasSubstr("line 1: 'min:' outside a statistics block"));
  const std::string twice =
      "=== Performance summary ===\nThroughput: 1 qps\nLatency: min = 1 ms, max = 1 ms, mean = 1 ms\n"
      "Latency: min = 1 ms, max = 1 ms, mean = 1 ms\n";
  EXPECT_THAT(std::string(ParseTrtexecOutput(twice).status().message()), HasSubstr("line 4: 'Latency' given twice"));
  const std::string no_compute =
      "=== Performance summary ===\nThroughput: 1 qps\nLatency: min = 1 ms, max = 1 ms, mean = 1 ms\n"
      "&&&& PASSED TensorRT.trtexec [TensorRT v8201] # trtexec\n";
  EXPECT_THAT(std::string(ParseTrtexecOutput(no_compute).status().message()), HasSubstr("no mean GPU Compute Time"));
}

TEST(TrtexecParserTest, ReadsVersionFromHelp) {
  EXPECT_EQ(*ParseTrtexecVersion(ReadGolden("trtexec/help_trt8.txt")), "8.2.1");
  EXPECT_EQ(*ParseTrtexecVersion(ReadGolden("trtexec/help_trt7.txt")), "");
  EXPECT_EQ(ParseTrtexecVersion("usage: foo\n").status().code(), absl::StatusCode::kDataLoss);
}

TEST(TrtexecParserTest, ParsesExportedTimesOfBothVersions) {
  absl::StatusOr<std::vector<TrtexecQuery>> trt8 = ParseTrtexecTimes(ReadGolden("trtexec/export_times_trt8.json"));
  ASSERT_TRUE(trt8.ok()) << trt8.status();
  ASSERT_EQ(trt8->size(), 4u);
  EXPECT_DOUBLE_EQ((*trt8)[2].start_compute_ms, 208.9);
  EXPECT_DOUBLE_EQ((*trt8)[2].latency_ms, 9.6058);
  EXPECT_DOUBLE_EQ((*trt8)[2].compute_ms, 9.3816);
  EXPECT_DOUBLE_EQ((*trt8)[2].h2d_ms, 0.2117);
  EXPECT_DOUBLE_EQ((*trt8)[2].end_to_end_ms, 18.1825);
  EXPECT_DOUBLE_EQ((*trt8)[2].end_ms, 218.2925);

  absl::StatusOr<std::vector<TrtexecQuery>> trt7 = ParseTrtexecTimes(ReadGolden("trtexec/export_times_trt7.json"));
  ASSERT_TRUE(trt7.ok()) << trt7.status();
  ASSERT_EQ(trt7->size(), 2u);
  EXPECT_DOUBLE_EQ((*trt7)[1].h2d_ms, 0.21);
  EXPECT_DOUBLE_EQ((*trt7)[1].d2h_ms, 0.0125);
  EXPECT_DOUBLE_EQ((*trt7)[1].end_ms, 209.7225);
}

TEST(TrtexecParserTest, BrokenExportedTimesFail) {
  absl::StatusOr<std::vector<TrtexecQuery>> missing =
      ParseTrtexecTimes(ReadGolden("trtexec/export_times_missing_latency.json"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("query 0: no non-negative number 'latencyMs'"));
  EXPECT_THAT(std::string(ParseTrtexecTimes(ReadGolden("trtexec/export_times_truncated.json")).status().message()),
              HasSubstr("invalid JSON"));
  EXPECT_THAT(std::string(ParseTrtexecTimes("{}").status().message()), HasSubstr("expected a JSON array"));
}

TEST(NvpmodelParserTest, ParsesModeNameAndId) {
  absl::StatusOr<NvpmodelMode> maxn = ParseNvpmodelQuery(ReadGolden("nvpmodel/query_maxn.txt"));
  ASSERT_TRUE(maxn.ok()) << maxn.status();
  EXPECT_EQ(maxn->name, "MAXN");
  EXPECT_EQ(maxn->id, 0);
  EXPECT_EQ(ParseNvpmodelQuery(ReadGolden("nvpmodel/query_maxp_core_all.txt"))->id, 2);
  absl::StatusOr<NvpmodelMode> warned = ParseNvpmodelQuery(ReadGolden("nvpmodel/query_with_warning.txt"));
  ASSERT_TRUE(warned.ok()) << warned.status();
  EXPECT_EQ(warned->name, "MAXQ");
  EXPECT_EQ(warned->id, 1);
}

TEST(NvpmodelParserTest, BrokenQueriesFailWithLine) {
  EXPECT_THAT(std::string(ParseNvpmodelQuery(ReadGolden("nvpmodel/query_truncated.txt")).status().message()),
              HasSubstr("line 1: truncated output: no mode id"));
  EXPECT_THAT(std::string(ParseNvpmodelQuery(ReadGolden("nvpmodel/query_bad_id.txt")).status().message()),
              HasSubstr("line 2: expected the mode id after 'NV Power Mode: MAXN', got 'zero'"));
  EXPECT_THAT(std::string(ParseNvpmodelQuery(ReadGolden("nvpmodel/query_garbage.txt")).status().message()),
              HasSubstr("no 'NV Power Mode:' line"));
  EXPECT_EQ(ParseNvpmodelQuery(std::string("NV Power Mode: \x01\x02\n0\n")).status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace benchd::agent
