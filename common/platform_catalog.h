#pragma once

// The platforms benchd knows (configs/platforms.yaml, compiled in) and the
// parameter values each accepts.
// Thread-safety: immutable after loading.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "benchd/v1/common.pb.h"

namespace benchd::common {

// The values a platform accepts for one parameter: an explicit list, or an
// integer range.
struct ParamDomain {
  std::vector<benchd::v1::ParamValue> values;
  std::optional<int64_t> min;
  std::optional<int64_t> max;

  // Empty when `value` is accepted, else why not ("accepted: FP16, FP32").
  std::string Check(const benchd::v1::ParamValue& value) const;
};

struct PlatformSpec {
  std::string name;
  std::string description;
  std::map<std::string, ParamDomain> params;
  // Parameters whose change forces a device reconfiguration.
  std::vector<std::string> reconfigure;

  // The configuration key of a point on this platform: its `reconfigure`
  // parameters that it has, as "name=value" pairs sorted by name and joined
  // with ';' ("" when the platform never reconfigures). Equal keys, no
  // reconfiguration.
  std::string ConfigKey(const benchd::v1::Parameters& parameters) const;
};

class PlatformCatalog {
 public:
  // The catalog compiled into the binary.
  [[nodiscard]] static absl::StatusOr<PlatformCatalog> Builtin();
  [[nodiscard]] static absl::StatusOr<PlatformCatalog> FromYaml(const std::string& text,
                                                                const std::string& file_name);

  const PlatformSpec* Find(const std::string& name) const;
  std::vector<std::string> Names() const;

 private:
  std::map<std::string, PlatformSpec> platforms_;
};

// Values compare equal across int and double (batch 8 == 8.0).
bool ParamValuesEqual(const benchd::v1::ParamValue& a, const benchd::v1::ParamValue& b);

}  // namespace benchd::common
