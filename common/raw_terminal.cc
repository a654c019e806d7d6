#include "common/raw_terminal.h"

#include <termios.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace benchd::common {
namespace {

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

}  // namespace

bool IsSupportedBaud(int64_t baud) {
  return std::any_of(kBaudRates.begin(), kBaudRates.end(), [&](const BaudRate& rate) { return rate.baud == baud; });
}

absl::Status MakeRawTerminal(int fd, int64_t baud, const std::string& what) {
  const auto rate =
      std::find_if(kBaudRates.begin(), kBaudRates.end(), [&](const BaudRate& r) { return r.baud == baud; });
  if (rate == kBaudRates.end()) {
    return absl::InvalidArgumentError(what + ": unsupported baud rate " + std::to_string(baud));
  }
  termios tio{};
  if (::tcgetattr(fd, &tio) != 0) {
    return absl::UnavailableError(what + " is not a terminal: " + std::strerror(errno));
  }
  ::cfmakeraw(&tio);
  tio.c_cflag |= CLOCAL | CREAD | CS8;
  tio.c_cflag &= ~(CRTSCTS | HUPCL | CSTOPB | PARENB);
  tio.c_cc[VMIN] = 0;
  tio.c_cc[VTIME] = 0;
  if (::cfsetispeed(&tio, rate->speed) != 0 || ::cfsetospeed(&tio, rate->speed) != 0 ||
      ::tcsetattr(fd, TCSANOW, &tio) != 0) {
    return absl::UnavailableError("configure " + what + ": " + std::strerror(errno));
  }
  return absl::OkStatus();
}

}  // namespace benchd::common
