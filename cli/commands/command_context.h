#pragma once

// What every `benchctl` command gets: the coordinator and where to write.
// Results go to `out` (stdout), progress and notes to `err` (stderr); errors
// are returned, not printed, and the caller prints them once.
//
// Nothing here is owned; all of it must outlive the command call.

#include <ostream>

#include "cli/coordinator_client.h"

namespace benchd::cli {

struct CommandContext {
  const CoordinatorClient& client;
  std::ostream& out;
  std::ostream& err;
  // Whether `err` is a terminal, which decides between a progress bar drawn
  // in place and plain progress lines.
  bool err_is_tty = false;
};

}  // namespace benchd::cli
