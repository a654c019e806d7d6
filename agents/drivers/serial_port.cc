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

namespace benchd::agent {
namespace {

using std::chrono::milliseconds;

// How often a blocked read looks at the cancel flag; cancellation has no
// descriptor to wait on.
constexpr milliseconds kCancelCheckInterval(100);

struct BaudRate {
  int64_t baud;
  speed_t speed;
};

constexpr std::array kBaudRates = {
    BaudRate{1200, B1200},     BaudRate{2400, B2400},     BaudRate{4800, B4800},
    BaudRate{9600, B9600},     BaudRate{19200, B19200},   BaudRate{38400, B38400},
    BaudRate{57600, B57600},   BaudRate{115200, B115200}, BaudRate{230400, B230400},
    BaudRate{460800, B460800}, BaudRate{921600, B921600}, BaudRate{1000000, B1000000},
    BaudRate{2000000, B2000000}};

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

bool SerialPort::IsSupportedBaud(int64_t baud) {
  return std::any_of(kBaudRates.begin(), kBaudRates.end(),
                     [&](const BaudRate& rate) { return rate.baud == baud; });
}

absl::StatusOr<std::unique_ptr<SerialPort>> SerialPort::Open(const std::string& path, int64_t baud) {
  const auto rate = std::find_if(kBaudRates.begin(), kBaudRates.end(),
                                 [&](const BaudRate& r) { return r.baud == baud; });
  if (rate == kBaudRates.end()) {
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
  termios tio{};
  if (::tcgetattr(fd, &tio) != 0) {
    return absl::UnavailableError("serial port '" + path + "' is not a terminal: " + ErrnoText(errno));
  }
  ::cfmakeraw(&tio);
  tio.c_cflag |= CLOCAL | CREAD | CS8;
  tio.c_cflag &= ~(CRTSCTS | HUPCL | CSTOPB | PARENB);
  tio.c_cc[VMIN] = 0;
  tio.c_cc[VTIME] = 0;
  if (::cfsetispeed(&tio, rate->speed) != 0 || ::cfsetospeed(&tio, rate->speed) != 0 ||
      ::tcsetattr(fd, TCSANOW, &tio) != 0) {
    return absl::UnavailableError("configure serial port '" + path + "': " + ErrnoText(errno));
  }
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
