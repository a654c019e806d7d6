#pragma once

// Raw serial lines for boards and power meters: 8 data bits, no parity, one
// stop bit, no flow control, no modem hang-up, non-blocking reads (VMIN 0,
// VTIME 0), at one of the standard rates below.

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace benchd::common {

// 1200 ... 2000000 baud, as termios can set them.
[[nodiscard]] bool IsSupportedBaud(int64_t baud);

// Puts the terminal `fd` in that mode at `baud`. `what` names it in errors
// ("serial port '/dev/ttyACM0'"): INVALID_ARGUMENT "<what>: unsupported baud
// rate N"; UNAVAILABLE "<what> is not a terminal: ..." or "configure
// <what>: ...".
[[nodiscard]] absl::Status MakeRawTerminal(int fd, int64_t baud, const std::string& what);

}  // namespace benchd::common
