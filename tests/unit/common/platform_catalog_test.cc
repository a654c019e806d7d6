#include "common/platform_catalog.h"

#include <gtest/gtest.h>

namespace benchd::common {
namespace {

TEST(PlatformCatalogTest, BuiltinCatalogHasTheSeedPlatforms) {
  auto catalog = PlatformCatalog::Builtin();
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  for (const char* name : {"host-cpu", "tx2", "zcu104-finn", "zcu104-bismo", "zcu102-dpu", "ncs2", "edgetpu",
                           "nucleo-l496zg", "disco-f469ni", "nucleo-f767zi"}) {
    EXPECT_NE(catalog->Find(name), nullptr) << name;
  }
  const PlatformSpec* tx2 = catalog->Find("tx2");
  ASSERT_NE(tx2, nullptr);
  EXPECT_EQ(tx2->reconfigure, std::vector<std::string>{"power_mode"});
}

TEST(PlatformCatalogTest, DomainsCheckValuesAndRanges) {
  auto catalog = PlatformCatalog::Builtin();
  ASSERT_TRUE(catalog.ok());
  const PlatformSpec* host = catalog->Find("host-cpu");
  benchd::v1::ParamValue value;
  value.set_string_value("FP32");
  EXPECT_EQ(host->params.at("precision").Check(value), "");
  value.set_string_value("INT4");
  EXPECT_EQ(host->params.at("precision").Check(value), "accepted: FP32, INT8");
  value.set_int_value(0);
  EXPECT_EQ(host->params.at("threads").Check(value), "minimum is 1");
}

TEST(PlatformCatalogTest, ConfigKeyHoldsOnlyReconfigurationParametersSorted) {
  auto catalog = PlatformCatalog::Builtin();
  ASSERT_TRUE(catalog.ok());
  benchd::v1::Parameters parameters;
  auto& values = *parameters.mutable_values();
  values["model"].set_string_value("LeNet-MNIST");
  values["dtype"].set_string_value("int8");
  values["cmsis_nn"].set_bool_value(true);
  values["opt"].set_string_value("-Ofast");
  values["fpu"].set_bool_value(true);
  values["batch"].set_int_value(1);
  EXPECT_EQ(catalog->Find("nucleo-f767zi")->ConfigKey(parameters),
            "cmsis_nn=true;dtype=int8;fpu=true;model=LeNet-MNIST;opt=-Ofast");
  EXPECT_EQ(catalog->Find("host-cpu")->ConfigKey(parameters), "");
}

TEST(PlatformCatalogTest, MalformedCatalogIsRejectedWithLocation) {
  auto catalog = PlatformCatalog::FromYaml("platforms:\n  x:\n    params: {a: {type: float}}\n", "cat.yaml");
  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(std::string(catalog.status().message()), "cat.yaml:3:24: platforms.x.params.a.type: only 'int' ranges are supported");
}

}  // namespace
}  // namespace benchd::common
