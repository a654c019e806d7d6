#include "common/proto_json.h"

#include <google/protobuf/util/json_util.h>

#include <string>

#include "spdlog/fmt/fmt.h"

namespace benchd::common {

nlohmann::json ParamValueToJson(const benchd::v1::ParamValue& value) {
  switch (value.kind_case()) {
    case benchd::v1::ParamValue::kStringValue:
      return value.string_value();
    case benchd::v1::ParamValue::kIntValue:
      return value.int_value();
    case benchd::v1::ParamValue::kDoubleValue:
      return value.double_value();
    case benchd::v1::ParamValue::kBoolValue:
      return value.bool_value();
    case benchd::v1::ParamValue::KIND_NOT_SET:
      break;
  }
  return nullptr;
}

std::string ParamValueToString(const benchd::v1::ParamValue& value) {
  switch (value.kind_case()) {
    case benchd::v1::ParamValue::kStringValue:
      return value.string_value();
    case benchd::v1::ParamValue::kIntValue:
      return std::to_string(value.int_value());
    case benchd::v1::ParamValue::kDoubleValue:
      return fmt::format("{}", value.double_value());
    case benchd::v1::ParamValue::kBoolValue:
      return value.bool_value() ? "true" : "false";
    case benchd::v1::ParamValue::KIND_NOT_SET:
      break;
  }
  return "";
}

nlohmann::json ParametersToJson(const benchd::v1::Parameters& parameters) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [name, value] : parameters.values()) object[name] = ParamValueToJson(value);
  return object;
}

std::string DescribeParameters(const benchd::v1::Parameters& parameters) {
  return ParametersToJson(parameters).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<benchd::v1::Parameters> ParametersFromJson(const nlohmann::json& json) {
  if (!json.is_object()) return absl::InvalidArgumentError("parameters: expected a JSON object");
  benchd::v1::Parameters parameters;
  for (const auto& [name, item] : json.items()) {
    benchd::v1::ParamValue value;
    if (item.is_string()) {
      value.set_string_value(item.get<std::string>());
    } else if (item.is_boolean()) {
      value.set_bool_value(item.get<bool>());
    } else if (item.is_number_integer()) {
      value.set_int_value(item.get<int64_t>());
    } else if (item.is_number_float()) {
      value.set_double_value(item.get<double>());
    } else {
      return absl::InvalidArgumentError("parameter '" + name + "': expected a scalar, got " +
                                        std::string(item.type_name()));
    }
    (*parameters.mutable_values())[name] = value;
  }
  return parameters;
}

nlohmann::json EnvironmentToJson(const benchd::v1::Environment& environment) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [key, value] : environment.entries()) object[key] = value;
  return object;
}

absl::StatusOr<benchd::v1::Environment> EnvironmentFromJson(const nlohmann::json& json) {
  if (!json.is_object()) return absl::InvalidArgumentError("environment: expected a JSON object");
  benchd::v1::Environment environment;
  for (const auto& [key, item] : json.items()) {
    if (!item.is_string()) {
      return absl::InvalidArgumentError("environment entry '" + key + "': expected a string");
    }
    (*environment.mutable_entries())[key] = item.get<std::string>();
  }
  return environment;
}

std::string ExperimentStateName(benchd::v1::ExperimentState state) {
  switch (state) {
    case benchd::v1::EXPERIMENT_STATE_PENDING:
      return "pending";
    case benchd::v1::EXPERIMENT_STATE_RUNNING:
      return "running";
    case benchd::v1::EXPERIMENT_STATE_SUCCEEDED:
      return "succeeded";
    case benchd::v1::EXPERIMENT_STATE_FAILED:
      return "failed";
    case benchd::v1::EXPERIMENT_STATE_CANCELLED:
      return "cancelled";
    default:
      return "";
  }
}

const benchd::v1::ParamValue* FindParam(const benchd::v1::Parameters& parameters,
                                        const std::string& name) {
  auto it = parameters.values().find(name);
  return it == parameters.values().end() ? nullptr : &it->second;
}

std::string MeasurementToJson(const benchd::v1::RunSummary& summary) {
  benchd::v1::RunSummary measurement;
  if (summary.has_power()) *measurement.mutable_power() = summary.power();
  *measurement.mutable_repeats() = summary.repeats();
  *measurement.mutable_warnings() = summary.warnings();
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(measurement, &json, options).ok()) return "{}";
  return json;
}

absl::Status MergeMeasurementJson(const std::string& json, benchd::v1::RunSummary& summary) {
  benchd::v1::RunSummary measurement;
  const auto parsed = google::protobuf::util::JsonStringToMessage(json, &measurement);
  if (!parsed.ok()) return absl::InvalidArgumentError("stored measurement JSON: " + parsed.ToString());
  summary.MergeFrom(measurement);
  return absl::OkStatus();
}

}  // namespace benchd::common
