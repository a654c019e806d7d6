// Tests for the human-facing formats: tables, CSV quoting, single values, and
// the exit-code mapping they feed.

#include <sstream>

#include "cli/commands/results.h"
#include "cli/exit_codes.h"
#include "cli/output/csv.h"
#include "cli/output/format.h"
#include "cli/output/table.h"
#include "gtest/gtest.h"

namespace benchd::cli {
namespace {

TEST(TableTest, AlignsTextLeftAndNumbersRight) {
  Table table({{"NAME"}, {"COUNT", Align::kRight}, {"STATE"}});
  table.AddRow({"resnet", "7", "running"});
  table.AddRow({"mobilenet-v2", "1234", "done"});
  std::ostringstream out;
  table.Render(out);
  EXPECT_EQ(out.str(),
            "NAME          COUNT  STATE\n"
            "resnet            7  running\n"
            "mobilenet-v2   1234  done\n");
}

TEST(TableTest, PadsShortRowsAndLeavesNoTrailingSpaces) {
  Table table({{"A"}, {"LONG HEADER"}});
  table.AddRow({"x"});
  std::ostringstream out;
  table.Render(out);
  EXPECT_EQ(out.str(), "A  LONG HEADER\nx\n");
}

TEST(TableTest, ControlCharactersInCellsCannotBreakTheLayout) {
  Table table({{"ERROR"}, {"N", Align::kRight}});
  table.AddRow({"line one\nline two", "1"});
  std::ostringstream out;
  table.Render(out);
  EXPECT_EQ(out.str(),
            "ERROR              N\n"
            "line one line two  1\n");
}

TEST(TableTest, WidthCountsCodePointsNotBytes) {
  EXPECT_EQ(DisplayWidth("µs"), 2u);
  Table table({{"UNIT"}, {"V", Align::kRight}});
  table.AddRow({"µs", "1"});
  table.AddRow({"ms", "2"});
  std::ostringstream out;
  table.Render(out);
  EXPECT_EQ(out.str(), "UNIT  V\nµs    1\nms    2\n");
}

TEST(TableTest, MinimumWidthsLetBatchesRenderedApartLineUp) {
  std::vector<Column> columns = {{"ID", Align::kRight, 4}, {"NAME", Align::kLeft, 6}, {"NOTE"}};
  Table first(columns);
  first.AddRow({"1", "a", "x"});
  Table later(columns);
  later.AddRow({"22", "bbb", "y"});
  std::ostringstream out;
  first.Render(out);
  later.RenderRows(out);
  EXPECT_EQ(out.str(),
            "  ID  NAME    NOTE\n"
            "   1  a       x\n"
            "  22  bbb     y\n");
}

TEST(CsvTest, LeavesPlainFieldsAlone) {
  EXPECT_EQ(CsvField("resnet50"), "resnet50");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("has space"), "has space");
}

TEST(CsvTest, QuotesCommasQuotesAndLineBreaks) {
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField("cr\rhere"), "\"cr\rhere\"");
}

TEST(CsvTest, WritesOneRecordPerLine) {
  std::ostringstream out;
  WriteCsvRecord(out, {"a", "b,c", ""});
  WriteCsvRecord(out, {"1"});
  EXPECT_EQ(out.str(), "a,\"b,c\",\n1\n");
}

