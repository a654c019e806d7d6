#pragma once

// A serial port (a board's UART behind a USB bridge, /dev/ttyACM*, or a
// simulator's pseudo-terminal) in raw mode: 8 data bits, no parity, one stop
// bit, no flow control, no echo, no line editing. The only serial code in
// benchd.
//
// Reads are line-oriented with a deadline: `ReadLine` returns the next line
// without its "\n" or "\r\n", waiting with poll(2), never longer than the
// deadline. Opening takes exclusive access (TIOCEXCL), so two agents cannot
// talk to one board at once, and clears HUPCL, so closing the port does not
// drop DTR (which resets some boards).
//
// Errors: UNAVAILABLE when the port cannot be opened (missing, permission:
// the agent's user needs the `dialout` group, busy) or hangs up (USB
// unplugged, simulator gone); DEADLINE_EXCEEDED when no complete line came
// before the deadline; CANCELLED when `cancel` was set; DATA_LOSS for a line
// longer than `kMaxLineBytes` (noise, or a wrong baud rate); INVALID_ARGUMENT
// for a baud rate termios does not know.
// Thread-safety: not thread-safe; one user at a time. Owns its descriptor.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace benchd::agent {

class SerialPort {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr size_t kMaxLineBytes = 4096;

  [[nodiscard]] static absl::StatusOr<std::unique_ptr<SerialPort>> Open(const std::string& path,
                                                                        int64_t baud);

  ~SerialPort();
  SerialPort(const SerialPort&) = delete;
  SerialPort& operator=(const SerialPort&) = delete;

  const std::string& path() const { return path_; }

  // Drops everything received so far, in the kernel and here. After this the
  // next byte may be in the middle of a line the board was printing.
  [[nodiscard]] absl::Status DiscardInput();
  [[nodiscard]] absl::Status Write(std::string_view data, Clock::time_point deadline);
  [[nodiscard]] absl::StatusOr<std::string> ReadLine(Clock::time_point deadline,
                                                     const std::atomic<bool>* cancel = nullptr);

 private:
  SerialPort(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  int fd_ = -1;
  std::string path_;
  std::string buffer_;  // received bytes not yet returned as a line
};

}  // namespace benchd::agent
