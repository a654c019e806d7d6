#include "agents/parsers/text_scan.h"

#include "gtest/gtest.h"

namespace benchd::agent {
namespace {

TEST(TextScanTest, SplitLinesNumbersLinesAndStripsLineBreaks) {
  const std::vector<TextLine> lines = SplitLines("a\r\nbb\n\nlast");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].number, 1);
  EXPECT_EQ(lines[0].text, "a");
  EXPECT_EQ(lines[1].text, "bb");
  EXPECT_EQ(lines[2].text, "");
  EXPECT_EQ(lines[3].number, 4);
  EXPECT_EQ(lines[3].text, "last");
  EXPECT_TRUE(SplitLines("").empty());
  EXPECT_EQ(SplitLines("one\n").size(), 1u);
}

TEST(TextScanTest, SplitWhitespaceAndTrim) {
  EXPECT_EQ(SplitWhitespace("  a \t b  c "), (std::vector<std::string_view>{"a", "b", "c"}));
  EXPECT_TRUE(SplitWhitespace(" \t ").empty());
  EXPECT_EQ(Trim(" \t x y \r"), "x y");
}

TEST(TextScanTest, ConsumePrefixOnlyOnMatch) {
  std::string_view text = "[I] mean = 1.5 ms";
  EXPECT_FALSE(ConsumePrefix(&text, "[W]"));
  EXPECT_TRUE(ConsumePrefix(&text, "[I] "));
  EXPECT_EQ(text, "mean = 1.5 ms");
}

TEST(TextScanTest, ParsesKeyValueLine) {
  absl::StatusOr<KeyValueLine> line = ParseKeyValueLine("sample i=3 latency_us=12.5 impl=a:b=c");
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(line->keyword, "sample");
  EXPECT_EQ(*line->GetInt64("i"), 3);
  EXPECT_DOUBLE_EQ(*line->GetDouble("latency_us"), 12.5);
  EXPECT_EQ(*line->GetString("impl"), "a:b=c");  // split at the first '=' only
  EXPECT_EQ(line->Find("missing"), nullptr);
  EXPECT_EQ(line->GetInt64("missing").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(line->GetInt64("latency_us").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TextScanTest, RejectsMalformedKeyValueLines) {
  EXPECT_FALSE(ParseKeyValueLine("").ok());
  EXPECT_FALSE(ParseKeyValueLine("sample i=1 oops").ok());
  EXPECT_FALSE(ParseKeyValueLine("sample =1").ok());
  EXPECT_FALSE(ParseKeyValueLine("sample i=1 i=2").ok());
  EXPECT_TRUE(ParseKeyValueLine("keyword-only").ok());
}

TEST(TextScanTest, NumberParsingIsStrict) {
  EXPECT_EQ(*ParseInt64("-42"), -42);
  EXPECT_EQ(*ParseUint64("18446744073709551615"), 18446744073709551615ULL);
  EXPECT_DOUBLE_EQ(*ParseDouble("1.25e3"), 1250.0);
  EXPECT_DOUBLE_EQ(*ParseDouble("-0.5"), -0.5);
  for (const char* bad : {"", "12x", " 12", "12 ", "+1", "1.5", "0x10", "99999999999999999999"}) {
    EXPECT_FALSE(ParseInt64(bad).ok()) << bad;
  }
  EXPECT_FALSE(ParseUint64("-1").ok());
  for (const char* bad : {"", "1.2.3", "nan", "inf", "1e999", "12ms", "1,5"}) {
    EXPECT_FALSE(ParseDouble(bad).ok()) << bad;
  }
  EXPECT_EQ(ParseDouble("abc").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TextScanTest, TailLinesCutsAtLineStart) {
  EXPECT_EQ(TailLines("short", 100), "short");
  const std::string_view text = "first line\nsecond\nthird\n";
  EXPECT_EQ(TailLines(text, 15), "second\nthird\n");  // drops the partial "e\n"
  EXPECT_EQ(TailLines(text, 13), "second\nthird\n");  // window starts at a line
  EXPECT_EQ(TailLines(text, 5), "hird\n");            // no line start inside
}

}  // namespace
}  // namespace benchd::agent
