#include "agents/sim/common/tool_args.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace benchd::sim {

std::string ToolArgs::Get(const std::string& name, const std::string& default_value) const {
  auto it = values.find(name);
  return it == values.end() ? default_value : it->second;
}

std::optional<long long> ToolArgs::GetInt(const std::string& name, long long default_value) const {
  auto it = values.find(name);
  if (it == values.end()) return default_value;
  long long value = 0;
  const std::string& text = it->second;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> ToolArgs::GetDouble(const std::string& name, double default_value) const {
  auto it = values.find(name);
  if (it == values.end()) return default_value;
  double value = 0;
  const std::string& text = it->second;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

ToolArgs ParseEqualsFlags(int argc, char** argv) {
  ToolArgs args;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (!arg.starts_with("--")) {
      args.positional.emplace_back(arg);
      continue;
    }
    arg.remove_prefix(2);
    const size_t equals = arg.find('=');
    args.values[std::string(arg.substr(0, equals))] =
        equals == std::string_view::npos ? "" : std::string(arg.substr(equals + 1));
  }
  return args;
}

ToolArgs ParseSpacedFlags(int argc, char** argv, const std::vector<std::string>& bare_flags) {
  ToolArgs args;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (!arg.starts_with("-") || arg.size() < 2) {
      args.positional.emplace_back(arg);
      continue;
    }
    while (arg.starts_with("-")) arg.remove_prefix(1);
    const std::string name(arg);
    const bool bare = std::find(bare_flags.begin(), bare_flags.end(), name) != bare_flags.end();
    args.values[name] = !bare && i + 1 < argc ? argv[++i] : "";
  }
  return args;
}

std::optional<ModelName> ParseModelPath(std::string_view path, std::string_view suffix) {
  const size_t slash = path.rfind('/');
  std::string_view file = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (!file.ends_with(suffix) || file.size() == suffix.size()) return std::nullopt;
  file.remove_suffix(suffix.size());
  ModelName name;
  const size_t marker = file.rfind("-p");
  if (marker != std::string_view::npos && marker > 0) {
    const std::string_view number = file.substr(marker + 2);
    double pruning = 0;
    const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), pruning);
    if (ec == std::errc() && ptr == number.data() + number.size() && pruning > 0 && pruning <= 100) {
      name.pruning = pruning;
      file = file.substr(0, marker);
    }
  }
  name.topology = std::string(file);
  return name;
}

std::string StateDir() {
  const char* configured = std::getenv("BENCHD_SIM_STATE_DIR");
  std::string dir = configured != nullptr && *configured != '\0'
                        ? configured
                        : "/tmp/benchd-sim-state-" + std::to_string(static_cast<long>(getuid()));
  std::error_code ignored;
  std::filesystem::create_directories(dir, ignored);
  return dir;
}

std::string ReadState(const std::string& name, const std::string& default_value) {
  std::ifstream in(StateDir() + "/" + name);
  if (!in) return default_value;
  std::string value;
  std::getline(in, value);
  return value.empty() ? default_value : value;
}

bool WriteState(const std::string& name, const std::string& value) {
  // Written to a temporary name and renamed, so a concurrent reader sees the
  // old or the new value, never half of one.
  const std::string path = StateDir() + "/" + name;
  const std::string temporary = path + ".tmp" + std::to_string(static_cast<long>(getpid()));
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << value << "\n";
    if (!out) return false;
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  return !error;
}

bool EnvFlag(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return false;
  const std::string_view text(value);
  return text == "1" || text == "true" || text == "yes";
}

}  // namespace benchd::sim
