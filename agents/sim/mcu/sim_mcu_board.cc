// sim-mcu-board: a simulated STM32 board's serial port. Opens a
// pseudo-terminal, points the symlink given with --link at its slave side
// (use that path as the `mcu-tflm` device's `serial_port`), and answers as
// the firmware last flashed into --state (by sim-mcu-flash) would:
// agents/sim/mcu/emulated_firmware.h has the protocols and failure modes.
//
// Usage: sim-mcu-board --state DIR --link PATH [--time-scale F] [--failure MODE]
//   --time-scale  wall time per simulated time (default 1; 0.05 runs twenty
//                 times faster while printing the same tick counts)
//   --failure     the board's own BENCHD_SIM_FAILURE mode (default: the
//                 environment's); a mode recorded by the flasher wins
// Prints "ready pty=<slave> link=<PATH>" on stdout once the link exists.
// Runs until SIGTERM or SIGINT, then removes the link. One process per
// simulated board.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

#include "agents/sim/common/simulation.h"
#include "agents/sim/mcu/emulated_firmware.h"
#include "agents/sim/mcu/firmware_image.h"

namespace {

using benchd::sim::mcu::EmulatedFirmware;
using Clock = EmulatedFirmware::Clock;

constexpr int kExitUsage = 2;
constexpr int kExitSystem = 3;
// A UART drops what nobody reads. Drop whole lines once this much is queued
// for the reader, so a slow reader never sees half of one line glued to the
// next.
constexpr int kMaxQueuedBytes = 2048;

int Fail(const std::string& what) {
  std::cerr << "sim-mcu-board: " << what << ": " << std::strerror(errno) << "\n";
  return kExitSystem;
}

struct Pty {
  int master = -1;
  int slave = -1;  // held open so the line stays up while no reader is attached
  std::string slave_path;
};

int OpenPty(Pty& pty) {
  pty.master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (pty.master < 0 || ::grantpt(pty.master) != 0 || ::unlockpt(pty.master) != 0) return Fail("posix_openpt");
  const char* name = ::ptsname(pty.master);
  if (name == nullptr) return Fail("ptsname");
  pty.slave_path = name;
  pty.slave = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (pty.slave < 0) return Fail("open " + pty.slave_path);
  // Raw from the start: with the default line discipline the board's own
  // output would be echoed back to it as input.
  termios tio{};
  ::tcgetattr(pty.slave, &tio);
  ::cfmakeraw(&tio);
  ::tcsetattr(pty.slave, TCSANOW, &tio);
  const int flags = ::fcntl(pty.master, F_GETFL);
  ::fcntl(pty.master, F_SETFL, flags | O_NONBLOCK);
  return 0;
}

// Writes `text` line by line, dropping lines the reader has no room for.
void WriteLines(const Pty& pty, const std::string& text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end + 1;
    int queued = 0;
    ::ioctl(pty.slave, FIONREAD, &queued);
    if (queued + static_cast<int>(end - start) <= kMaxQueuedBytes) {
      // Non-blocking; a short write loses the rest of the line, like a UART
      // overrun, which the reader sees as a malformed line.
      (void)!::write(pty.master, text.data() + start, end - start);
    }
    start = end;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string state_dir;
  std::string link;
  double time_scale = 1.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--state") {
      state_dir = value;
    } else if (key == "--link") {
      link = value;
    } else if (key == "--time-scale") {
      time_scale = std::atof(value.c_str());
    } else if (key == "--failure") {
      ::setenv("BENCHD_SIM_FAILURE", value.c_str(), 1);
    } else {
      std::cerr << "sim-mcu-board: unknown argument '" << key << "'\n";
      return kExitUsage;
    }
  }
  if (state_dir.empty() || link.empty() || !(time_scale > 0) || argc % 2 == 0) {
    std::cerr << "usage: sim-mcu-board --state DIR --link PATH [--time-scale F] [--failure MODE]\n";
    return kExitUsage;
  }
  std::error_code error;
  std::filesystem::create_directories(state_dir, error);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  ::sigprocmask(SIG_BLOCK, &signals, nullptr);
  const int signal_fd = ::signalfd(-1, &signals, SFD_CLOEXEC);
  const int inotify_fd = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (signal_fd < 0 || inotify_fd < 0) return Fail("signalfd/inotify");
  if (::inotify_add_watch(inotify_fd, state_dir.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
    return Fail("watch " + state_dir);
  }
  Pty pty;
  if (const int failed = OpenPty(pty); failed != 0) return failed;
  std::filesystem::remove(link, error);
  std::filesystem::create_symlink(pty.slave_path, link, error);
  if (error) {
    std::cerr << "sim-mcu-board: link " << link << ": " << error.message() << "\n";
    return kExitSystem;
  }

  benchd::sim::Noise noise;
  EmulatedFirmware firmware(time_scale, benchd::sim::FailureFromEnvironment(), noise);
  // A board that was flashed before this process started boots what it has.
  if (std::optional<benchd::sim::mcu::BoardState> state = benchd::sim::mcu::ReadBoardState(state_dir)) {
    firmware.Reset(*state, Clock::now());
  }
  std::cout << "ready pty=" << pty.slave_path << " link=" << link << std::endl;

  while (!firmware.ExitRequested()) {
    int timeout_ms = -1;
    if (std::optional<Clock::time_point> due = firmware.NextDue()) {
      const auto wait = std::chrono::duration_cast<std::chrono::microseconds>(*due - Clock::now()).count();
      timeout_ms = wait <= 0 ? 0 : static_cast<int>((wait + 999) / 1000);
    }
    std::array<pollfd, 3> fds = {pollfd{pty.master, POLLIN, 0}, pollfd{inotify_fd, POLLIN, 0},
                                 pollfd{signal_fd, POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) return Fail("poll");
    if (fds[2].revents & POLLIN) break;
    if (fds[1].revents & POLLIN) {
      std::array<char, 4096> events{};
      bool flashed = false;
      for (ssize_t got; (got = ::read(inotify_fd, events.data(), events.size())) > 0;) {
        for (ssize_t offset = 0; offset < got;) {
          const auto* event = reinterpret_cast<const inotify_event*>(events.data() + offset);
          if (event->len > 0 && std::strcmp(event->name, benchd::sim::mcu::kStateFile) == 0) flashed = true;
          offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
        }
      }
      if (flashed) {
        if (std::optional<benchd::sim::mcu::BoardState> state = benchd::sim::mcu::ReadBoardState(state_dir)) {
          firmware.Reset(*state, Clock::now());
        }
      }
    }
    if (fds[0].revents & POLLIN) {
      std::array<char, 4096> input{};
      const ssize_t got = ::read(pty.master, input.data(), input.size());
      if (got > 0) firmware.OnInput(std::string_view(input.data(), static_cast<size_t>(got)), Clock::now());
    }
    WriteLines(pty, firmware.TakeDue(Clock::now()));
  }
  std::filesystem::remove(link, error);
  return firmware.ExitRequested().value_or(0);
}
