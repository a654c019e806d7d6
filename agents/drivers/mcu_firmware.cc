#include "agents/drivers/mcu_firmware.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <span>
#include <fstream>
#include <sstream>

#include "agents/drivers/driver_util.h"
#include "agents/drivers/sha256.h"
#include "agents/parsers/text_scan.h"
#include "common/status_util.h"
#include "nlohmann/json.hpp"

namespace benchd::agent {
namespace {

// Clocks as the boards' reference firmware configures them (STM32CubeMX
// defaults for maximum performance); the debugger target names are those of
// OpenOCD's target/ scripts and of the CMSIS device packs pyOCD uses.
constexpr std::array kBoards = {
    McuBoardInfo{"L496ZG", 80'000'000, "stm32l4x", "stm32l496zgtx"},
    McuBoardInfo{"F469NI", 180'000'000, "stm32f4x", "stm32f469nihx"},
    McuBoardInfo{"F767ZI", 216'000'000, "stm32f7x", "stm32f767zitx"},
};

constexpr std::string_view kFlashBase = "0x08000000";
constexpr std::array<std::string_view, 3> kPresets = {"st-flash", "openocd", "pyocd"};
constexpr std::array<std::string_view, 7> kBuildPlaceholders = {"board", "model", "dtype", "cmsis_nn",
                                                                "opt", "fpu", "out_dir"};
constexpr std::array<std::string_view, 3> kFlashPlaceholders = {"binary", "board", "out_dir"};

absl::Status CheckPlaceholders(const ArgvTemplate& argv, std::span<const std::string_view> known,
                               std::string_view option) {
  for (const std::string& name : argv.Placeholders()) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (std::string_view k : known) list += (list.empty() ? "{" : ", {") + std::string(k) + "}";
      return absl::InvalidArgumentError("mcu-tflm option '" + std::string(option) + "': unknown placeholder {" + name +
                                        "}; known are " + list);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> RequiredSize(const nlohmann::json& json, const char* key) {
  if (!json.contains(key) || !json[key].is_number_integer() || json[key].get<int64_t>() < 0) {
    return absl::DataLossError(std::string("build-info.json: '") + key + "' must be a non-negative integer");
  }
  return json[key].get<int64_t>();
}

absl::StatusOr<std::optional<int64_t>> OptionalSize(const nlohmann::json& json, const char* key) {
  if (!json.contains(key)) return std::optional<int64_t>();
  BENCHD_ASSIGN_OR_RETURN(int64_t value, RequiredSize(json, key));
  return std::optional<int64_t>(value);
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// Maps a finished tool to a status; `tool` names it in messages.
absl::Status ToolStatus(const absl::StatusOr<common::ProcessOutcome>& outcome, const std::string& tool) {
  if (!outcome.ok()) return absl::UnavailableError("launch " + tool + ": " + std::string(outcome.status().message()));
  if (outcome->cancelled) return absl::CancelledError(tool + " cancelled");
  if (outcome->timed_out) return absl::DeadlineExceededError(tool + ": " + FailureDetail(*outcome));
  return absl::OkStatus();
}

}  // namespace

std::string McuBuildConfig::Identity() const {
  return "board=" + board + ";model=" + model + ";dtype=" + dtype + ";cmsis_nn=" + (cmsis_nn ? "true" : "false") +
         ";opt=" + opt + ";fpu=" + (fpu ? "true" : "false");
}

std::map<std::string, std::string> McuBuildConfig::PlaceholderValues(const std::string& out_dir) const {
  return {{"board", board}, {"model", model}, {"dtype", dtype}, {"cmsis_nn", cmsis_nn ? "true" : "false"},
          {"opt", opt},     {"fpu", fpu ? "true" : "false"},    {"out_dir", out_dir}};
}

const McuBoardInfo* FindMcuBoard(std::string_view board) {
  for (const McuBoardInfo& info : kBoards) {
    if (board.find(info.part) != std::string_view::npos) return &info;
  }
  return nullptr;
}

absl::StatusOr<BuildInfo> ParseBuildInfo(std::string_view json_text, const std::string& out_dir) {
  const nlohmann::json json = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return absl::DataLossError("build-info.json is not a JSON object");
  if (!json.contains("format") || json["format"] != 1) {
    return absl::DataLossError("build-info.json: 'format' must be 1");
  }
  if (!json.contains("binary") || !json["binary"].is_string() || json["binary"].get<std::string>().empty()) {
    return absl::DataLossError("build-info.json: 'binary' must name the firmware file");
  }
  BuildInfo info;
  const std::filesystem::path binary = json["binary"].get<std::string>();
  info.binary_path = (binary.is_absolute() ? binary : std::filesystem::path(out_dir) / binary).string();
  BENCHD_ASSIGN_OR_RETURN(info.arena_size_bytes, RequiredSize(json, "arena_size_bytes"));
  BENCHD_ASSIGN_OR_RETURN(info.model_size_bytes, RequiredSize(json, "model_size_bytes"));
  BENCHD_ASSIGN_OR_RETURN(std::optional<int64_t> binary_size, OptionalSize(json, "binary_size_bytes"));
  info.binary_size_bytes = binary_size.value_or(-1);  // filled from the file when absent
  BENCHD_ASSIGN_OR_RETURN(info.flash_used_bytes, OptionalSize(json, "flash_used_bytes"));
  BENCHD_ASSIGN_OR_RETURN(info.ram_used_bytes, OptionalSize(json, "ram_used_bytes"));
  BENCHD_ASSIGN_OR_RETURN(info.ops_per_inference, OptionalSize(json, "ops_per_inference"));
  BENCHD_ASSIGN_OR_RETURN(info.clock_hz, OptionalSize(json, "clock_hz"));
  if (json.contains("toolchain") && json["toolchain"].is_string()) info.toolchain = json["toolchain"];
  if (json.contains("fits")) {
    if (!json["fits"].is_boolean()) return absl::DataLossError("build-info.json: 'fits' must be true or false");
    info.fits = json["fits"].get<bool>();
  }
  if (json.contains("error") && json["error"].is_string()) info.error = json["error"];
  return info;
}

std::optional<std::string> FindNoFitMessage(std::string_view build_output) {
  std::string message;
  for (const TextLine& line : SplitLines(build_output)) {
    if (line.text.find("overflowed by") != std::string_view::npos ||
        line.text.find("will not fit in region") != std::string_view::npos) {
      if (!message.empty()) message += "; ";
      message += Trim(line.text);
    }
  }
  if (message.empty()) return std::nullopt;
  return message;
}

absl::Status McuFirmwareBuilder::Validate(const Commands& commands) {
  BENCHD_RETURN_IF_ERROR(CheckPlaceholders(commands.build, kBuildPlaceholders, "build_command"));
  if (commands.flash) return CheckPlaceholders(*commands.flash, kFlashPlaceholders, "flash_command");
  if (std::find(kPresets.begin(), kPresets.end(), commands.flash_preset) == kPresets.end()) {
    return absl::InvalidArgumentError("mcu-tflm option 'flash_command': '" + commands.flash_preset +
                                      "' is neither a JSON argv template nor a preset (st-flash, openocd, pyocd)");
  }
  return absl::OkStatus();
}

McuFirmwareBuilder::McuFirmwareBuilder(Commands commands, common::ProcessRunner& runner)
    : commands_(std::move(commands)), runner_(runner) {}

absl::StatusOr<BuiltFirmware> McuFirmwareBuilder::Build(const McuBuildConfig& config, const std::string& out_dir,
                                                        const std::atomic<bool>& cancel) {
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) return absl::InternalError("create firmware directory '" + out_dir + "': " + error.message());
  const std::string info_path = out_dir + "/" + std::string(kBuildInfoFile);
  // A report left by an earlier build must not pass for this one's.
  std::filesystem::remove(info_path, error);

  common::ProcessSpec spec;
  BENCHD_ASSIGN_OR_RETURN(spec.argv, commands_.build.Expand(config.PlaceholderValues(out_dir)));
  spec.working_dir = out_dir;
  spec.timeout = commands_.build_timeout;
  spec.extra_env = commands_.extra_env;
  const absl::StatusOr<common::ProcessOutcome> outcome = runner_.Run(spec, &cancel);
  BENCHD_RETURN_IF_ERROR(ToolStatus(outcome, "build command"));
  SaveText(out_dir + "/build.log", outcome->stdout_text + outcome->stderr_text);
  if (!outcome->Succeeded()) {
    if (std::optional<std::string> no_fit = FindNoFitMessage(outcome->stderr_text + "\n" + outcome->stdout_text)) {
      return absl::FailedPreconditionError("the model does not fit on " + config.board + ": " + *no_fit);
    }
    return absl::UnavailableError("build failed: " + FailureDetail(*outcome));
  }
  if (!std::filesystem::exists(info_path)) {
    return absl::InternalError("the build command succeeded but wrote no " + std::string(kBuildInfoFile) + " into " +
                               out_dir);
  }
  absl::StatusOr<BuildInfo> info = ParseBuildInfo(ReadFile(info_path), out_dir);
  if (!info.ok()) return absl::InternalError(std::string(info.status().message()));
  if (!info->fits) {
    return absl::FailedPreconditionError("the model does not fit on " + config.board + ": " +
                                         (info->error.empty() ? "the build says so" : info->error));
  }
  BuiltFirmware firmware{*std::move(info), ""};
  absl::StatusOr<std::string> hash = Sha256HexOfFile(firmware.info.binary_path);
  if (!hash.ok()) return absl::InternalError("firmware binary: " + std::string(hash.status().message()));
  firmware.sha256 = *std::move(hash);
  if (firmware.info.binary_size_bytes < 0) {
    firmware.info.binary_size_bytes = static_cast<int64_t>(std::filesystem::file_size(firmware.info.binary_path, error));
    if (error) return absl::InternalError("size of '" + firmware.info.binary_path + "': " + error.message());
  }
  return firmware;
}

absl::StatusOr<std::vector<std::string>> McuFirmwareBuilder::FlashArgv(const McuBuildConfig& config,
                                                                       const std::string& binary,
                                                                       const std::string& out_dir) const {
  if (commands_.flash) return commands_.flash->Expand({{"binary", binary}, {"board", config.board}, {"out_dir", out_dir}});
  const std::string& preset = commands_.flash_preset;
  if (preset == "st-flash") return std::vector<std::string>{"st-flash", "--reset", "write", binary, std::string(kFlashBase)};
  const McuBoardInfo* board = FindMcuBoard(config.board);
  if (board == nullptr) {
    return absl::InternalError("flash preset " + preset + " does not know board " + config.board +
                               "; give flash_command as an argv template");
  }
  if (preset == "pyocd") {
    return std::vector<std::string>{"pyocd", "flash", "-t", std::string(board->pyocd_target), "-a",
                                    std::string(kFlashBase), binary};
  }
  // OpenOCD reads its -c argument as Tcl: brace-quote the path, which is
  // safe as long as the path holds no braces or backslashes itself.
  if (binary.find_first_of("{}\\\n") != std::string::npos) {
    return absl::InternalError("firmware path '" + binary + "' cannot be quoted for OpenOCD");
  }
  return std::vector<std::string>{"openocd", "-f", "interface/stlink.cfg", "-f",
                                  "target/" + std::string(board->openocd_target) + ".cfg", "-c",
                                  "program {" + binary + "} verify reset exit " + std::string(kFlashBase)};
}

absl::Status McuFirmwareBuilder::Flash(const McuBuildConfig& config, const BuiltFirmware& firmware,
                                       const std::string& out_dir, const std::atomic<bool>& cancel) {
  common::ProcessSpec spec;
  BENCHD_ASSIGN_OR_RETURN(spec.argv, FlashArgv(config, firmware.info.binary_path, out_dir));
  spec.working_dir = out_dir;
  spec.timeout = commands_.flash_timeout;
  spec.extra_env = commands_.extra_env;
  const absl::StatusOr<common::ProcessOutcome> outcome = runner_.Run(spec, &cancel);
  BENCHD_RETURN_IF_ERROR(ToolStatus(outcome, "flash command"));
  SaveText(out_dir + "/flash.log", outcome->stdout_text + outcome->stderr_text);
  if (!outcome->Succeeded()) return absl::UnavailableError("flash failed: " + FailureDetail(*outcome));
  return absl::OkStatus();
}

}  // namespace benchd::agent
