#pragma once

// Conversions between benchd.v1 messages and the JSON the store keeps in jsonb
// columns. Parameters become a flat object ({"batch": 8, "precision": "FP32"})
// so that they can be queried with SQL; integers stay integers and numbers
// stay numbers across a round trip.

#include "absl/status/statusor.h"
#include "benchd/v1/common.pb.h"
#include "nlohmann/json.hpp"

namespace benchd::common {

nlohmann::json ParametersToJson(const benchd::v1::Parameters& parameters);
// Errors: INVALID_ARGUMENT when `json` is not a flat object of scalars.
[[nodiscard]] absl::StatusOr<benchd::v1::Parameters> ParametersFromJson(const nlohmann::json& json);

// The parameters as compact JSON text for messages; never throws (bytes that
// are not UTF-8 are replaced).
std::string DescribeParameters(const benchd::v1::Parameters& parameters);

nlohmann::json ParamValueToJson(const benchd::v1::ParamValue& value);
// The value as a user would write it: 8, 12.5, FP32, true.
std::string ParamValueToString(const benchd::v1::ParamValue& value);

nlohmann::json EnvironmentToJson(const benchd::v1::Environment& environment);
[[nodiscard]] absl::StatusOr<benchd::v1::Environment> EnvironmentFromJson(const nlohmann::json& json);

// The measurement detail of a run summary (power, repeats, warnings) as the
// JSON text of a RunSummary holding only those fields (proto field names),
// for the runs.measurement column; "{}" when it has none of them.
std::string MeasurementToJson(const benchd::v1::RunSummary& summary);
// Merges such JSON text into `summary`. Errors: INVALID_ARGUMENT.
[[nodiscard]] absl::Status MergeMeasurementJson(const std::string& json, benchd::v1::RunSummary& summary);

// The lower-case name of an experiment state ("pending", "succeeded", ...),
// as stored in PostgreSQL and shown by benchctl; "" for UNSPECIFIED.
std::string ExperimentStateName(benchd::v1::ExperimentState state);

// Reads a parameter, or returns nullptr when absent.
const benchd::v1::ParamValue* FindParam(const benchd::v1::Parameters& parameters, const std::string& name);

}  // namespace benchd::common
