// PgStore::CreateSweep: a sweep of up to a million experiments in one
// transaction. The cost is all in the experiment rows, so they are written as
// COPY text that this file formats itself, in chunks of about a megabyte,
// while the server ingests the previous chunk. A large sweep goes into tables
// of its own, indexed after the COPY and then attached as partitions of
// `experiments` (migration 0007 explains why); a small one into the shared
// partition.

#include <algorithm>
#include <charconv>
#include <future>
#include <map>
#include <pqxx/pqxx>
#include <pqxx/tablewriter>
#include <string_view>
#include <tuple>

#include "common/proto_json.h"
#include "common/status_util.h"
#include "daemon/store/pg_rows.h"
#include "daemon/store/pg_statements.h"
#include "daemon/store/pg_store.h"
#include "daemon/store/pg_transact.h"
#include "spdlog/fmt/fmt.h"
#include "spdlog/spdlog.h"

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

// A contiguous slice of a sweep's experiments: COPYed into `experiments`
// (a small sweep, which lands in the shared partition), or into a table of
// its own that becomes a partition (migration 0007).
struct SweepPart {
  std::string table;
  size_t begin = 0;  // experiments [begin, end) of the sweep
  size_t end = 0;
  int64_t first_id = 0;  // their ids: first_id + (i - begin)
  bool own_table = false;

  int64_t end_id() const { return first_id + static_cast<int64_t>(end - begin); }
};

// What the COPY lines of one part need besides the experiments.
struct CopyContext {
  const NewSweep& sweep;
  int64_t sweep_id;
  const SweepSettings& settings;
  const std::vector<int64_t>& settings_ids;
  const std::vector<std::string>& rendered_parameters;
};

