#include "agents/drivers/mcu_firmware.h"

#include <fstream>
#include <functional>

#include "agents/drivers/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace benchd::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A runner whose "programs" are lambdas: a fake build can then write its
// report into the out_dir it was given, as a real one does.
class ScriptedRunner final : public common::ProcessRunner {
 public:
  using Script = std::function<absl::StatusOr<common::ProcessOutcome>(const common::ProcessSpec&)>;
  absl::StatusOr<common::ProcessOutcome> Run(const common::ProcessSpec& spec,
                                             const std::atomic<bool>* cancel) override {
    specs.push_back(spec);
    return script(spec);
  }
  std::vector<common::ProcessSpec> specs;
  Script script;
};

common::ProcessOutcome Exit(int code, std::string out = "", std::string err = "") {
  common::ProcessOutcome outcome;
  outcome.exit_code = code;
  outcome.stdout_text = std::move(out);
  outcome.stderr_text = std::move(err);
  return outcome;
}

McuBuildConfig LeNetOnF767() {
  McuBuildConfig config;
  config.board = "NUCLEO-F767ZI";
  config.model = "LeNet-MNIST";
  config.dtype = "int8";
  config.opt = "-O2";
  config.fpu = false;
  return config;
}

class McuFirmwareTest : public ::testing::Test {
 protected:
  McuFirmwareBuilder Builder(const std::string& flash = "st-flash") {
    McuFirmwareBuilder::Commands commands;
    commands.build = *ArgvTemplate::Parse(
        R"(["make", "BOARD={board}", "MODEL={model}", "--dtype", "{dtype}", "{cmsis_nn}", "{opt}", "{fpu}", "O={out_dir}"])",
        "build_command");
    if (flash.front() == '[') {
      commands.flash = *ArgvTemplate::Parse(flash, "flash_command");
    } else {
      commands.flash_preset = flash;
    }
    commands.extra_env = {{"BENCHD_SIM_FAILURE", "none"}};
    EXPECT_TRUE(McuFirmwareBuilder::Validate(commands).ok());
    return McuFirmwareBuilder(std::move(commands), runner_);
  }

  // A build that writes `info` and a binary into its out_dir.
  void ScriptBuild(const std::string& info) {
    runner_.script = [info](const common::ProcessSpec& spec) -> absl::StatusOr<common::ProcessOutcome> {
      std::ofstream(spec.working_dir + "/firmware.bin", std::ios::binary) << "firmware bytes";
      if (!info.empty()) std::ofstream(spec.working_dir + "/build-info.json") << info;
      return Exit(0, "[100%] Linking CXX executable firmware.elf\n");
    };
  }

  benchd::testing::TempDir dir_;
  ScriptedRunner runner_;
  std::atomic<bool> cancel_{false};
};

TEST_F(McuFirmwareTest, BuildFillsPlaceholdersAndReadsTheReport) {
  McuFirmwareBuilder builder = Builder();
  ScriptBuild(R"({"format": 1, "binary": "firmware.bin", "arena_size_bytes": 8448, "model_size_bytes": 68656,
                  "ops_per_inference": 833040, "toolchain": "gcc 12"})");
  const std::string out = dir_.path() + "/fw";
  absl::StatusOr<BuiltFirmware> firmware = builder.Build(LeNetOnF767(), out, cancel_);
  ASSERT_TRUE(firmware.ok()) << firmware.status();
  ASSERT_EQ(runner_.specs.size(), 1u);
  EXPECT_THAT(runner_.specs[0].argv, ElementsAre("make", "BOARD=NUCLEO-F767ZI", "MODEL=LeNet-MNIST", "--dtype", "int8",
                                                 "true", "-O2", "false", "O=" + out));
  EXPECT_EQ(runner_.specs[0].extra_env.at("BENCHD_SIM_FAILURE"), "none");
  EXPECT_EQ(firmware->info.binary_path, out + "/firmware.bin");
  EXPECT_EQ(firmware->info.binary_size_bytes, 14);  // from the file: the report has no size
  EXPECT_EQ(firmware->info.arena_size_bytes, 8448);
  EXPECT_EQ(firmware->info.ops_per_inference, 833040);
  EXPECT_EQ(firmware->sha256, Sha256Hex("firmware bytes"));
}

