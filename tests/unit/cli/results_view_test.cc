// Tests for the results view: column order, missing values, and how each
// format keeps (or presents) the values' types.

#include "cli/output/results_view.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/unit/cli/test_data.h"

namespace benchd::cli {
namespace {

using ::benchd::cli::testing::MakeResult;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::vector<std::string> ColumnNames(const ResultsView& view) {
  std::vector<std::string> names;
  for (const ResultsColumn& column : view.columns) names.push_back(column.name);
  return names;
}

TEST(ResultsViewTest, PlatformFirstThenSortedParametersThenSummary) {
  benchd::v1::Result first = MakeResult(1, "host-cpu", 8, 100.0);
  (*first.mutable_parameters()->mutable_values())["precision"].set_string_value("FP32");
  benchd::v1::Result second = MakeResult(2, "jetson-orin", 16, 50.0);
  (*second.mutable_parameters()->mutable_values())["alpha"].set_double_value(0.25);

  const ResultsView view = BuildResultsView({first, second});
  EXPECT_THAT(ColumnNames(view),
              ElementsAre("platform", "alpha", "batch", "precision", "mean_us", "median_us",
                          "p90_us", "p99_us", "std_us", "min_us", "max_us", "fps", "gops",
                          "samples", "agent", "device", "run_id"));
  ASSERT_EQ(view.rows.size(), 2u);
  // Each result lacks one of the other's parameters.
  EXPECT_TRUE(std::holds_alternative<std::monostate>(view.rows[0][1]));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(view.rows[1][3]));
  EXPECT_EQ(std::get<int64_t>(view.rows[1][2]), 16);
  EXPECT_EQ(std::get<double>(view.rows[1][1]), 0.25);
}

TEST(ResultsViewTest, PowerAndRepeatColumnsOnlyWhenSomeRunHasThem) {
  const benchd::v1::Result plain = MakeResult(1, "host-cpu", 8, 100.0);
  EXPECT_THAT(ColumnNames(BuildResultsView({plain})), ::testing::Not(::testing::Contains("full_w")));

  benchd::v1::Result measured = MakeResult(2, "tx2", 8, 1000.0);
  benchd::v1::RailPower* rail = measured.mutable_summary()->mutable_power()->add_rails();
  rail->mutable_base()->set_avg_w(1.8);
  rail->mutable_full()->set_avg_w(9.3);
  rail->set_energy_per_inference_j(0.00149);
  measured.mutable_summary()->add_repeats();
  measured.mutable_summary()->add_repeats();
  *measured.mutable_summary()->add_warnings() = "latency drifts";
  const ResultsView view = BuildResultsView({plain, measured});
  const std::vector<std::string> names = ColumnNames(view);
  ASSERT_THAT(names, ::testing::IsSupersetOf({"base_w", "idle_w", "full_w", "mj_per_inference",
                                              "dynamic_mj_per_inference", "repeats", "warnings"}));
  std::ostringstream csv;
  RenderResultsCsv(view, csv);
  // Idle was not measured: empty, not zero; energies in mJ.
  EXPECT_THAT(csv.str(), HasSubstr(",1.8,,9.3,1.49,,2,latency drifts\n"));
}

TEST(ResultsViewTest, ParameterNamedLikeASummaryColumnIsRenamed) {
  benchd::v1::Result result = MakeResult(1, "host-cpu", 8, 100.0);
  (*result.mutable_parameters()->mutable_values())["device"].set_string_value("cpu0");
  const ResultsView view = BuildResultsView({result});
  EXPECT_THAT(ColumnNames(view), ::testing::Contains("param_device"));
  EXPECT_THAT(ColumnNames(view), ::testing::Contains("device"));
}

TEST(ResultsViewTest, CsvHasHeaderQuotingAndEmptyMissingValues) {
  benchd::v1::Result first = MakeResult(7, "host-cpu", 8, 123.456789);
  (*first.mutable_parameters()->mutable_values())["model"].set_string_value("a,\"b\"");
  benchd::v1::Result second = MakeResult(8, "host-cpu", 4, 10.0);
  std::ostringstream out;
  RenderResultsCsv(BuildResultsView({first, second}), out);

  std::istringstream lines(out.str());
  std::string header, row1, row2;
  std::getline(lines, header);
  std::getline(lines, row1);
  std::getline(lines, row2);
  EXPECT_EQ(header,
            "platform,batch,model,mean_us,median_us,p90_us,p99_us,std_us,min_us,max_us,fps,gops,"
            "samples,agent,device,run_id");
  // Full precision, quoted model, and an empty field where a value is missing.
  EXPECT_THAT(row1, StartsWith("host-cpu,8,\"a,\"\"b\"\"\",123.456789,"));
  EXPECT_THAT(row1, ::testing::EndsWith(",1000,lab-1,host-cpu-0,7"));
  EXPECT_THAT(row2, StartsWith("host-cpu,4,,10,"));
}

TEST(ResultsViewTest, JsonKeepsNumbersNumbersAndMissingValuesNull) {
  benchd::v1::Result first = MakeResult(7, "host-cpu", 8, 123.5);
  (*first.mutable_parameters()->mutable_values())["quantized"].set_bool_value(true);
  benchd::v1::Result second = MakeResult(8, "host-cpu", 4, 10.0);
  std::ostringstream out;
  RenderResultsJson(BuildResultsView({first, second}), out);

  const nlohmann::json json = nlohmann::json::parse(out.str());
  ASSERT_TRUE(json.is_array());
  ASSERT_EQ(json.size(), 2u);
  const nlohmann::json& row = json[0];
  EXPECT_TRUE(row["batch"].is_number_integer());
  EXPECT_EQ(row["batch"], 8);
  EXPECT_TRUE(row["mean_us"].is_number_float());
  EXPECT_DOUBLE_EQ(row["mean_us"].get<double>(), 123.5);
  EXPECT_TRUE(row["quantized"].is_boolean());
  EXPECT_TRUE(row["platform"].is_string());
  EXPECT_TRUE(row["samples"].is_number_integer());
  EXPECT_TRUE(row["run_id"].is_number_integer());
  EXPECT_TRUE(json[1]["quantized"].is_null());
  // Keys follow the column order rather than the alphabet.
  EXPECT_THAT(out.str(), HasSubstr("\"platform\": \"host-cpu\",\n    \"batch\": 8,"));
}

// A tool that prints only a mean (the DPU runner) or no percentiles
// (benchmark_app) leaves those figures unset: every format shows them as
// missing, never as a measured 0.
TEST(ResultsViewTest, FiguresTheRunDidNotReportAreMissingNotZero) {
  benchd::v1::Result mean_only = MakeResult(9, "zcu102-dpu", 1, 9979.9);
  benchd::v1::LatencyStats* latency = mean_only.mutable_summary()->mutable_latency();
  *latency = benchd::v1::LatencyStats();
  latency->set_count(500);
  latency->set_mean_us(9979.9);
  mean_only.mutable_summary()->clear_gops();
  mean_only.set_latency_sample_count(0);
  const ResultsView view = BuildResultsView({mean_only});

  std::ostringstream table;
  RenderResultsTable(view, table);
  std::istringstream lines(table.str());
  std::string header, row;
  std::getline(lines, header);
  std::getline(lines, row);
  EXPECT_THAT(row, HasSubstr("9979.9  -          -       -       -       -       -       100.20  -"));

  std::ostringstream csv;
  RenderResultsCsv(view, csv);
  EXPECT_THAT(csv.str(), HasSubstr("zcu102-dpu,1,9979.9,,,,,,,100.2"));

  std::ostringstream json;
  RenderResultsJson(view, json);
  const nlohmann::json parsed = nlohmann::json::parse(json.str());
  for (const char* missing : {"median_us", "p90_us", "p99_us", "std_us", "min_us", "max_us", "gops"}) {
    EXPECT_TRUE(parsed[0][missing].is_null()) << missing;
  }
  EXPECT_DOUBLE_EQ(parsed[0]["mean_us"].get<double>(), 9979.9);
}

TEST(ResultsViewTest, EmptyResultsGiveAnEmptyJsonArrayAndAHeaderOnlyCsv) {
  std::ostringstream json;
  RenderResultsJson(BuildResultsView({}), json);
  EXPECT_EQ(json.str(), "[]\n");
  std::ostringstream csv;
  RenderResultsCsv(BuildResultsView({}), csv);
  EXPECT_THAT(csv.str(), StartsWith("mean_us,median_us,"));
}

TEST(ResultsViewTest, TableRightAlignsNumbersAndShowsMissingAsDash) {
  benchd::v1::Result first = MakeResult(7, "host-cpu", 8, 1234.5678);
  (*first.mutable_parameters()->mutable_values())["precision"].set_string_value("FP32");
  benchd::v1::Result second = MakeResult(12, "jetson-orin", 16, 5.0);
  std::ostringstream out;
  RenderResultsTable(BuildResultsView({first, second}), out);

  std::istringstream lines(out.str());
  std::string header, row1, row2;
  std::getline(lines, header);
  std::getline(lines, row1);
  std::getline(lines, row2);
  EXPECT_THAT(header, StartsWith("platform     batch  precision  mean_us"));
  EXPECT_THAT(row1, StartsWith("host-cpu         8  FP32        1234.6"));
  EXPECT_THAT(row2, StartsWith("jetson-orin     16  -             5.00"));
  // The run id column is right-aligned: the shorter id is padded on the left.
  EXPECT_THAT(row1, ::testing::EndsWith("   7"));
  EXPECT_THAT(row2, ::testing::EndsWith("  12"));
  EXPECT_EQ(header.size(), row1.size());
}

}  // namespace
}  // namespace benchd::cli
