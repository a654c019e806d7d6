#pragma once

// A ProcessRunner that launches nothing: it records every spec and answers
// with scripted results, in order. For driver tests.

#include <atomic>
#include <deque>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/process_runner.h"

namespace benchd::agent::testing {

class FakeProcessRunner final : public common::ProcessRunner {
 public:
  absl::StatusOr<common::ProcessOutcome> Run(const common::ProcessSpec& spec,
                                             const std::atomic<bool>* cancel) override {
    specs.push_back(spec);
    cancels.push_back(cancel);
    if (results.empty()) return absl::InternalError("fake process runner: nothing scripted");
    absl::StatusOr<common::ProcessOutcome> result = std::move(results.front());
    results.pop_front();
    return result;
  }

  // Scripts one process that exits with `code`.
  void AddExit(int code, std::string stdout_text, std::string stderr_text = "") {
    common::ProcessOutcome outcome;
    outcome.exit_code = code;
    outcome.stdout_text = std::move(stdout_text);
    outcome.stderr_text = std::move(stderr_text);
    results.emplace_back(std::move(outcome));
  }

  std::vector<common::ProcessSpec> specs;
  std::vector<const std::atomic<bool>*> cancels;
  std::deque<absl::StatusOr<common::ProcessOutcome>> results;
};

}  // namespace benchd::agent::testing
