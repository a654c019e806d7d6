#include "tests/unit/drivers_mcu/sim_board.h"

#include <csignal>
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/wait_until.h"

namespace benchd::agent::testing {

SimBoard::SimBoard(const std::string& dir, const std::string& name, const std::string& failure, double time_scale)
    : tty_(dir + "/" + name + ".tty"), state_(dir + "/" + name + "-state") {
  // posix_spawn does not search PATH; env sets the noise for this board only.
  std::vector<std::string> argv = {"/usr/bin/env", "BENCHD_SIM_NOISE=0", SIM_MCU_BOARD_BIN, "--state", state_,
                                   "--link", tty_, "--time-scale", std::to_string(time_scale)};
  if (!failure.empty()) {
    argv.push_back("--failure");
    argv.push_back(failure);
  }
  process_ = std::make_unique<benchd::testing::ChildProcess>(argv, dir + "/" + name + ".log");
  // The link appears once the pseudo-terminal is up: a condition in another
  // process, so a bounded poll.
  ok_ = benchd::testing::WaitUntil(
      [&] { return std::filesystem::is_symlink(tty_) || !process_->running(); }, std::chrono::seconds(20));
  ok_ = ok_ && process_->running();
  if (!ok_) ADD_FAILURE() << "sim-mcu-board did not start:\n" << process_->Log();
}

SimBoard::~SimBoard() {
  if (process_ == nullptr) return;
  process_->Signal(SIGTERM);
  (void)process_->WaitFor(std::chrono::seconds(10));
}

std::string SimBoard::BuildCommand(const std::string& protocol) {
  return nlohmann::json({SIM_MCU_BUILD_BIN, "--board", "{board}", "--model", "{model}", "--dtype", "{dtype}",
                         "--cmsis-nn", "{cmsis_nn}", "--opt", "{opt}", "--fpu", "{fpu}", "--out", "{out_dir}",
                         "--protocol", protocol})
      .dump();
}

std::string SimBoard::FlashCommand() const {
  return nlohmann::json({SIM_MCU_FLASH_BIN, "--state", state_, "--board", "{board}", "{binary}"}).dump();
}

}  // namespace benchd::agent::testing
