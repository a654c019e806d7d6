#pragma once

// A FakeProcessRunner that can also act like the tool it stands for before
// answering: the hook sees each spec, e.g. to write the file a tool would
// write (trtexec's --exportTimes trace).

#include <functional>

#include "tests/unit/agents/fake_process_runner.h"

namespace benchd::agent::testing {

class HookedRunner final : public common::ProcessRunner {
 public:
  absl::StatusOr<common::ProcessOutcome> Run(const common::ProcessSpec& spec,
                                             const std::atomic<bool>* cancel) override {
    if (hook) hook(spec);
    return fake.Run(spec, cancel);
  }

  FakeProcessRunner fake;
  std::function<void(const common::ProcessSpec&)> hook;
};

}  // namespace benchd::agent::testing
