#include "agents/sim/common/reference_data.h"

#include "gtest/gtest.h"

namespace benchd::sim {
namespace {

TEST(ReferenceDataTest, LoadsEveryQutibenchRow) {
  // 974 measurements; the quoted "1,234.82" fields must not shift columns.
  EXPECT_EQ(QutibenchRows().size(), 974u);
  for (const QutibenchRow& row : QutibenchRows()) {
    ASSERT_FALSE(row.hardware.empty());
    ASSERT_GE(row.batch, 1) << row.topology << " " << row.hardware;
  }
}

TEST(ReferenceDataTest, FindsPublishedMlpOnTx2) {
  std::optional<QutibenchRow> row = FindQutibench("TX2-maxn", "MLP", "FP16", "maxn", 1, 12.5);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->batch, 1);
  EXPECT_DOUBLE_EQ(row->pruning, 12.5);
  EXPECT_DOUBLE_EQ(*row->lat_comp_ms, 0.202777);
  EXPECT_DOUBLE_EQ(*row->lat_sys_ms, 0.43);
  EXPECT_DOUBLE_EQ(*row->fps_system, 2343.25);
  EXPECT_DOUBLE_EQ(*row->full_power_w, 8.873);
  EXPECT_FALSE(row->top5.has_value());
}

TEST(ReferenceDataTest, ParsesThousandsSeparatorInQuotedField) {
  std::optional<QutibenchRow> row = FindQutibench("TX2-maxq", "GoogLeNetv1", "FP16", "maxq", 128, 100);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->batch, 128);
  EXPECT_DOUBLE_EQ(*row->lat_sys_ms, 1234.82);
  EXPECT_DOUBLE_EQ(*row->lat_comp_ms, 681.072);
}

TEST(ReferenceDataTest, MatchesCaseInsensitivelyAndIgnoresEmptyOpMode) {
  std::optional<QutibenchRow> row = FindQutibench("ncs2", "mlp", "fp16", "", 4, 12.5);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->hardware, "NCS2");
  EXPECT_EQ(row->batch, 4);
  EXPECT_DOUBLE_EQ(*row->lat_comp_ms, 2.67093);
}

TEST(ReferenceDataTest, PicksNearestBatchOnLogScale) {
  // Published batches are 1, 2, 4, ..., 128: 3 is nearer to 4, 5 to 4,
  // 1000 to 128.
  EXPECT_EQ(FindQutibench("NCS2", "ResNet-50", "FP16", "", 3, 100)->batch, 4);
  EXPECT_EQ(FindQutibench("NCS2", "ResNet-50", "FP16", "", 5, 100)->batch, 4);
  EXPECT_EQ(FindQutibench("NCS2", "ResNet-50", "FP16", "", 7, 100)->batch, 8);
  EXPECT_EQ(FindQutibench("NCS2", "ResNet-50", "FP16", "", 1000, 100)->batch, 128);
  EXPECT_DOUBLE_EQ(*FindQutibench("NCS2", "ResNet-50", "FP16", "", 1, 100)->lat_comp_ms, 56.3189);
}

TEST(ReferenceDataTest, PicksNearestPruningBeforeBatch) {
  std::optional<QutibenchRow> row = FindQutibench("TX2-maxn", "MLP", "FP16", "maxn", 1, 20);
  ASSERT_TRUE(row.has_value());
  EXPECT_DOUBLE_EQ(row->pruning, 25);
  EXPECT_DOUBLE_EQ(*row->lat_comp_ms, 0.205719);
}

TEST(ReferenceDataTest, OpModeMustMatchWhenGiven) {
  EXPECT_FALSE(FindQutibench("TX2-maxn", "MLP", "FP16", "maxq", 1, 12.5).has_value());
  EXPECT_FALSE(FindQutibench("TX2-maxn", "MLP", "INT8", "", 1, 12.5).has_value());
  EXPECT_FALSE(FindQutibench("NoSuchBoard", "MLP", "FP16", "", 1, 100).has_value());
}

TEST(ReferenceDataTest, FindsMcuRowsAndLacksResNet20FloatOnL496) {
  EXPECT_EQ(McuRows().size(), 17u);
  std::optional<McuRow> lenet = FindMcu("LeNet-MNIST", "NUCLEO-F767ZI", "int8", true);
  ASSERT_TRUE(lenet.has_value());
  EXPECT_DOUBLE_EQ(lenet->latency_mean_ms, 8.0455337);
  EXPECT_EQ(lenet->optimization, "-Ofast");
  EXPECT_TRUE(lenet->fpu);
  EXPECT_DOUBLE_EQ(FindMcu("LeNet-MNIST", "NUCLEO-F767ZI", "int8", false)->latency_mean_ms, 17.8879866);
  EXPECT_FALSE(FindMcu("ResNet20-CIFAR-10", "NUCLEO-L496ZG", "float32", true).has_value());
  EXPECT_TRUE(FindMcu("ResNet20-CIFAR-10", "NUCLEO-L496ZG", "int8", true).has_value());
}

TEST(ReferenceDataTest, EdgeTpuTraceIsVoltsTimesAmps) {
  // goo_volt has no clock prefix in the files; fast_goo_amp does.
  std::optional<EdgeTpuTrace> fast = EdgeTpuPower("fast", "goo");
  ASSERT_TRUE(fast.has_value());
  ASSERT_EQ(fast->watts.size(), 33u);
  EXPECT_DOUBLE_EQ(fast->watts.front(), 5.03 * 0.265);
  EXPECT_DOUBLE_EQ(fast->idle_w, 0.80454);

  std::optional<EdgeTpuTrace> slow = EdgeTpuPower("slow", "r15");
  ASSERT_TRUE(slow.has_value());
  EXPECT_EQ(slow->watts.size(), 584u);
  EXPECT_DOUBLE_EQ(slow->watts.front(), 5.06 * 0.193);

  EXPECT_EQ(EdgeTpuPower("fast", "mob")->watts.size(), 26u);
  EXPECT_FALSE(EdgeTpuPower("medium", "goo").has_value());
  EXPECT_FALSE(EdgeTpuPower("fast", "resnet").has_value());
}

}  // namespace
}  // namespace benchd::sim