// `tablewriter` is deprecated in libpqxx 6.4 in favour of `stream_to`, but
// only it can send text we formatted ourselves (`stream_to::write_raw_line`
// is private there); `stream_to`'s per-field escaping was a third of the
// client's time. Safe with our UTF-8 databases: no byte of a multibyte UTF-8
// character is an ASCII tab, newline or backslash.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
void CopyExperiments(pqxx::work& tx, const SweepPart& part, const CopyContext& context) {
  const auto& columns = sql::ExperimentsCopy().columns;
  pqxx::tablewriter writer(tx, part.table, columns.begin(), columns.end());
  std::string sweep_field = "\t";
  AppendInt(sweep_field, context.sweep_id);
  sweep_field += '\t';
  std::vector<std::string> settings_fields;
  for (int64_t id : context.settings_ids) {
    settings_fields.emplace_back();
    AppendInt(settings_fields.back(), id);
  }
  std::string chunk;
  chunk.reserve(kCopyChunkBytes + 4096);
  for (size_t i = part.begin; i < part.end; ++i) {
    const NewExperiment& experiment = context.sweep.experiments[i];
    if (!chunk.empty()) chunk += '\n';
    AppendInt(chunk, part.first_id + static_cast<int64_t>(i - part.begin));
    chunk += sweep_field;
    AppendInt(chunk, experiment.ordinal);
    chunk += '\t';
    AppendCopyText(chunk, experiment.platform);
    chunk += '\t';
    AppendCopyText(chunk, experiment.parameters_json.empty() ? context.rendered_parameters[i]
                                                             : experiment.parameters_json);
    chunk += '\t';
    AppendInt(chunk, experiment.max_attempts);
    chunk += '\t';
    AppendCopyText(chunk, experiment.config_key);
    chunk += '\t';
    AppendCopyText(chunk, experiment.point_key);
    chunk += '\t';
    chunk += settings_fields[context.settings.of_experiment[i]];
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

// Creates the part's table, COPYs its rows, then builds its indexes: each
// index costs about a quarter of what the same rows inserted one by one
// into an indexed table cost.
void FillSweepPart(pqxx::work& tx, const SweepPart& part, const CopyContext& context) {
  tx.exec0(sql::CreateSweepPart(part.table, part.first_id, part.end_id()));
  CopyExperiments(tx, part, context);
  for (const std::string& statement : sql::IndexSweepPart(part.table)) tx.exec0(statement);
}

// A small sweep is COPYed into the shared partition; a large one into two
// tables of its own, filled over two connections at once (the server's work
// is one core per connection).
std::vector<SweepPart> SplitSweep(int64_t sweep_id, size_t experiments, int64_t first_id, bool own_tables) {
  if (!own_tables) {
    return {SweepPart{sql::ExperimentsCopy().table, 0, experiments, first_id, false}};
  }
  std::vector<SweepPart> split;
  for (size_t k = 0, begin = 0; k < 2; ++k) {
    const size_t end = experiments * (k + 1) / 2;
    split.push_back({fmt::format("experiments_sweep_{}_{}", sweep_id, k + 1), begin, end,
                     first_id + static_cast<int64_t>(begin), true});
    begin = end;
  }
  return split;
}

}  // namespace

absl::Status PgStore::DropAbandonedSweepParts(const std::vector<std::string>& tables, int64_t older_than_s) {
  return Transact(*pool_, "drop abandoned sweep tables", [&](pqxx::work& tx) -> absl::Status {
    for (const auto& row : tx.exec_prepared(sql::kAbandonedSweepParts, TextArrayText(tables), older_than_s)) {
      const std::string table = row[0].as<std::string>();
      spdlog::warn("dropping table {}: filled for a sweep that was never stored", table);
      tx.exec0("DROP TABLE IF EXISTS " + tx.quote_name(table));
      tx.exec_prepared0(sql::kUnstageSweepPart, table);
    }
    return absl::OkStatus();
  });
}

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
  // Tables committed by the second connection, dropped below unless the
  // sweep's transaction attached them.
  std::vector<std::string> staged;
  auto created = Transact(*pool_, what, [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    // The ids first, so that the sweep row records its block. A large
    // sweep's come from the sequence above the shared partition's range.
    const auto count = static_cast<int64_t>(sweep.experiments.size());
    const bool own_tables = count >= std::max<int64_t>(static_cast<int64_t>(options_.parallel_store_from), 2);
    int64_t first_id = 0;
    if (count > 0) {
      first_id = tx.exec_prepared1(sql::kReserveExperimentIds, count,
                                   own_tables ? "experiment_table_ids" : "experiments_id_seq")[1]
                     .as<int64_t>() -
                 count + 1;
    }
    const int64_t sweep_id =
        tx.exec_prepared1(sql::kInsertSweep, sweep.name, sweep.yaml, sweep.priority, sweep.resumed_from, first_id,
                          count > 0 ? first_id + count : 0)[0]
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
    if (count > 0) {
      const std::vector<SweepPart> parts =
          SplitSweep(sweep_id, sweep.experiments.size(), first_id, own_tables);
      const CopyContext context{sweep, sweep_id, settings, settings_ids, rendered_parameters};
      if (!parts[0].own_table) {
        CopyExperiments(tx, parts[0], context);
      } else {
        // The second part is filled and committed on a connection of its own
        // while this one fills the first; a table created by an uncommitted
        // transaction is invisible to others, so only a committed one can be
        // attached here. A private connection, so a busy pool cannot stall it.
        staged.push_back(parts[1].table);
        std::future<absl::Status> second = std::async(std::launch::async, [&, part = parts[1]] {
          ConnectionPool own(options_.dsn, 1, sql::PrepareAll);
          return Transact(own, fmt::format("{}: store experiments {}-{}", what, part.begin, part.end - 1),
                          [&](pqxx::work& helper) {
                            helper.exec_prepared0(sql::kStageSweepPart, part.table);
                            FillSweepPart(helper, part, context);
                            return absl::OkStatus();
                          });
        });
        try {
          FillSweepPart(tx, parts[0], context);
        } catch (...) {
          second.wait();
          throw;
        }
        BENCHD_RETURN_IF_ERROR(second.get());
        for (const SweepPart& part : parts) {
          tx.exec0(sql::AttachSweepPart(part.table, part.first_id, part.end_id()));
          tx.exec0(sql::DropSweepPartCheck(part.table));
          tx.exec_prepared0(sql::kUnstageSweepPart, part.table);
        }
      }
    }
    InsertEvent(tx, {.kind = "sweep_submitted",
                     .sweep_id = sweep_id,
                     .message = fmt::format("sweep '{}' submitted with {} experiments", sweep.name,
                                            sweep.experiments.size())});
    return sweep_id;
  });
  if (!staged.empty()) {
    // Parts of attempts that did not commit: the sweep's failed transaction
    // took its own tables with it, but not those the second connection made.
    if (absl::Status dropped = DropAbandonedSweepParts(staged, kStagedPartMaxAgeS); !dropped.ok()) {
      spdlog::warn("{}: {}", what, dropped.ToString());
    }
  }
  return created;
}

}  // namespace benchd::daemon
