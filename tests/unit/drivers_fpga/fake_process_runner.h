#pragma once

// A ProcessRunner that launches nothing: it records every spec and answers
// with scripted results, in order (the pattern of
// tests/unit/agents/fake_process_runner.h). A scripted result may carry an
// action that runs "inside" the process, with its spec: FINN's driver.py
// writes nw_metrics.txt into its working directory, and the FINN driver reads
// that file after the process ends. Also records what the stdin file of a
// benchd-stdin-exec launch held at launch time.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/process_runner.h"

namespace benchd::agent::testing {

class FakeProcessRunner final : public common::ProcessRunner {
 public:
  using Action = std::function<void(const common::ProcessSpec&)>;

  absl::StatusOr<common::ProcessOutcome> Run(const common::ProcessSpec& spec,
                                             const std::atomic<bool>* cancel) override {
    specs.push_back(spec);
    cancels.push_back(cancel);
    // What a tool would read on stdin, kept for assertions.
    std::string input;
    if (!spec.stdin_path.empty()) {
      std::ifstream file(spec.stdin_path);
      std::ostringstream text;
      text << file.rdbuf();
      input = text.str();
    }
    inputs.push_back(input);
    if (results.empty()) return absl::InternalError("fake process runner: nothing scripted");
    auto [result, action] = std::move(results.front());
    results.pop_front();
    if (action) action(spec);
    return result;
  }

  // Scripts one process that exits with `code`, running `action` first.
  void AddExit(int code, std::string stdout_text, std::string stderr_text = "", Action action = nullptr) {
    common::ProcessOutcome outcome;
    outcome.exit_code = code;
    outcome.stdout_text = std::move(stdout_text);
    outcome.stderr_text = std::move(stderr_text);
    results.emplace_back(std::move(outcome), std::move(action));
  }
  void AddOutcome(common::ProcessOutcome outcome) { results.emplace_back(std::move(outcome), nullptr); }
  // Gives the last scripted process the timing a real run records: it ended
  // at `ended_ns` on the steady clock after running for `wall_time`.
  void TimeLast(int64_t ended_ns, std::chrono::nanoseconds wall_time) {
    results.back().first->ended_ns = ended_ns;
    results.back().first->wall_time = wall_time;
  }
  void AddLaunchError(absl::Status status) { results.emplace_back(std::move(status), nullptr); }

  std::vector<common::ProcessSpec> specs;
  std::vector<const std::atomic<bool>*> cancels;
  std::vector<std::string> inputs;
  std::deque<std::pair<absl::StatusOr<common::ProcessOutcome>, Action>> results;
};

}  // namespace benchd::agent::testing
