#include "agents/core/run_environment.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "agents/drivers/sha256.h"

namespace benchd::agent {
namespace {

TEST(RunEnvironmentTest, AddsProbeEntriesHashesAndSensorsWithoutOverridingTheDriver) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("run-environment-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "model.onnx") << "weights";
  std::ofstream(dir / "temp") << "45000\n";

  benchd::v1::Environment probed;
  (*probed.mutable_entries())["tool_version"] = "8.2.1";
  (*probed.mutable_entries())["driver"] = "from-probe";
  RunEnvironment run_environment(probed, {{"soc_temp_mc", (dir / "temp").string()},
                                          {"missing", (dir / "nope").string()}});
  run_environment.RunStarting();
  std::ofstream(dir / "temp") << "51000\n";

  benchd::v1::Environment environment;
  auto& entries = *environment.mutable_entries();
  entries["driver"] = "jetson";
  entries["model"] = (dir / "model.onnx").string();
  run_environment.Complete(environment);

  EXPECT_EQ(entries.at("driver"), "jetson");
  EXPECT_EQ(entries.at("tool_version"), "8.2.1");
  EXPECT_EQ(entries.at("model_sha256"), Sha256Hex("weights"));
  EXPECT_EQ(entries.at("sensor.soc_temp_mc.start"), "45000");
  EXPECT_EQ(entries.at("sensor.soc_temp_mc.end"), "51000");
  EXPECT_EQ(entries.at("sensor.missing.end").rfind("unreadable: ", 0), 0u);
  EXPECT_EQ(entries.at("clock"), "CLOCK_MONOTONIC");
  EXPECT_FALSE(entries.at("agent_version").empty());
  EXPECT_FALSE(entries.at("kernel").empty());
  std::filesystem::remove_all(dir);
}

TEST(RunEnvironmentTest, HashesAToolFoundOnPath) {
  benchd::v1::Environment environment;
  (*environment.mutable_entries())["program"] = "sh";
  RunEnvironment run_environment({}, {});
  run_environment.Complete(environment);
  EXPECT_EQ(environment.entries().at("program_sha256").size(), 64u);
}

}  // namespace
}  // namespace benchd::agent
