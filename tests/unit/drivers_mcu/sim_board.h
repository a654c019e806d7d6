#pragma once

// One simulated board (agents/sim/mcu/sim_mcu_board.cc) for tests: started
// in `dir`, with its serial port at `tty()` and its flash state in
// `state()`. The destructor stops it. Noise is off, so latencies equal the
// published figures.

#include <memory>
#include <string>

#include "tests/e2e/child_process.h"

namespace benchd::agent::testing {

class SimBoard {
 public:
  // `failure` is the board's own failure mode ("" for none); `time_scale`
  // compresses wall time. Aborts the test (ADD_FAILURE) when the board does
  // not come up.
  SimBoard(const std::string& dir, const std::string& name, const std::string& failure = "",
           double time_scale = 0.05);
  ~SimBoard();

  const std::string& tty() const { return tty_; }
  const std::string& state() const { return state_; }
  bool ok() const { return ok_; }
  std::string Log() const { return process_ ? process_->Log() : ""; }

  // argv templates for the sim build and flash commands, as JSON text.
  static std::string BuildCommand(const std::string& protocol);
  std::string FlashCommand() const;

 private:
  std::string tty_;
  std::string state_;
  bool ok_ = false;
  std::unique_ptr<benchd::testing::ChildProcess> process_;
};

}  // namespace benchd::agent::testing
