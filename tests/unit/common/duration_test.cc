#include "common/duration.h"

#include <gtest/gtest.h>

namespace benchd::common {
namespace {

using std::chrono::milliseconds;

TEST(DurationTest, ParsesUnitsAndCompounds) {
  EXPECT_EQ(*ParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(*ParseDuration("5s"), milliseconds(5000));
  EXPECT_EQ(*ParseDuration("10m"), milliseconds(600000));
  EXPECT_EQ(*ParseDuration("1h"), milliseconds(3600000));
  EXPECT_EQ(*ParseDuration("1m30s"), milliseconds(90000));
}

TEST(DurationTest, RejectsBareNumbersAndUnknownUnits) {
  for (const char* text : {"", "5", "5 s", "5sec", "s", "-5s", "1.5s", "99999999999s"}) {
    auto parsed = ParseDuration(text);
    EXPECT_FALSE(parsed.ok()) << text;
  }
  EXPECT_EQ(std::string(ParseDuration("5").status().message()), "invalid duration '5' (expected e.g. 500ms, 5s, 10m, 1h30m)");
}

}  // namespace
}  // namespace benchd::common
