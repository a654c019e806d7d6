#pragma once

// Typed reading of YAML documents with errors that point at the mistake:
// "sweep.yaml:4:12: run.iterations: expected an integer, got 'many'".
// This adapter and the loaders built on it (sweep parser, daemon and agent
// configuration, platform catalog) are benchd's only yaml-cpp users; nothing
// passes YAML nodes beyond them.

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchd/v1/common.pb.h"
#include "yaml-cpp/yaml.h"

namespace benchd::common {

// Limits that keep a hostile or mistaken file from exhausting the process.
struct YamlLimits {
  size_t max_bytes = 4 << 20;
  int max_depth = 32;
  // Aliases multiply the size of a document ("billion laughs"); we allow a
  // few for convenience and refuse more.
  int max_aliases = 100;
};

// Where errors are reported from: the file name shown to the user.
class YamlContext {
 public:
  explicit YamlContext(std::string file_name) : file_name_(std::move(file_name)) {}

  const std::string& file_name() const { return file_name_; }

  // Parses `text`, enforcing `limits`. Syntax errors carry line and column.
  [[nodiscard]] absl::StatusOr<YAML::Node> Parse(std::string_view text,
                                                 const YamlLimits& limits = {}) const;

  // "file:line:col: path: message" (INVALID_ARGUMENT) at `node`'s position.
  [[nodiscard]] absl::Status ErrorAt(const YAML::Node& node, std::string_view path,
                                     std::string_view message) const;

  // Fails unless `node` is a map whose keys are all in `allowed`; an unknown
  // key is reported at the key itself.
  [[nodiscard]] absl::Status CheckMap(const YAML::Node& node, std::string_view path,
                                      std::initializer_list<std::string_view> allowed) const;

  [[nodiscard]] absl::StatusOr<std::string> ReadString(const YAML::Node& node,
                                                       std::string_view path) const;
  [[nodiscard]] absl::StatusOr<int64_t> ReadInt(const YAML::Node& node, std::string_view path,
                                                int64_t min, int64_t max) const;
  [[nodiscard]] absl::StatusOr<double> ReadDouble(const YAML::Node& node,
                                                  std::string_view path) const;
  [[nodiscard]] absl::StatusOr<bool> ReadBool(const YAML::Node& node, std::string_view path) const;
  [[nodiscard]] absl::StatusOr<std::chrono::milliseconds> ReadDuration(
      const YAML::Node& node, std::string_view path) const;
  // A scalar as a typed parameter value: true/false → bool, an integer → int,
  // a number → double, anything else (and any quoted scalar) → string.
  [[nodiscard]] absl::StatusOr<benchd::v1::ParamValue> ReadParamValue(const YAML::Node& node,
                                                                      std::string_view path) const;

 private:
  std::string file_name_;
};

// "a.b" from "a" and "b"; "b" when `parent` is empty.
std::string JoinPath(std::string_view parent, std::string_view child);
// "a[3]".
std::string IndexPath(std::string_view parent, size_t index);

// Reads a whole file, refusing more than `max_bytes`.
[[nodiscard]] absl::StatusOr<std::string> ReadTextFile(const std::string& path, size_t max_bytes);

}  // namespace benchd::common