TEST_F(McuFirmwareTest, LinkerOverflowIsAMeasurementFailure) {
  McuFirmwareBuilder builder = Builder();
  runner_.script = [](const common::ProcessSpec&) -> absl::StatusOr<common::ProcessOutcome> {
    return Exit(1, "[100%] Linking\n",
                "/usr/bin/arm-none-eabi-ld: firmware.elf section `.bss' will not fit in region `RAM'\n"
                "/usr/bin/arm-none-eabi-ld: region `RAM' overflowed by 12288 bytes\n"
                "collect2: error: ld returned 1 exit status\n");
  };
  absl::StatusOr<BuiltFirmware> firmware = builder.Build(LeNetOnF767(), dir_.path() + "/fw", cancel_);
  EXPECT_EQ(firmware.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(firmware.status().message()), HasSubstr("will not fit in region `RAM'"));
}

TEST_F(McuFirmwareTest, ReportSayingNoFitIsAMeasurementFailure) {
  McuFirmwareBuilder builder = Builder();
  ScriptBuild(R"({"format": 1, "binary": "firmware.bin", "arena_size_bytes": 1, "model_size_bytes": 1,
                  "fits": false, "error": "arena needs 303104 bytes, 262144 free"})");
  absl::StatusOr<BuiltFirmware> firmware = builder.Build(LeNetOnF767(), dir_.path() + "/fw", cancel_);
  EXPECT_EQ(firmware.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(firmware.status().message()), HasSubstr("303104"));
}

