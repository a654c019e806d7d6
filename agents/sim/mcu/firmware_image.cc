#include "agents/sim/mcu/firmware_image.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

namespace benchd::sim::mcu {
namespace {

constexpr char kMagic[] = "BENCHD-SIM-FIRMWARE 1 ";

nlohmann::json ToJson(const BuildConfig& config) {
  return {{"board", config.board}, {"model", config.model}, {"dtype", config.dtype},
          {"cmsis_nn", config.cmsis_nn}, {"opt", config.opt}, {"fpu", config.fpu},
          {"protocol", config.protocol}};
}

std::optional<BuildConfig> FromJson(const nlohmann::json& json) {
  if (!json.is_object()) return std::nullopt;
  BuildConfig config;
  try {
    config.board = json.at("board").get<std::string>();
    config.model = json.at("model").get<std::string>();
    config.dtype = json.at("dtype").get<std::string>();
    config.cmsis_nn = json.at("cmsis_nn").get<bool>();
    config.opt = json.at("opt").get<std::string>();
    config.fpu = json.at("fpu").get<bool>();
    config.protocol = json.at("protocol").get<std::string>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  return config;
}

}  // namespace

bool WriteFirmwareImage(const std::string& path, const BuildConfig& config, int64_t size_bytes) {
  const std::string header = std::string(kMagic) + ToJson(config).dump() + "\n";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << header;
  // Filler seeded by the config: equal builds give equal images, and any
  // option changes the hash, as with a real compiler.
  std::mt19937_64 engine(std::hash<std::string>{}(header));
  std::string filler(static_cast<size_t>(std::max<int64_t>(0, size_bytes - static_cast<int64_t>(header.size()))), '\0');
  for (char& byte : filler) byte = static_cast<char>(engine() & 0xff);
  out << filler;
  out.close();
  if (!out) {
    std::fprintf(stderr, "sim-mcu: cannot write firmware image '%s'\n", path.c_str());
    return false;
  }
  return true;
}

std::optional<BuildConfig> ReadFirmwareImage(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot open '" + path + "'";
    return std::nullopt;
  }
  std::string line;
  std::getline(in, line);
  if (line.rfind(kMagic, 0) != 0) {
    *error = "'" + path + "' is not a firmware image for this board";
    return std::nullopt;
  }
  const nlohmann::json json =
      nlohmann::json::parse(line.substr(sizeof(kMagic) - 1), nullptr, /*allow_exceptions=*/false);
  std::optional<BuildConfig> config = FromJson(json);
  if (!config) *error = "'" + path + "' has a damaged header";
  return config;
}

bool WriteBoardState(const std::string& state_dir, const BoardState& state) {
  std::error_code ignored;
  std::filesystem::create_directories(state_dir, ignored);
  const std::string final_path = state_dir + "/" + kStateFile;
  const std::string temp_path = final_path + ".tmp";
  {
    std::ofstream out(temp_path, std::ios::trunc);
    out << nlohmann::json{{"firmware", ToJson(state.firmware)},
                          {"failure", state.failure},
                          {"image_bytes", state.image_bytes}}
               .dump()
        << "\n";
    if (!out) return false;
  }
  // The rename is what the board waits for: it never sees half a file.
  return std::rename(temp_path.c_str(), final_path.c_str()) == 0;
}

std::optional<BoardState> ReadBoardState(const std::string& state_dir) {
  std::ifstream in(state_dir + "/" + kStateFile);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("firmware")) return std::nullopt;
  std::optional<BuildConfig> firmware = FromJson(json["firmware"]);
  if (!firmware) return std::nullopt;
  BoardState state;
  state.firmware = *firmware;
  if (json.contains("failure") && json["failure"].is_string()) state.failure = json["failure"];
  if (json.contains("image_bytes") && json["image_bytes"].is_number_integer()) state.image_bytes = json["image_bytes"];
  return state;
}

}  // namespace benchd::sim::mcu
