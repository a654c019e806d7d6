#include "agents/sim/common/tool_args.h"

#include <cstdlib>
#include <filesystem>

#include "gtest/gtest.h"

namespace benchd::sim {
namespace {

TEST(ToolArgsTest, ParsesEqualsFlags) {
  const char* argv[] = {"trtexec", "--onnx=/m/a.onnx", "--fp16", "--shapes=input:4x784", "extra"};
  const ToolArgs args = ParseEqualsFlags(5, const_cast<char**>(argv));
  EXPECT_EQ(args.Get("onnx"), "/m/a.onnx");
  EXPECT_TRUE(args.Has("fp16"));
  EXPECT_EQ(args.Get("fp16"), "");
  EXPECT_EQ(args.Get("shapes"), "input:4x784");
  EXPECT_EQ(args.positional, std::vector<std::string>{"extra"});
  EXPECT_EQ(*args.GetInt("iterations", 10), 10);
}

TEST(ToolArgsTest, ParsesSpacedFlagsWithBareOnes) {
  const char* argv[] = {"benchmark_app", "-m", "/m/x.xml", "-pc", "-b", "2", "-niter", "x"};
  const ToolArgs args = ParseSpacedFlags(8, const_cast<char**>(argv), {"pc"});
  EXPECT_EQ(args.Get("m"), "/m/x.xml");
  EXPECT_TRUE(args.Has("pc"));
  EXPECT_EQ(*args.GetInt("b", 1), 2);
  EXPECT_FALSE(args.GetInt("niter", 0).has_value());  // malformed
}

TEST(ToolArgsTest, ModelPathCarriesTopologyAndPruning) {
  std::optional<ModelName> pruned = ParseModelPath("/models/MLP-p12.5.onnx", ".onnx");
  ASSERT_TRUE(pruned.has_value());
  EXPECT_EQ(pruned->topology, "MLP");
  EXPECT_DOUBLE_EQ(pruned->pruning, 12.5);
  std::optional<ModelName> dashed = ParseModelPath("ResNet-50_edgetpu.tflite", "_edgetpu.tflite");
  ASSERT_TRUE(dashed.has_value());
  EXPECT_EQ(dashed->topology, "ResNet-50");  // "-50" is not a pruning suffix
  EXPECT_DOUBLE_EQ(dashed->pruning, 100);
  EXPECT_FALSE(ParseModelPath("/models/MLP.xml", ".onnx").has_value());
}

TEST(ToolArgsTest, StateRoundTripsThroughTheStateDirectory) {
  const std::string dir = ::testing::TempDir() + "/benchd-sim-state-test";
  setenv("BENCHD_SIM_STATE_DIR", dir.c_str(), 1);
  EXPECT_EQ(ReadState("absent", "default"), "default");
  ASSERT_TRUE(WriteState("mode", "2"));
  EXPECT_EQ(ReadState("mode", "3"), "2");
  unsetenv("BENCHD_SIM_STATE_DIR");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace benchd::sim
