// The device-time model of `benchctl plan`: items per iteration, the
// reference table, history lookups and the per-point formula.

#include "cli/commands/plan_estimate.h"

#include "gtest/gtest.h"

namespace benchd::cli {
namespace {

benchd::v1::Parameters Params(
    std::initializer_list<std::pair<const char*, benchd::v1::ParamValue>> values) {
  benchd::v1::Parameters parameters;
  for (const auto& [name, value] : values) (*parameters.mutable_values())[name] = value;
  return parameters;
}

benchd::v1::ParamValue Int(int64_t value) {
  benchd::v1::ParamValue param;
  param.set_int_value(value);
  return param;
}

benchd::v1::ParamValue Str(const std::string& value) {
  benchd::v1::ParamValue param;
  param.set_string_value(value);
  return param;
}

benchd::v1::ParamValue Num(double value) {
  benchd::v1::ParamValue param;
  param.set_double_value(value);
  return param;
}

TEST(PlanEstimateTest, ItemsComeFromBatchThenThreadsThenOne) {
  EXPECT_EQ(ItemsPerIteration(Params({{"batch", Int(64)}, {"threads", Int(4)}})), 64);
  EXPECT_EQ(ItemsPerIteration(Params({{"threads", Int(4)}})), 4);
  EXPECT_EQ(ItemsPerIteration(Params({{"batch", Num(8.0)}})), 8);
  EXPECT_EQ(ItemsPerIteration(Params({{"batch", Str("eight")}})), 1);
  EXPECT_EQ(ItemsPerIteration(Params({{"batch", Int(0)}})), 1);
  EXPECT_EQ(ItemsPerIteration(Params({})), 1);
}

TEST(PlanEstimateTest, TopologyOrModelNamesTheNetwork) {
  EXPECT_EQ(TopologyOf(Params({{"topology", Str("MLP")}, {"model", Str("x")}})), "MLP");
  EXPECT_EQ(TopologyOf(Params({{"model", Str("LeNet-MNIST")}})), "LeNet-MNIST");
  EXPECT_EQ(TopologyOf(Params({})), "");
}

TEST(PlanEstimateTest, ReferenceTableScalesWithItemsAboveItsFloor) {
  // TX2 MLP: 1.25 ms at batch 1, 0.1913 ms per item at large batches.
  IterationEstimate one =
      EstimateIteration("tx2", Params({{"topology", Str("MLP")}, {"batch", Int(1)}}), nullptr);
  EXPECT_EQ(one.source, EstimateSource::kQutibench);
  EXPECT_DOUBLE_EQ(one.milliseconds, 1.25);
  IterationEstimate many =
      EstimateIteration("tx2", Params({{"topology", Str("MLP")}, {"batch", Int(64)}}), nullptr);
  EXPECT_DOUBLE_EQ(many.milliseconds, 64 * 0.1913);
  // DPU threads: ZCU102 ResNet-50 at 8 threads, 8 x 5.951 ms.
  IterationEstimate dpu = EstimateIteration(
      "zcu102-dpu", Params({{"topology", Str("ResNet-50")}, {"threads", Int(8)}}), nullptr);
  EXPECT_DOUBLE_EQ(dpu.milliseconds, 8 * 5.951);
  IterationEstimate mcu =
      EstimateIteration("nucleo-f767zi", Params({{"model", Str("ResNet20-CIFAR-10")}}), nullptr);
  EXPECT_EQ(mcu.source, EstimateSource::kMcuTflm);
  EXPECT_DOUBLE_EQ(mcu.milliseconds, 1613.40);
  IterationEstimate unknown =
      EstimateIteration("host-cpu", Params({{"topology", Str("MLP")}}), nullptr);
  EXPECT_EQ(unknown.source, EstimateSource::kDefault);
  EXPECT_DOUBLE_EQ(unknown.milliseconds, kDefaultIterationMs);
}

TEST(PlanEstimateTest, HistoryUsesTheExactSizeElseScalesFromTheNearest) {
  LatencyHistory history;
  history.Add("tx2", "MLP", 8, 2000);
  history.Add("tx2", "MLP", 8, 4000);
  history.Add("tx2", "MLP", 128, 100'000);
  history.Add("tx2", "MLP", 1, 0);  // no latency: ignored
  EXPECT_EQ(history.runs(), 3);
  EXPECT_DOUBLE_EQ(*history.LookupMs("tx2", "MLP", 8), 3.0);
  // 16 is nearer to 8 than to 128 by ratio: 3 ms x 16 / 8.
  EXPECT_DOUBLE_EQ(*history.LookupMs("tx2", "MLP", 16), 6.0);
  // 64 is nearer to 128: 100 ms x 64 / 128.
  EXPECT_DOUBLE_EQ(*history.LookupMs("tx2", "MLP", 64), 50.0);
  EXPECT_FALSE(history.LookupMs("tx2", "CNV", 8).has_value());
  EXPECT_FALSE(history.LookupMs("ncs2", "MLP", 8).has_value());

  IterationEstimate estimate =
      EstimateIteration("tx2", Params({{"topology", Str("MLP")}, {"batch", Int(8)}}), &history);
  EXPECT_EQ(estimate.source, EstimateSource::kHistory);
  EXPECT_DOUBLE_EQ(estimate.milliseconds, 3.0);
  // History of another topology leaves the table in charge.
  EXPECT_EQ(EstimateIteration("tx2", Params({{"topology", Str("CNV")}}), &history).source,
            EstimateSource::kQutibench);
}

TEST(PlanEstimateTest, PointTimeIsWarmupPlusTimedIterationsTimesRepeats) {
  common::RunSpec run;
  run.warmup = 10;
  run.iterations = 100;
  run.repeats = 3;
  EXPECT_DOUBLE_EQ(PointDeviceMs(run, 2.0), 3 * (10 * 2.0 + 100 * 2.0));
  // A minimum duration longer than the iterations extends the timed part.
  run.min_duration = std::chrono::seconds(1);
  EXPECT_DOUBLE_EQ(PointDeviceMs(run, 2.0), 3 * (10 * 2.0 + 1000.0));
  EXPECT_DOUBLE_EQ(PointDeviceMs(run, 20.0), 3 * (10 * 20.0 + 100 * 20.0));
}

}  // namespace
}  // namespace benchd::cli