TEST(FormatTest, DurationsUseTheTwoLargestUnits) {
  EXPECT_EQ(FormatDuration(250), "250ms");
  EXPECT_EQ(FormatDuration(10'000), "10s");
  EXPECT_EQ(FormatDuration(1'499), "1s");
  EXPECT_EQ(FormatDuration(80'000), "1m20s");
  EXPECT_EQ(FormatDuration(120'000), "2m");
  EXPECT_EQ(FormatDuration(3'900'000), "1h05m");
  EXPECT_EQ(FormatDuration(-5), "0ms");
}

TEST(FormatTest, MetricsGetPrecisionByMagnitude) {
  EXPECT_EQ(FormatMetric(1234.567), "1234.6");
  EXPECT_EQ(FormatMetric(12.3456), "12.35");
  EXPECT_EQ(FormatMetric(0.012345), "0.0123");
  EXPECT_EQ(FormatMetric(0.0), "0");
  EXPECT_EQ(FormatMetric(-2.5), "-2.50");
}

TEST(FormatTest, ExactKeepsEveryDigitAndNoMore) {
  EXPECT_EQ(FormatExact(0.1), "0.1");
  EXPECT_EQ(FormatExact(1234.5678), "1234.5678");
  EXPECT_EQ(FormatExact(3.0), "3");
}

TEST(FormatTest, TimestampsAreRfc3339InUtc) {
  google::protobuf::Timestamp timestamp;
  EXPECT_EQ(FormatTimestamp(timestamp), "-");
  timestamp.set_seconds(1'700'000'000);
  EXPECT_EQ(FormatTimestamp(timestamp), "2023-11-14T22:13:20Z");
}

TEST(FormatTest, ParametersAreSortedWithoutPlatform) {
  benchd::v1::Parameters parameters;
  (*parameters.mutable_values())["precision"].set_string_value("FP16");
  (*parameters.mutable_values())["batch"].set_int_value(8);
  (*parameters.mutable_values())["platform"].set_string_value("jetson-orin");
  (*parameters.mutable_values())["prune"].set_double_value(0.5);
  EXPECT_EQ(FormatParameters(parameters), "batch=8 precision=FP16 prune=0.5");
}

TEST(FormatTest, StatesAreLowerCaseWords) {
  EXPECT_EQ(FormatState(benchd::v1::EXPERIMENT_STATE_SUCCEEDED), "succeeded");
  EXPECT_EQ(FormatState(benchd::v1::EXPERIMENT_STATE_CANCELLED), "cancelled");
  EXPECT_EQ(FormatState(benchd::v1::EXPERIMENT_STATE_UNSPECIFIED), "unknown");
}

TEST(FormatTest, ShortenForCellKeepsTheFirstLineAndCutsAtCodePoints) {
  EXPECT_EQ(ShortenForCell("short", 10), "short");
  EXPECT_EQ(ShortenForCell("exactly10!", 10), "exactly10!");
  EXPECT_EQ(ShortenForCell("eleven char", 10), "eleven ...");
  EXPECT_EQ(ShortenForCell("first\nsecond", 20), "first...");
  EXPECT_EQ(ShortenForCell("first\n", 20), "first");
  // Seven code points but ten bytes: no cut, and a cut never splits "µ".
  EXPECT_EQ(ShortenForCell("12.5 µs", 7), "12.5 µs");
  EXPECT_EQ(ShortenForCell("µµµµµµµµ", 6), "µµµ...");
}

TEST(ExitCodeTest, MapsStatusCodesToDocumentedExitCodes) {
  EXPECT_EQ(ExitCodeForStatus(absl::OkStatus()), ExitCode::kOk);
  EXPECT_EQ(ExitCodeForStatus(absl::InvalidArgumentError("x")), ExitCode::kBadInput);
  EXPECT_EQ(ExitCodeForStatus(absl::UnavailableError("x")), ExitCode::kUnavailable);
  EXPECT_EQ(ExitCodeForStatus(absl::DeadlineExceededError("x")), ExitCode::kUnavailable);
  EXPECT_EQ(ExitCodeForStatus(absl::NotFoundError("x")), ExitCode::kNotFound);
  EXPECT_EQ(ExitCodeForStatus(absl::FailedPreconditionError("x")), ExitCode::kBadInput);
  EXPECT_EQ(ExitCodeForStatus(absl::InternalError("x")), ExitCode::kInternal);
  EXPECT_EQ(ExitCodeForStatus(absl::PermissionDeniedError("x")), ExitCode::kInternal);
  EXPECT_EQ(ToInt(ExitCode::kSweepFailed), 5);
}

TEST(ExitCodeTest, HelpFooterListsEveryCode) {
  for (const char* line : {"  0  ", "  1  ", "  2  ", "  3  ", "  4  ", "  5  "}) {
    EXPECT_NE(kExitCodeHelp.find(line), std::string_view::npos) << line;
  }
}

TEST(ResultsFormatTest, ParsesKnownNamesAndRejectsOthers) {
  EXPECT_EQ(*ParseResultsFormat("csv"), ResultsFormat::kCsv);
  EXPECT_EQ(*ParseResultsFormat("json"), ResultsFormat::kJson);
  EXPECT_EQ(*ParseResultsFormat("table"), ResultsFormat::kTable);
  EXPECT_EQ(ParseResultsFormat("xml").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace benchd::cli
