#pragma once

// Conversions between database values and benchd.v1 messages, and the event
// writer shared by the PgStore operations. Internal to daemon/store.

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "benchd/v1/common.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "nlohmann/json.hpp"

namespace benchd::daemon {

// The text the schema's CHECK constraints allow, and back. Unknown text is
// INTERNAL: it can only come from a schema this code does not match.
std::string ExperimentStateText(benchd::v1::ExperimentState state);
absl::StatusOr<benchd::v1::ExperimentState> ExperimentStateFromText(const std::string& text);
std::string RunStateText(benchd::v1::RunState state);
// NULL for FAILURE_KIND_UNSPECIFIED.
std::optional<std::string> FailureKindText(benchd::v1::FailureKind kind);

google::protobuf::Timestamp TimestampFromMicros(int64_t micros);
// nullopt for an unset timestamp, so the database substitutes now().
std::optional<int64_t> MicrosFromTimestamp(const google::protobuf::Timestamp& timestamp);

// `text` made storable in a text column of a UTF8 database: NUL bytes are
// dropped and invalid UTF-8 sequences become U+FFFD. Strings from agents
// (tool errors, log lines) can hold anything, and must not make a report
// unstorable, which would block the agent's spool forever.
std::string SanitizeText(std::string_view text);
// JSON text for a jsonb parameter, with every key and string sanitised the
// same way (jsonb also refuses \u0000).
std::string JsonText(const nlohmann::json& json);
// Parses a jsonb column; throws nlohmann::json::parse_error (translated by
// `Transact`) on text the database could not have produced.
nlohmann::json JsonFromField(const pqxx::field& field);

// A field that may be NULL, with a default.
double DoubleOr(const pqxx::field& field, double fallback);
int64_t Int64Or(const pqxx::field& field, int64_t fallback);

// "{1,2,3}": a bigint[] parameter.
std::string Int64ArrayText(const std::vector<int64_t>& values);
// The elements of a bigint[] field; none for NULL.
std::vector<int64_t> Int64ArrayFromField(const pqxx::field& field);
// The elements of a text[] field (NULL elements skipped); none for NULL.
std::vector<std::string> TextArrayFromField(const pqxx::field& field);
// {"a","b"}: a text[] parameter.
std::string TextArrayText(const std::vector<std::string>& values);

// One row of the events table; unset ids stay NULL.
struct Event {
  std::string kind{};
  std::optional<int64_t> sweep_id{};
  std::optional<int64_t> experiment_id{};
  std::optional<int64_t> run_id{};
  std::optional<std::string> agent{};
  std::string message{};
  std::optional<std::string> device{};
  std::optional<int64_t> duration_ms{};
};
void InsertEvent(pqxx::work& tx, const Event& event);

}  // namespace benchd::daemon
