// Every example sweep in configs/sweeps is valid under the built-in catalog,
// and plans to exactly the number of points its study calls for. The counts
// below are worked out by hand from the studies (the reference data's
// experimental_data.csv and mcu_tflm README), not from the files, so a
// changed file or a changed expander that alters a count fails here.

#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "cli/commands/plan.h"
#include "cli/commands/submit.h"
#include "common/platform_catalog.h"
#include "common/proto_json.h"
#include "common/sweep/sweep_expander.h"
#include "common/sweep/sweep_parser.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace benchd {
namespace {

struct ExpectedPlan {
  int64_t total;
  std::map<std::string, int64_t> per_platform;
};

// clang-format off
const std::map<std::string, ExpectedPlan>& Expected() {
  static const std::map<std::string, ExpectedPlan> expected{
      // 2 precisions x 4 pruning x 3 batch sizes.
      {"quickstart.yaml", {24, {{"host-cpu", 2 * 4 * 3}}}},
      // MLP, pruning 100/50/25/12.5 (4):
      //   zcu104-finn:  INT2 4 x 10 batches (1..512) + INT4 3 prunings x 10 = 40 + 30 = 70
      //   zcu104-bismo: INT2, INT4 x 4 x 7 batches (2..128)                = 56
      //   tx2:          FP16, FP32 x 3 power modes x 4 x 8 batches (1..128) = 192
      //   ncs2:         FP16 x 4 x 8                                        = 32
      //   u96-a53:      INT2, INT4 x 4 x 7 (2..128)                         = 56
      //   host-cpu:     FP32, INT8 x 4 x 8 (1..128)                         = 64
      //   70 + 56 + 192 + 32 + 56 + 64 = 470
      {"qutibench-mnist.yaml",
       {470,
        {{"zcu104-finn", 4 * 10 + 3 * 10},
         {"zcu104-bismo", 2 * 4 * 7},
         {"tx2", 2 * 3 * 4 * 8},
         {"ncs2", 4 * 8},
         {"u96-a53", 2 * 4 * 7},
         {"host-cpu", 2 * 4 * 8}}}},
      // CNV, pruning 100/50/25/12.5:
      //   zcu104-finn:  INT2 4 x 10 (1..512) + INT4 4 x 11 (1..512, 10000)  = 40 + 44 = 84
      //   zcu104-bismo: INT2 3 prunings (50/25/12.5) x 7 (2..128)
      //                 + INT4 2 prunings (25/12.5) x 7                     = 21 + 14 = 35
      //   tx2:          FP16, FP32 x 3 modes x 4 x 8                        = 192
      //   ncs2:         FP16 x 4 x 8                                        = 32
      //   u96-a53:      as BISMO                                            = 35
      //   84 + 35 + 192 + 32 + 35 = 378
      {"qutibench-cifar10-cnv.yaml",
       {378,
        {{"zcu104-finn", 4 * 10 + 4 * 11},
         {"zcu104-bismo", 3 * 7 + 2 * 7},
         {"tx2", 2 * 3 * 4 * 8},
         {"ncs2", 4 * 8},
         {"u96-a53", 3 * 7 + 2 * 7}}}},
      // ImageNet, INT8 on DPUs and Edge TPU:
      //   zcu102-dpu:  GoogLeNetv1, ResNet-50 x 8 threads                      = 16
      //   zcu104-dpu:  ResNet-50, MobileNetv1 x 8 threads                      = 16
      //   ultra96-dpu: GoogLeNetv1 x 8 + ResNet-50 x 4 prunings x 8            = 8 + 32 = 40
      //   edgetpu:     6 models (EfficientNet-S/M/L, MobileNetv1, GoogLeNetv1,
      //                ResNet-50v15) x 2 clocks, batch 1                       = 12
      //   tx2:         GoogLeNetv1, ResNet-50 x FP16, FP32 x 3 modes x 8 batches = 96
      //   ncs2:        ResNet-50 FP16 x 8 batches                              = 8
      //   16 + 16 + 40 + 12 + 96 + 8 = 188
      {"qutibench-imagenet.yaml",
       {188,
        {{"zcu102-dpu", 2 * 8},
         {"zcu104-dpu", 2 * 8},
         {"ultra96-dpu", 8 + 4 * 8},
         {"edgetpu", 6 * 2},
         {"tx2", 2 * 2 * 3 * 8},
         {"ncs2", 8}}}},
      // The simulated lab, a few points per seed platform:
      //   host-cpu:      MLP FP32, INT8                                = 2
      //   tx2:           MLP FP16 x power modes maxn, maxq             = 2
      //   ncs2:          MLP FP16                                      = 1
      //   zcu104-finn:   MLP INT2, INT4                                = 2
      //   zcu104-bismo:  MLP INT2, INT4                                = 2
      //   zcu102-dpu:    GoogLeNetv1, ResNet-50                        = 2
      //   zcu104-dpu:    ResNet-50, MobileNetv1                        = 2
      //   ultra96-dpu:   GoogLeNetv1, ResNet-50                        = 2
      //   edgetpu:       MobileNetv1, EfficientNet-S x clocks fast, slow = 4
      //   each MCU:      LeNet-MNIST int8, float32                     = 2
      //   2 + 2 + 1 + 2 + 2 + 2 + 2 + 2 + 4 + 3 x 2 = 25
      {"simlab.yaml",
       {25,
        {{"host-cpu", 2},
         {"tx2", 2},
         {"ncs2", 1},
         {"zcu104-finn", 2},
         {"zcu104-bismo", 2},
         {"zcu102-dpu", 2},
         {"zcu104-dpu", 2},
         {"ultra96-dpu", 2},
         {"edgetpu", 2 * 2},
         {"nucleo-l496zg", 2},
         {"disco-f469ni", 2},
         {"nucleo-f767zi", 2}}}},
      // Per board: 2 models x 2 dtypes x 2 CMSIS-NN x 3 opt levels x 2 FPU = 48.
      {"mcu-tflm.yaml",
       {144,
        {{"nucleo-l496zg", 2 * 2 * 2 * 3 * 2},
         {"disco-f469ni", 2 * 2 * 2 * 3 * 2},
         {"nucleo-f767zi", 2 * 2 * 2 * 3 * 2}}}},
  };
  return expected;
}
// clang-format on

std::string SweepsDir() { return std::string(BENCHD_SOURCE_DIR) + "/configs/sweeps"; }

std::string ReadExample(const std::string& name) {
  absl::StatusOr<std::string> text = cli::ReadSweepFile(SweepsDir() + "/" + name);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

common::Expansion ExpandExample(const std::string& name) {
  absl::StatusOr<common::PlatformCatalog> catalog = common::PlatformCatalog::Builtin();
  EXPECT_TRUE(catalog.ok()) << catalog.status();
  absl::StatusOr<common::SweepSpec> spec = common::ParseSweep(ReadExample(name), name);
  EXPECT_TRUE(spec.ok()) << spec.status();
  if (!spec.ok() || !catalog.ok()) return {};
  absl::StatusOr<common::Expansion> expansion = common::ExpandSweep(*spec, *catalog);
  EXPECT_TRUE(expansion.ok()) << expansion.status();
  return expansion.ok() ? *std::move(expansion) : common::Expansion{};
}

TEST(ExampleSweepsTest, EveryFileHasAnExpectedCountAndEveryCountAFile) {
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(SweepsDir())) {
    if (entry.path().extension() == ".yaml") files.insert(entry.path().filename().string());
  }
  std::set<std::string> expected;
  for (const auto& [name, plan] : Expected()) expected.insert(name);
  EXPECT_EQ(files, expected) << "add the new sweep's independent count to Expected()";
}

class ExampleSweepTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ExampleSweepTest, ExpandsToTheStudysPointsPerPlatform) {
  const ExpectedPlan& expected = Expected().at(GetParam());
  int64_t sum = 0;
  for (const auto& [platform, points] : expected.per_platform) sum += points;
  ASSERT_EQ(sum, expected.total) << "the per-platform counts do not add up";

