#include "daemon/store/pg_rows.h"

#include <tuple>

#include "absl/status/status.h"
#include "common/proto_json.h"
#include "daemon/store/pg_statements.h"
#include "google/protobuf/util/time_util.h"

namespace benchd::daemon {

using benchd::v1::ExperimentState;

std::string ExperimentStateText(ExperimentState state) { return common::ExperimentStateName(state); }

absl::StatusOr<ExperimentState> ExperimentStateFromText(const std::string& text) {
  for (ExperimentState state :
       {benchd::v1::EXPERIMENT_STATE_PENDING, benchd::v1::EXPERIMENT_STATE_RUNNING,
        benchd::v1::EXPERIMENT_STATE_SUCCEEDED, benchd::v1::EXPERIMENT_STATE_FAILED,
        benchd::v1::EXPERIMENT_STATE_CANCELLED}) {
    if (ExperimentStateText(state) == text) return state;
  }
  return absl::InternalError("unknown experiment state '" + text + "' in the database");
}

std::string RunStateText(benchd::v1::RunState state) {
  switch (state) {
    case benchd::v1::RUN_STATE_ASSIGNED:
      return "assigned";
    case benchd::v1::RUN_STATE_RUNNING:
      return "running";
    case benchd::v1::RUN_STATE_SUCCEEDED:
      return "succeeded";
    case benchd::v1::RUN_STATE_FAILED:
      return "failed";
    case benchd::v1::RUN_STATE_LOST:
      return "lost";
    case benchd::v1::RUN_STATE_CANCELLED:
      return "cancelled";
    default:
      return "";
  }
}

std::optional<std::string> FailureKindText(benchd::v1::FailureKind kind) {
  switch (kind) {
    case benchd::v1::FAILURE_KIND_MEASUREMENT:
      return "measurement";
    case benchd::v1::FAILURE_KIND_INFRASTRUCTURE:
      return "infrastructure";
    default:
      return std::nullopt;
  }
}

google::protobuf::Timestamp TimestampFromMicros(int64_t micros) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(micros);
}

std::optional<int64_t> MicrosFromTimestamp(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return std::nullopt;
  return google::protobuf::util::TimeUtil::TimestampToMicroseconds(timestamp);
}

namespace {

// Length of the valid UTF-8 sequence at the start of `text`, or 0.
size_t Utf8SequenceLength(std::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto continuation = [&](size_t i) { return i < text.size() && (byte(i) & 0xC0) == 0x80; };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (lead == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
    if (lead == 0xED && byte(1) >= 0xA0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (lead == 0xF0 && byte(1) < 0x90) return 0;   // overlong
    if (lead == 0xF4 && byte(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

nlohmann::json Sanitized(const nlohmann::json& json) {
  if (json.is_string()) return SanitizeText(json.get_ref<const std::string&>());
  if (json.is_array()) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& item : json) array.push_back(Sanitized(item));
    return array;
  }
  if (json.is_object()) {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [key, item] : json.items()) object[SanitizeText(key)] = Sanitized(item);
    return object;
  }
  return json;
}

}  // namespace

std::string SanitizeText(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  while (!text.empty()) {
    const size_t length = Utf8SequenceLength(text);
    if (length == 0) {
      clean += "\xEF\xBF\xBD";
      text.remove_prefix(1);
      continue;
    }
    if (text[0] != '\0') clean.append(text.data(), length);
    text.remove_prefix(length);
  }
  return clean;
}

std::string JsonText(const nlohmann::json& json) { return Sanitized(json).dump(); }

nlohmann::json JsonFromField(const pqxx::field& field) {
  if (field.is_null()) return nlohmann::json::object();
  return nlohmann::json::parse(field.c_str());
}

double DoubleOr(const pqxx::field& field, double fallback) {
  return field.is_null() ? fallback : field.as<double>();
}

int64_t Int64Or(const pqxx::field& field, int64_t fallback) {
  return field.is_null() ? fallback : field.as<int64_t>();
}

std::string Int64ArrayText(const std::vector<int64_t>& values) {
  std::string text = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ',';
    text += std::to_string(values[i]);
  }
  text += '}';
  return text;
}

std::vector<std::string> TextArrayFromField(const pqxx::field& field) {
  std::vector<std::string> values;
  if (field.is_null()) return values;
  pqxx::array_parser parser = field.as_array();
  for (auto [juncture, text] = parser.get_next(); juncture != pqxx::array_parser::juncture::done;
       std::tie(juncture, text) = parser.get_next()) {
    if (juncture == pqxx::array_parser::juncture::string_value) values.push_back(std::move(text));
  }
  return values;
}

std::vector<int64_t> Int64ArrayFromField(const pqxx::field& field) {
  std::vector<int64_t> values;
  for (const std::string& text : TextArrayFromField(field)) {
    int64_t value = 0;
    pqxx::from_string(text, value);
    values.push_back(value);
  }
  return values;
}

std::string TextArrayText(const std::vector<std::string>& values) {
  std::string text = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ',';
    text += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') text += '\\';
      text += c;
    }
    text += '"';
  }
  text += '}';
  return text;
}

void InsertEvent(pqxx::work& tx, const Event& event) {
  tx.exec_prepared(sql::kInsertEvent, event.kind, event.sweep_id, event.experiment_id, event.run_id,
                   event.agent, event.message, event.device, event.duration_ms);
}

}  // namespace benchd::daemon
