#include "common/sweep/where_expr.h"

#include <gtest/gtest.h>

namespace benchd::common {
namespace {

benchd::v1::Parameters Point() {
  benchd::v1::Parameters parameters;
  auto& values = *parameters.mutable_values();
  values["platform"].set_string_value("tx2");
  values["precision"].set_string_value("FP16");
  values["batch"].set_int_value(8);
  values["pruning"].set_double_value(12.5);
  values["cmsis_nn"].set_bool_value(true);
  return parameters;
}

bool Holds(const std::string& text) {
  auto expr = WhereExpr::Parse(text);
  EXPECT_TRUE(expr.ok()) << text << ": " << expr.status();
  if (!expr.ok()) return false;
  auto holds = (*expr)->Holds(Point());
  EXPECT_TRUE(holds.ok()) << text << ": " << holds.status();
  return holds.ok() && *holds;
}

TEST(WhereExprTest, ComparisonsAndLogic) {
  EXPECT_TRUE(Holds("platform == 'tx2'"));
  EXPECT_TRUE(Holds("platform != \"ncs2\""));
  EXPECT_TRUE(Holds("batch == 8.0"));
  EXPECT_TRUE(Holds("batch >= 8 and batch <= 8 and batch > 4 and batch < 16"));
  EXPECT_TRUE(Holds("pruning < 25"));
  EXPECT_TRUE(Holds("precision in ['FP16', 'FP32']"));
  EXPECT_TRUE(Holds("precision not in ['INT8']"));
  EXPECT_TRUE(Holds("not (platform == 'ncs2' or batch > 64)"));
  EXPECT_TRUE(Holds("power_mode == null"));
  EXPECT_FALSE(Holds("power_mode > 'a'"));
  EXPECT_TRUE(Holds("cmsis_nn"));
  EXPECT_TRUE(Holds("cmsis_nn == true and not false"));
  EXPECT_TRUE(Holds("platform == 'ncs2' or precision == 'FP16' and batch == 8"));  // and binds tighter
  EXPECT_TRUE(Holds("'FP16' < 'FP32'"));
}

TEST(WhereExprTest, SyntaxErrorsNameTheColumn) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c : {Case{"batch >", "column 8: unexpected end of expression"},
                        Case{"batch == 1 )", "column 12: unexpected ')'"},
                        Case{"(batch == 1", "column 12: expected ')'"},
                        Case{"precision in 'FP16'", "column 14: expected a list, e.g. ['FP16', 'FP32']"},
                        Case{"precision not 'x'", "column 11: expected 'in' after 'not'"},
                        Case{"batch == 'unterminated", "column 10: unterminated string"},
                        Case{"8", "column 2: expected a comparison (==, !=, <, <=, >, >=, in)"},
                        Case{"batch == and", "column 10: expected a value or parameter name, got 'and'"}}) {
    auto expr = WhereExpr::Parse(c.text);
    ASSERT_FALSE(expr.ok()) << c.text;
    EXPECT_EQ(std::string(expr.status().message()), c.message) << c.text;
  }
}

TEST(WhereExprTest, OrderingAStringAgainstANumberIsAnError) {
  auto expr = WhereExpr::Parse("precision > 3");
  ASSERT_TRUE(expr.ok());
  auto holds = (*expr)->Holds(Point());
  ASSERT_FALSE(holds.ok());
  EXPECT_EQ(std::string(holds.status().message()), "cannot order precision ('FP16') against 3 (3)");
}

TEST(WhereExprTest, DeepNestingIsRefused) {
  std::string text(200, '(');
  text += "batch == 1" + std::string(200, ')');
  EXPECT_FALSE(WhereExpr::Parse(text).ok());
}

}  // namespace
}  // namespace benchd::common