  const common::Expansion expansion = ExpandExample(GetParam());
  EXPECT_TRUE(expansion.dropped.empty());
  EXPECT_EQ(static_cast<int64_t>(expansion.points.size()), expected.total);
  std::map<std::string, int64_t> per_platform;
  for (const common::SweepPoint& point : expansion.points) ++per_platform[point.platform];
  EXPECT_EQ(per_platform, expected.per_platform);
}

// The same numbers through `benchctl plan --output json`, without history.
TEST_P(ExampleSweepTest, PlanReportsTheSameCounts) {
  const ExpectedPlan& expected = Expected().at(GetParam());
  std::unique_ptr<cli::CoordinatorClient> client =
      cli::CoordinatorClient::Connect({"127.0.0.1:1", std::chrono::milliseconds(100)});
  std::ostringstream out;
  std::ostringstream err;
  cli::PlanOptions options;
  options.file = SweepsDir() + "/" + GetParam();
  options.format = cli::PlanFormat::kJson;
  options.use_history = false;
  ASSERT_TRUE(cli::RunPlan({*client, out, err, false}, options).ok());
  const nlohmann::json plan = nlohmann::json::parse(out.str());
  EXPECT_EQ(plan["total_points"].get<int64_t>(), expected.total);
  std::map<std::string, int64_t> per_platform;
  for (const auto& platform : plan["platforms"]) {
    per_platform[platform["platform"].get<std::string>()] = platform["points"].get<int64_t>();
  }
  EXPECT_EQ(per_platform, expected.per_platform);
  EXPECT_GT(plan["device_time_ms"].get<int64_t>(), 0);
}

