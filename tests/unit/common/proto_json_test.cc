#include "common/proto_json.h"

#include <gtest/gtest.h>

namespace benchd::common {
namespace {

TEST(ProtoJsonTest, ParametersRoundTripKeepsTypes) {
  benchd::v1::Parameters parameters;
  auto& values = *parameters.mutable_values();
  values["batch"].set_int_value(8);
  values["pruning"].set_double_value(12.5);
  values["whole"].set_double_value(100.0);
  values["precision"].set_string_value("FP32");
  values["cmsis_nn"].set_bool_value(true);

  const std::string text = ParametersToJson(parameters).dump();
  auto back = ParametersFromJson(nlohmann::json::parse(text));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->values().at("batch").int_value(), 8);
  EXPECT_EQ(back->values().at("pruning").double_value(), 12.5);
  EXPECT_TRUE(back->values().at("whole").has_double_value()) << text;
  EXPECT_EQ(back->values().at("precision").string_value(), "FP32");
  EXPECT_TRUE(back->values().at("cmsis_nn").bool_value());
}

TEST(ProtoJsonTest, RejectsNestedValues) {
  auto parsed = ParametersFromJson(nlohmann::json::parse(R"({"a": [1, 2]})"));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(std::string(parsed.status().message()), "parameter 'a': expected a scalar, got array");
  EXPECT_FALSE(ParametersFromJson(nlohmann::json::parse("[1]")).ok());
}

TEST(ProtoJsonTest, ParamValueToStringIsWhatUsersWrote) {
  benchd::v1::ParamValue value;
  value.set_double_value(12.5);
  EXPECT_EQ(ParamValueToString(value), "12.5");
  value.set_int_value(64);
  EXPECT_EQ(ParamValueToString(value), "64");
  value.set_bool_value(false);
  EXPECT_EQ(ParamValueToString(value), "false");
}

}  // namespace
}  // namespace benchd::common
