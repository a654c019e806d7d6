#pragma once

// The process exit codes of `benchctl`, so that scripts can tell a bad sweep
// file from a coordinator that is down. The numbers are part of the CLI's
// interface: never renumber, only append.

#include <string_view>

#include "absl/status/status.h"

namespace benchd::cli {

enum class ExitCode : int {
  kOk = 0,
  // A bug or a coordinator answer the CLI does not expect.
  kInternal = 1,
  // Bad flags, an unreadable file, an ambiguous device name, or
  // INVALID_ARGUMENT or FAILED_PRECONDITION (say, rerunning a cancelled
  // sweep) from the coordinator.
  kBadInput = 2,
  // The coordinator is not running, unreachable, or did not answer in time.
  kUnavailable = 3,
  // An unknown sweep id, agent or device.
  kNotFound = 4,
  // `submit --watch`, `watch`: the sweep finished, but not every experiment
  // succeeded.
  kSweepFailed = 5,
};

inline int ToInt(ExitCode code) { return static_cast<int>(code); }

// Maps an error that reached the command boundary to its exit code. OK maps
// to `kOk`; codes without a dedicated exit code map to `kInternal`.
ExitCode ExitCodeForStatus(const absl::Status& status);

// The `--help` footer that documents the codes above.
inline constexpr std::string_view kExitCodeHelp =
    "Exit codes:\n"
    "  0  success\n"
    "  1  internal or unexpected error\n"
    "  2  usage error or bad input (bad flags, unreadable file, ambiguous device name, sweep "
    "rejected by the coordinator, request its state does not allow)\n"
    "  3  coordinator unavailable (not running, unreachable, or no answer within --timeout)\n"
    "  4  not found (unknown sweep id, agent or device)\n"
    "  5  watch, submit --watch: the sweep finished with failed or cancelled experiments\n";

}  // namespace benchd::cli
