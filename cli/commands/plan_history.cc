#include "cli/commands/plan_history.h"

#include <algorithm>
#include <vector>

#include "common/proto_json.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::cli {

FetchedHistory FetchLatencyHistory(const CoordinatorClient& client,
                                   const std::set<std::pair<std::string, std::string>>& wanted,
                                   const HistoryLimits& limits) {
  FetchedHistory fetched;
  if (wanted.empty()) return fetched;
  const auto deadline = std::chrono::steady_clock::now() + limits.budget;

  absl::StatusOr<std::vector<benchd::v1::Sweep>> sweeps = client.ListSweeps();
  if (!sweeps.ok()) {
    fetched.note = std::string(sweeps.status().message());
    return fetched;
  }
  // Newest first: recent runs reflect the lab's current firmware and tools.
  std::sort(sweeps->begin(), sweeps->end(),
            [](const benchd::v1::Sweep& a, const benchd::v1::Sweep& b) { return a.id() > b.id(); });

  int skipped_for_limits = 0;
  for (const benchd::v1::Sweep& sweep : *sweeps) {
    // A sweep without a successful run has no results to read; asking would
    // only spend the budget.
    if (sweep.progress().succeeded() == 0) continue;
    if (fetched.sweeps_read >= limits.max_sweeps || std::chrono::steady_clock::now() >= deadline) {
      ++skipped_for_limits;
      continue;
    }
    absl::StatusOr<std::vector<benchd::v1::Result>> results = client.QueryResults(sweep.id());
    if (!results.ok()) {
      // A sweep deleted since the listing is not worth a note; a coordinator
      // that stopped answering is, and asking it again would only wait.
      if (results.status().code() == absl::StatusCode::kNotFound) continue;
      fetched.note = fmt::format("history is partial: results of sweep {}: {}", sweep.id(),
                                 std::string(results.status().message()));
      return fetched;
    }
    ++fetched.sweeps_read;
    for (const benchd::v1::Result& result : *results) {
      const benchd::v1::ParamValue* platform = common::FindParam(result.parameters(), "platform");
      if (platform == nullptr || !platform->has_string_value()) continue;
      const std::string topology = TopologyOf(result.parameters());
      if (!wanted.count({platform->string_value(), topology})) continue;
      fetched.history.Add(platform->string_value(), topology,
                          ItemsPerIteration(result.parameters()),
                          result.summary().latency().mean_us());
    }
  }
  if (skipped_for_limits > 0) {
    fetched.note =
        fmt::format("history is partial: {} older sweeps not read (limits: {} sweeps, {} ms)",
                    skipped_for_limits, limits.max_sweeps, limits.budget.count());
  }
  return fetched;
}

}  // namespace benchd::cli
