#include "agents/drivers/serial_port.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "common/raw_terminal.h"
#include "common/status_util.h"

namespace benchd::agent {
namespace {

using std::chrono::milliseconds;

// How often a blocked read looks at the cancel flag; cancellation has no
// descriptor to wait on.
constexpr milliseconds kCancelCheckInterval(100);

std::string ErrnoText(int error) { return std::strerror(error); }

// Milliseconds until `deadline`, capped for the cancel check; 0 when past.
int PollTimeout(SerialPort::Clock::time_point deadline, bool cancellable) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - SerialPort::Clock::now());
  if (left < milliseconds::zero()) left = milliseconds::zero();
  if (cancellable) left = std::min(left, kCancelCheckInterval);
  // Round up, so a deadline a fraction of a millisecond away is not a busy loop.
  return static_cast<int>(left.count()) + (left.count() > 0 ? 0 : 1);
}

}  // namespace


absl::StatusOr<std::unique_ptr<SerialPort>> SerialPort::Open(const std::string& path, int64_t baud) {
  if (!common::IsSupportedBaud(baud)) {
    return absl::InvalidArgumentError("serial port '" + path + "': unsupported baud rate " +
                                      std::to_string(baud));
  }
  // O_NOCTTY: a board must never become the agent's controlling terminal.
  const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    std::string hint;
    if (error == EACCES) hint = " (the agent's user needs read-write access: group dialout)";
    if (error == EBUSY) hint = " (in exclusive use by another process)";
    return absl::UnavailableError("open serial port '" + path + "': " + ErrnoText(error) + hint);
  }
  auto port = std::unique_ptr<SerialPort>(new SerialPort(fd, path));
  if (::ioctl(fd, TIOCEXCL) != 0) {
    return absl::UnavailableError("serial port '" + path + "': exclusive access: " + ErrnoText(errno));
  }
  BENCHD_RETURN_IF_ERROR(common::MakeRawTerminal(fd, baud, "serial port '" + path + "'"));
  return port;
}

SerialPort::~SerialPort() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status SerialPort::DiscardInput() {
  buffer_.clear();
  if (::tcflush(fd_, TCIFLUSH) != 0) {
    return absl::UnavailableError("flush serial port '" + path_ + "': " + ErrnoText(errno));
  }
  return absl::OkStatus();
}

absl::Status SerialPort::Write(std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd_, data.data(), data.size());
    if (written > 0) {
      data.remove_prefix(static_cast<size_t>(written));
      continue;
    }
    if (written < 0 && errno != EAGAIN && errno != EINTR) {
      return absl::UnavailableError("write serial port '" + path_ + "': " + ErrnoText(errno));
    }
    if (Clock::now() >= deadline) {
      return absl::DeadlineExceededError("write serial port '" + path_ + "': the board does not accept input");
    }
    pollfd pfd{fd_, POLLOUT, 0};
    if (::poll(&pfd, 1, PollTimeout(deadline, false)) < 0 && errno != EINTR) {
      return absl::UnavailableError("poll serial port '" + path_ + "': " + ErrnoText(errno));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> SerialPort::ReadLine(Clock::time_point deadline,
                                                 const std::atomic<bool>* cancel) {
  while (true) {
    if (const size_t end = buffer_.find('\n'); end != std::string::npos) {
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, end + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    if (buffer_.size() > kMaxLineBytes) {
      buffer_.clear();
      return absl::DataLossError("serial port '" + path_ + "': more than " + std::to_string(kMaxLineBytes) +
                                 " bytes without a line break (noise or a wrong baud rate?)");
    }
    if (cancel != nullptr && cancel->load()) {
      return absl::CancelledError("read serial port '" + path_ + "': cancelled");
    }
    if (Clock::now() >= deadline) {
      return absl::DeadlineExceededError("read serial port '" + path_ + "': no complete line before the deadline" +
                                         (buffer_.empty() ? "" : " (partial: '" + buffer_.substr(0, 80) + "')"));
    }
    pollfd pfd{fd_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, PollTimeout(deadline, cancel != nullptr));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError("poll serial port '" + path_ + "': " + ErrnoText(errno));
    }
    if (ready == 0) continue;
    std::array<char, 4096> chunk{};
    const ssize_t got = ::read(fd_, chunk.data(), chunk.size());
    if (got > 0) {
      buffer_.append(chunk.data(), static_cast<size_t>(got));
    } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
      // A pseudo-terminal whose other side closed reads EIO; a USB adapter
      // that went away reads 0 or EIO.
      return absl::UnavailableError("serial port '" + path_ + "' hung up" +
                                    (got < 0 ? ": " + ErrnoText(errno) : std::string()));
    }
  }
}

}  // namespace benchd::agent
