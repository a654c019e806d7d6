#include "common/yaml_reader.h"

#include <gtest/gtest.h>

namespace benchd::common {
namespace {

TEST(YamlReaderTest, SyntaxErrorNamesLineAndColumn) {
  YamlContext ctx("bad.yaml");
  auto parsed = ctx.Parse("a: [1, 2\nb: 3\n");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(std::string(parsed.status().message()).starts_with("bad.yaml:")) << parsed.status();
  EXPECT_NE(parsed.status().message().find("invalid YAML"), std::string::npos);
}

TEST(YamlReaderTest, UnknownKeyIsReportedAtTheKey) {
  YamlContext ctx("c.yaml");
  auto root = ctx.Parse("run:\n  iterations: 3\n  iteratons: 4\n");
  ASSERT_TRUE(root.ok());
  absl::Status status = ctx.CheckMap((*root)["run"], "run", {"iterations", "warmup"});
  EXPECT_EQ(std::string(status.message()), "c.yaml:3:3: run.iteratons: unknown key 'iteratons' (expected one of: iterations, warmup)");
}

TEST(YamlReaderTest, TypedReadsRejectWrongTypes) {
  YamlContext ctx("t.yaml");
  auto root = ctx.Parse("n: many\nq: \"8\"\nr: 70000\nd: 5\n");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(std::string(ctx.ReadInt((*root)["n"], "n", 0, 10).status().message()), "t.yaml:1:4: n: expected an integer, got 'many'");
  // A quoted number is a string, not an integer.
  EXPECT_FALSE(ctx.ReadInt((*root)["q"], "q", 0, 10).ok());
  EXPECT_EQ(std::string(ctx.ReadInt((*root)["r"], "r", 0, 100).status().message()), "t.yaml:3:4: r: 70000 is out of range [0, 100]");
  EXPECT_EQ(std::string(ctx.ReadDuration((*root)["d"], "d").status().message()),
            "t.yaml:4:4: d: invalid duration '5' (expected e.g. 500ms, 5s, 10m, 1h30m)");
}

TEST(YamlReaderTest, ParamValuesAreTyped) {
  YamlContext ctx("p.yaml");
  auto root = ctx.Parse("[8, 12.5, FP32, true, \"-O0\", \"7\"]");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(ctx.ReadParamValue((*root)[0], "x")->int_value(), 8);
  EXPECT_EQ(ctx.ReadParamValue((*root)[1], "x")->double_value(), 12.5);
  EXPECT_EQ(ctx.ReadParamValue((*root)[2], "x")->string_value(), "FP32");
  EXPECT_TRUE(ctx.ReadParamValue((*root)[3], "x")->bool_value());
  EXPECT_EQ(ctx.ReadParamValue((*root)[4], "x")->string_value(), "-O0");
  EXPECT_EQ(ctx.ReadParamValue((*root)[5], "x")->string_value(), "7");
}

TEST(YamlReaderTest, InvalidUtf8IsRefusedWithItsPosition) {
  YamlContext ctx("u.yaml");
  auto parsed = ctx.Parse("name: u\nmatrix:\n e:\n - \xff\n");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(std::string(parsed.status().message()), "u.yaml:4:4: not valid UTF-8 (byte 0xff)");
  EXPECT_FALSE(ctx.Parse("a: \xc0\xaf\n").ok());          // overlong '/'
  EXPECT_FALSE(ctx.Parse("a: \xed\xa0\x80\n").ok());      // surrogate
  EXPECT_TRUE(ctx.Parse("a: \xc2\xb5s \xe2\x86\x92 \xf0\x9f\x98\x80\n").ok());  // µs → 😀
}

TEST(YamlReaderTest, LimitsBoundSizeDepthAndAliases) {
  YamlContext ctx("l.yaml");
  YamlLimits limits;
  limits.max_bytes = 10;
  EXPECT_FALSE(ctx.Parse("name: something long", limits).ok());

  std::string deep = "a: ";
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  auto parsed = ctx.Parse(deep);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("nesting deeper than 32 levels"), std::string::npos);

  std::string laughs = "a: &a [x, x]\n";
  for (int i = 0; i < 120; ++i) laughs += "b" + std::to_string(i) + ": [*a, *a]\n";
  EXPECT_NE(ctx.Parse(laughs).status().message().find("aliases"), std::string::npos);
}

}  // namespace
}  // namespace benchd::common
