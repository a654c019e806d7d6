// PgStore::CreateSweep: a sweep of up to a million experiments in one
// transaction. The cost is all in the experiment rows, so they are written as
// COPY text that this file formats itself, in chunks of about a megabyte,
// while the server ingests the previous chunk.

#include <algorithm>
#include <charconv>
#include <map>
#include <pqxx/pqxx>
#include <pqxx/tablewriter>
#include <string_view>
#include <tuple>

#include "common/proto_json.h"
#include "daemon/store/pg_rows.h"
#include "daemon/store/pg_statements.h"
#include "daemon/store/pg_store.h"
#include "daemon/store/pg_transact.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::daemon {
namespace {

constexpr size_t kCopyChunkBytes = 1 << 20;

// The per-experiment checks; O(n) with no allocation per experiment.
absl::Status ValidateSweep(const NewSweep& sweep) {
  bool dense = true;  // ordinals 0, 1, 2, ...: unique without a set
  for (size_t i = 0; i < sweep.experiments.size(); ++i) {
    const NewExperiment& experiment = sweep.experiments[i];
    if (experiment.platform.empty()) {
      return absl::InvalidArgumentError(fmt::format("experiment {} has no platform", experiment.ordinal));
    }
    if (experiment.max_attempts < 1) {
      return absl::InvalidArgumentError(fmt::format("experiment {}: max_attempts {} is below 1",
                                                    experiment.ordinal, experiment.max_attempts));
    }
    dense = dense && experiment.ordinal == static_cast<int>(i);
  }
  if (dense) return absl::OkStatus();
  std::vector<int> ordinals;
  ordinals.reserve(sweep.experiments.size());
  for (const auto& experiment : sweep.experiments) ordinals.push_back(experiment.ordinal);
  std::sort(ordinals.begin(), ordinals.end());
  if (auto twice = std::adjacent_find(ordinals.begin(), ordinals.end()); twice != ordinals.end()) {
    return absl::InvalidArgumentError(fmt::format("experiment ordinal {} appears twice", *twice));
  }
  return absl::OkStatus();
}

// One row of run_settings: what an experiment runs with besides its
// parameters. Experiments of a sweep share a handful of these.
struct SettingsRow {
  int warmup = 0;
  int iterations = 0;
  int repeats = 0;
  int64_t timeout_ms = 0;
  int64_t min_duration_ms = 0;
  int power_sample_hz = 0;
  int64_t power_idle_ms = 0;
  int64_t power_base_ms = 0;
  double ci_target = 0;
  int max_repeats = 0;
  const std::map<std::string, std::string>* requires_labels = nullptr;

  static SettingsRow Of(const NewExperiment& experiment) {
    const benchd::v1::RunSettings& s = experiment.settings;
    return {s.warmup(),          s.iterations(),          s.repeats(),
            s.timeout_ms(),      s.min_duration_ms(),     s.power().sample_hz(),
            s.power().idle_ms(), s.power().base_ms(),     s.ci_target(),
            s.max_repeats(),     &experiment.requires_labels};
  }
  auto Tie() const {
    return std::tie(warmup, iterations, repeats, timeout_ms, min_duration_ms, power_sample_hz, power_idle_ms,
                    power_base_ms, ci_target, max_repeats, *requires_labels);
  }
  bool operator<(const SettingsRow& other) const { return Tie() < other.Tie(); }
  bool operator==(const SettingsRow& other) const { return Tie() == other.Tie(); }
};

// The distinct settings of a sweep, and which one each experiment uses.
struct SweepSettings {
  std::vector<SettingsRow> rows;
  std::vector<uint32_t> of_experiment;
};

SweepSettings DistinctSettings(const NewSweep& sweep) {
  SweepSettings settings;
  settings.of_experiment.reserve(sweep.experiments.size());
  std::map<SettingsRow, uint32_t> index;
  for (const NewExperiment& experiment : sweep.experiments) {
    SettingsRow row = SettingsRow::Of(experiment);
    // Neighbours almost always share their settings: skip the map lookup.
    if (!settings.of_experiment.empty() && settings.rows[settings.of_experiment.back()] == row) {
      settings.of_experiment.push_back(settings.of_experiment.back());
      continue;
    }
    auto [it, added] = index.emplace(row, static_cast<uint32_t>(settings.rows.size()));
    if (added) settings.rows.push_back(row);
    settings.of_experiment.push_back(it->second);
  }
  return settings;
}

// COPY text format: backslash, tab, newline and carriage return are escaped.
void AppendCopyText(std::string& out, std::string_view text) {
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '\\' && c != '\t' && c != '\n' && c != '\r') continue;
    out.append(text.data() + start, i - start);
    out += c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : "\\r";
    start = i + 1;
  }
  out.append(text.data() + start, text.size() - start);
}

void AppendInt(std::string& out, int64_t value) {
  char buffer[24];
  const auto end = std::to_chars(buffer, buffer + sizeof(buffer), value).ptr;
  out.append(buffer, end);
}

