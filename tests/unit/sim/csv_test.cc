#include "agents/sim/common/csv.h"

#include "gtest/gtest.h"

namespace benchd::sim {
namespace {

TEST(CsvTest, SplitsRecordsAndFields) {
  std::optional<std::vector<CsvRecord>> records = ParseCsv("a,b,c\r\n1,,3\n\nlast,x");
  ASSERT_TRUE(records.has_value());
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ((*records)[0], (CsvRecord{"a", "b", "c"}));
  EXPECT_EQ((*records)[1], (CsvRecord{"1", "", "3"}));
  EXPECT_EQ((*records)[2], (CsvRecord{"last", "x"}));
}

TEST(CsvTest, QuotedFieldsKeepCommasQuotesAndLineBreaks) {
  std::optional<std::vector<CsvRecord>> records =
      ParseCsv("x,\"1,234.82\",\"say \"\"hi\"\"\",\"two\nlines\",\"\"\n");
  ASSERT_TRUE(records.has_value());
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0], (CsvRecord{"x", "1,234.82", "say \"hi\"", "two\nlines", ""}));
}

TEST(CsvTest, TrailingEmptyFieldCounts) {
  std::optional<std::vector<CsvRecord>> records = ParseCsv("a,\n,\n");
  ASSERT_TRUE(records.has_value());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0], (CsvRecord{"a", ""}));
  EXPECT_EQ((*records)[1], (CsvRecord{"", ""}));
}

TEST(CsvTest, RejectsUnterminatedQuoteWithLine) {
  std::string error;
  EXPECT_FALSE(ParseCsv("a,b\nc,\"open\n", &error).has_value());
  EXPECT_EQ(error, "line 2: unterminated quoted field");
  EXPECT_FALSE(ParseCsv("\"a\"b,c", &error).has_value());
  EXPECT_EQ(error, "line 1: text after a closing quote");
}

TEST(CsvTest, ParsesQutibenchNumbers) {
  EXPECT_DOUBLE_EQ(*ParseCsvNumber("1,234.82"), 1234.82);
  EXPECT_DOUBLE_EQ(*ParseCsvNumber(" 0.202777 "), 0.202777);
  EXPECT_DOUBLE_EQ(*ParseCsvNumber("1.83E+11"), 1.83e11);
  EXPECT_FALSE(ParseCsvNumber("").has_value());
  EXPECT_FALSE(ParseCsvNumber("na").has_value());
  EXPECT_FALSE(ParseCsvNumber("12ms").has_value());
}

}  // namespace
}  // namespace benchd::sim