// PlanSweep asks for JSON parameters, which takes the expander's fast matrix
// path where it applies: the points must equal the reference path's.
TEST_P(ExampleSweepTest, JsonParametersMatchTheReferenceExpansion) {
  absl::StatusOr<common::PlatformCatalog> catalog = common::PlatformCatalog::Builtin();
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  absl::StatusOr<common::SweepSpec> spec = common::ParseSweep(ReadExample(GetParam()), GetParam());
  ASSERT_TRUE(spec.ok()) << spec.status();
  const common::Expansion reference = ExpandExample(GetParam());
  common::ExpandOptions options;
  options.json_parameters = true;
  absl::StatusOr<common::Expansion> json = common::ExpandSweep(*spec, *catalog, options);
  ASSERT_TRUE(json.ok()) << json.status();
  ASSERT_EQ(json->points.size(), reference.points.size());
  for (size_t i = 0; i < reference.points.size(); ++i) {
    const common::SweepPoint& fast = json->points[i];
    const common::SweepPoint& slow = reference.points[i];
    EXPECT_EQ(fast.platform, slow.platform);
    EXPECT_EQ(fast.point_key, slow.point_key);
    EXPECT_EQ(fast.config_key, slow.config_key);
    const nlohmann::json expected = common::ParametersToJson(slow.parameters);
    const nlohmann::json actual = fast.parameters_json.empty() ? common::ParametersToJson(fast.parameters)
                                                               : nlohmann::json::parse(fast.parameters_json);
    EXPECT_EQ(actual, expected) << "point " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(ConfigsSweeps, ExampleSweepTest,
                         ::testing::Values("quickstart.yaml", "qutibench-mnist.yaml",
                                           "qutibench-cifar10-cnv.yaml", "qutibench-imagenet.yaml",
                                           "mcu-tflm.yaml", "simlab.yaml"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param.substr(0, info.param.find('.'));
                           for (char& c : name)
                             c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

// Device modes belong to the platforms that have them: a power mode on every
// Jetson point and nowhere else, a clock on every Edge TPU point and nowhere
// else, threads exactly on the DPU boards.
TEST(ExampleSweepsTest, DeviceModesAppearOnlyWhereThePlatformHasThem) {
  const std::set<std::string> dpus = {"zcu102-dpu", "zcu104-dpu", "ultra96-dpu"};
  for (const char* name :
       {"qutibench-mnist.yaml", "qutibench-cifar10-cnv.yaml", "qutibench-imagenet.yaml"}) {
    for (const common::SweepPoint& point : ExpandExample(name).points) {
      SCOPED_TRACE(std::string(name) + " " + common::ParametersToJson(point.parameters).dump());
      const auto has = [&](const char* key) {
        return common::FindParam(point.parameters, key) != nullptr;
      };
      EXPECT_EQ(has("power_mode"), point.platform == "tx2");
      EXPECT_EQ(has("clock"), point.platform == "edgetpu");
      EXPECT_EQ(has("threads"), dpus.count(point.platform) > 0);
      EXPECT_NE(has("batch"), has("threads"));
      EXPECT_TRUE(has("topology"));
      EXPECT_TRUE(has("pruning"));
    }
  }
}

// Each Jetson power mode is its own reconfiguration group; every MCU point is
// its own firmware.
TEST(ExampleSweepsTest, ReconfigurationGroupsFollowTheCatalog) {
  std::map<std::string, int64_t> tx2_groups;
  for (const common::SweepPoint& point : ExpandExample("qutibench-mnist.yaml").points) {
    if (point.platform == "tx2") ++tx2_groups[point.config_key];
  }
  EXPECT_EQ(tx2_groups,
            (std::map<std::string, int64_t>{
                {"power_mode=maxn", 64}, {"power_mode=maxp", 64}, {"power_mode=maxq", 64}}));

  std::map<std::string, std::set<std::string>> mcu_groups;
  for (const common::SweepPoint& point : ExpandExample("mcu-tflm.yaml").points) {
    EXPECT_TRUE(mcu_groups[point.platform].insert(point.config_key).second)
        << "two points share firmware " << point.config_key;
  }
  for (const auto& [platform, groups] : mcu_groups) EXPECT_EQ(groups.size(), 48u) << platform;
}

}  // namespace
}  // namespace benchd