// `tablewriter` is deprecated in libpqxx 6.4 in favour of `stream_to`, but
// only it can send text we formatted ourselves (`stream_to::write_raw_line`
// is private there); `stream_to`'s per-field escaping was a third of the
// client's time. Safe with our UTF-8 databases: no byte of a multibyte UTF-8
// character is an ASCII tab, newline or backslash.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
void CopyExperiments(pqxx::work& tx, const NewSweep& sweep, int64_t first_id, int64_t sweep_id,
                     const SweepSettings& settings, const std::vector<int64_t>& settings_ids,
                     const std::vector<std::string>& rendered_parameters) {
  const auto& target = sql::ExperimentsCopy();
  pqxx::tablewriter writer(tx, target.table, target.columns.begin(), target.columns.end());
  std::string sweep_field = "\t";
  AppendInt(sweep_field, sweep_id);
  sweep_field += '\t';
  std::vector<std::string> settings_fields;
  for (int64_t id : settings_ids) {
    settings_fields.emplace_back();
    AppendInt(settings_fields.back(), id);
  }
  std::string chunk;
  chunk.reserve(kCopyChunkBytes + 4096);
  for (size_t i = 0; i < sweep.experiments.size(); ++i) {
    const NewExperiment& experiment = sweep.experiments[i];
    if (!chunk.empty()) chunk += '\n';
    AppendInt(chunk, first_id + static_cast<int64_t>(i));
    chunk += sweep_field;
    AppendInt(chunk, experiment.ordinal);
    chunk += '\t';
    AppendCopyText(chunk, experiment.platform);
    chunk += '\t';
    AppendCopyText(chunk, experiment.parameters_json.empty() ? rendered_parameters[i] : experiment.parameters_json);
    chunk += '\t';
    AppendInt(chunk, experiment.max_attempts);
    chunk += '\t';
    AppendCopyText(chunk, experiment.config_key);
    chunk += '\t';
    AppendCopyText(chunk, experiment.point_key);
    chunk += '\t';
    chunk += settings_fields[settings.of_experiment[i]];
    // write_raw_line adds the last newline; rows need not align with calls.
    if (chunk.size() >= kCopyChunkBytes) {
      writer.write_raw_line(chunk);
      chunk.clear();
    }
  }
  if (!chunk.empty()) writer.write_raw_line(chunk);
  writer.complete();
}
#pragma GCC diagnostic pop

}  // namespace

absl::StatusOr<int64_t> PgStore::CreateSweep(const NewSweep& sweep) {
  const std::string what = fmt::format("create sweep '{}'", sweep.name);
  if (absl::Status valid = ValidateSweep(sweep); !valid.ok()) {
    return absl::InvalidArgumentError(fmt::format("{}: {}", what, std::string(valid.message())));
  }
  // Prepared once, outside the transaction, which may be rerun.
  const SweepSettings settings = DistinctSettings(sweep);
  std::vector<std::string> rendered_parameters(sweep.experiments.size());
  for (size_t i = 0; i < sweep.experiments.size(); ++i) {
    const NewExperiment& experiment = sweep.experiments[i];
    if (experiment.parameters_json.empty()) {
      rendered_parameters[i] = JsonText(common::ParametersToJson(experiment.parameters));
    }
  }
  return Transact(*pool_, what, [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    const int64_t sweep_id =
        tx.exec_prepared1(sql::kInsertSweep, sweep.name, sweep.yaml, sweep.priority, sweep.resumed_from)[0]
            .as<int64_t>();
    std::vector<int64_t> settings_ids;
    for (const SettingsRow& row : settings.rows) {
      settings_ids.push_back(tx.exec_prepared1(sql::kInsertRunSettings, sweep_id, row.warmup, row.iterations,
                                               row.repeats, row.timeout_ms, row.min_duration_ms,
                                               row.power_sample_hz, row.power_idle_ms, row.power_base_ms,
                                               JsonText(nlohmann::json(*row.requires_labels)), row.ci_target,
                                               row.max_repeats)[0]
                                 .as<int64_t>());
    }
    // COPY: row-by-row INSERTs would cost a round trip per experiment. One
    // connection: splitting the COPY over two (the second half committed
    // first under the not yet committed sweep id) cost the server 35 % more
    // CPU in index and relation-extension contention and was no faster on
    // this 2-core machine (5.9-6.0 s against 5.1-5.6 s for 1M experiments).
    if (!sweep.experiments.empty()) {
      const int64_t last_id =
          tx.exec_prepared1(sql::kReserveExperimentIds, static_cast<int64_t>(sweep.experiments.size()))[1]
              .as<int64_t>();
      const int64_t first_id = last_id - static_cast<int64_t>(sweep.experiments.size()) + 1;
      CopyExperiments(tx, sweep, first_id, sweep_id, settings, settings_ids, rendered_parameters);
    }
    InsertEvent(tx, {.kind = "sweep_submitted",
                     .sweep_id = sweep_id,
                     .message = fmt::format("sweep '{}' submitted with {} experiments", sweep.name,
                                            sweep.experiments.size())});
    return sweep_id;
  });
}

}  // namespace benchd::daemon