TEST_F(McuFirmwareTest, OtherBuildProblemsAreInfrastructure) {
  McuFirmwareBuilder builder = Builder();
  runner_.script = [](const common::ProcessSpec&) -> absl::StatusOr<common::ProcessOutcome> {
    return Exit(2, "", "arm-none-eabi-gcc: command not found");
  };
  EXPECT_EQ(builder.Build(LeNetOnF767(), dir_.path() + "/a", cancel_).status().code(), absl::StatusCode::kUnavailable);
  ScriptBuild("");  // succeeds without a report
  EXPECT_EQ(builder.Build(LeNetOnF767(), dir_.path() + "/b", cancel_).status().code(), absl::StatusCode::kInternal);
  ScriptBuild(R"({"format": 2})");
  EXPECT_EQ(builder.Build(LeNetOnF767(), dir_.path() + "/c", cancel_).status().code(), absl::StatusCode::kInternal);
  runner_.script = [](const common::ProcessSpec&) -> absl::StatusOr<common::ProcessOutcome> {
    return absl::NotFoundError("no such program");
  };
  EXPECT_EQ(builder.Build(LeNetOnF767(), dir_.path() + "/d", cancel_).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(McuFirmwareTest, StaleReportIsNotTakenForANewOne) {
  McuFirmwareBuilder builder = Builder();
  const std::string out = dir_.path() + "/fw";
  ScriptBuild(R"({"format": 1, "binary": "firmware.bin", "arena_size_bytes": 1, "model_size_bytes": 1})");
  ASSERT_TRUE(builder.Build(LeNetOnF767(), out, cancel_).ok());
  ScriptBuild("");
  EXPECT_EQ(builder.Build(LeNetOnF767(), out, cancel_).status().code(), absl::StatusCode::kInternal);
}

TEST_F(McuFirmwareTest, FlashPresetsPickTheTargetFromTheBoard) {
  BuiltFirmware firmware;
  firmware.info.binary_path = "/fw/firmware.bin";
  runner_.script = [](const common::ProcessSpec&) -> absl::StatusOr<common::ProcessOutcome> { return Exit(0); };
  ASSERT_TRUE(Builder("st-flash").Flash(LeNetOnF767(), firmware, dir_.path(), cancel_).ok());
  ASSERT_TRUE(Builder("openocd").Flash(LeNetOnF767(), firmware, dir_.path(), cancel_).ok());
  ASSERT_TRUE(Builder("pyocd").Flash(LeNetOnF767(), firmware, dir_.path(), cancel_).ok());
  ASSERT_TRUE(Builder(R"(["flasher", "--board={board}", "{binary}"])").Flash(LeNetOnF767(), firmware, dir_.path(), cancel_).ok());
  ASSERT_EQ(runner_.specs.size(), 4u);
  EXPECT_THAT(runner_.specs[0].argv, ElementsAre("st-flash", "--reset", "write", "/fw/firmware.bin", "0x08000000"));
  EXPECT_THAT(runner_.specs[1].argv,
              ElementsAre("openocd", "-f", "interface/stlink.cfg", "-f", "target/stm32f7x.cfg", "-c",
                          "program {/fw/firmware.bin} verify reset exit 0x08000000"));
  EXPECT_THAT(runner_.specs[2].argv, ElementsAre("pyocd", "flash", "-t", "stm32f767zitx", "-a", "0x08000000",
                                                 "/fw/firmware.bin"));
  EXPECT_THAT(runner_.specs[3].argv, ElementsAre("flasher", "--board=NUCLEO-F767ZI", "/fw/firmware.bin"));

  runner_.script = [](const common::ProcessSpec&) -> absl::StatusOr<common::ProcessOutcome> {
    return Exit(1, "", "Failed to connect to target");
  };
  EXPECT_EQ(Builder().Flash(LeNetOnF767(), firmware, dir_.path(), cancel_).code(), absl::StatusCode::kUnavailable);
  firmware.info.binary_path = "/fw/{odd}.bin";
  EXPECT_EQ(Builder("openocd").Flash(LeNetOnF767(), firmware, dir_.path(), cancel_).code(),
            absl::StatusCode::kInternal);
}

TEST(McuFirmwareValidateTest, RejectsUnknownPlaceholdersAndPresets) {
  McuFirmwareBuilder::Commands commands;
  commands.build = *ArgvTemplate::Parse(R"(["make", "{batch}"])", "build_command");
  commands.flash_preset = "st-flash";
  EXPECT_EQ(McuFirmwareBuilder::Validate(commands).code(), absl::StatusCode::kInvalidArgument);
  commands.build = *ArgvTemplate::Parse(R"(["make", "{board}"])", "build_command");
  commands.flash_preset = "jlink";
  EXPECT_EQ(McuFirmwareBuilder::Validate(commands).code(), absl::StatusCode::kInvalidArgument);
  commands.flash = *ArgvTemplate::Parse(R"(["flash", "{model}"])", "flash_command");
  EXPECT_EQ(McuFirmwareBuilder::Validate(commands).code(), absl::StatusCode::kInvalidArgument);
}

TEST(McuFirmwareHelpersTest, BoardsReportParsingAndOverflowLines) {
  ASSERT_NE(FindMcuBoard("NUCLEO-L496ZG"), nullptr);
  EXPECT_EQ(FindMcuBoard("NUCLEO-L496ZG")->clock_hz, 80'000'000u);
  EXPECT_EQ(FindMcuBoard("DISCO-F469NI")->clock_hz, 180'000'000u);
  EXPECT_EQ(FindMcuBoard("NUCLEO-F767ZI")->clock_hz, 216'000'000u);
  EXPECT_EQ(FindMcuBoard("ESP32"), nullptr);
  EXPECT_EQ(ParseBuildInfo("[]", "/o").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParseBuildInfo(R"({"format": 1, "binary": "f.bin", "arena_size_bytes": -1, "model_size_bytes": 1})", "/o")
                .status()
                .code(),
            absl::StatusCode::kDataLoss);
  absl::StatusOr<BuildInfo> info = ParseBuildInfo(
      R"({"format": 1, "binary": "/abs/f.bin", "arena_size_bytes": 1, "model_size_bytes": 2, "binary_size_bytes": 3})",
      "/o");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->binary_path, "/abs/f.bin");
  EXPECT_EQ(info->binary_size_bytes, 3);
  EXPECT_EQ(FindNoFitMessage("ok\nld: region `FLASH' overflowed by 4 bytes\n"), "ld: region `FLASH' overflowed by 4 bytes");
  EXPECT_FALSE(FindNoFitMessage("all good\n").has_value());
}

}  // namespace
}  // namespace benchd::agent
