#pragma once

// Command-line handling the simulators share: the two flag styles of the
// tools they imitate, the model file naming rule of the drivers, and where
// simulated device state lives.
// Thread-safety: pure functions, except StateDir (reads the environment).

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace benchd::sim {

struct ToolArgs {
  std::map<std::string, std::string> values;  // flag name without dashes -> value ("" for a bare flag)
  std::vector<std::string> positional;

  bool Has(const std::string& name) const { return values.contains(name); }
  std::string Get(const std::string& name, const std::string& default_value = "") const;
  // The value as an integer or number; `default_value` when absent, nullopt
  // when present but malformed.
  std::optional<long long> GetInt(const std::string& name, long long default_value) const;
  std::optional<double> GetDouble(const std::string& name, double default_value) const;
};

// `--name=value` and bare `--name` (trtexec, TFLite benchmark_model).
ToolArgs ParseEqualsFlags(int argc, char** argv);
// `-name value`, where names in `bare_flags` take no value (OpenVINO
// benchmark_app). A missing value leaves the flag with "".
ToolArgs ParseSpacedFlags(int argc, char** argv, const std::vector<std::string>& bare_flags);

// The topology and pruning a model file names, by the drivers' rule
// `<dir>/<topology>[-p<pruning>]<suffix>` (e.g. "/m/MLP-p12.5.onnx" with
// suffix ".onnx"); nullopt when the name does not end with `suffix`.
struct ModelName {
  std::string topology;
  double pruning = 100;
};
std::optional<ModelName> ParseModelPath(std::string_view path, std::string_view suffix);

// BENCHD_SIM_STATE_DIR, or /tmp/benchd-sim-state-<uid>; created if missing.
std::string StateDir();
// Reads / writes one small state file under StateDir(); Read returns
// `default_value` when the file does not exist.
std::string ReadState(const std::string& name, const std::string& default_value);
bool WriteState(const std::string& name, const std::string& value);

// Whether the environment variable `name` is set to 1, true or yes.
bool EnvFlag(const char* name);

}  // namespace benchd::sim
