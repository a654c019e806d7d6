#include "common/stop_signal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace benchd::common {
namespace {

int stop_pipe[2] = {-1, -1};

void OnStopSignal(int signal_number) {
  const int saved_errno = errno;
  const unsigned char byte = static_cast<unsigned char>(signal_number);
  // write() is async-signal-safe; a full pipe means a stop is already pending.
  [[maybe_unused]] ssize_t ignored = write(stop_pipe[1], &byte, 1);
  errno = saved_errno;
}

}  // namespace

void InstallStopSignalHandlers() {
  if (pipe2(stop_pipe, O_CLOEXEC) != 0) return;
  fcntl(stop_pipe[1], F_SETFL, O_NONBLOCK);
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int WaitForStopSignal() {
  unsigned char byte = 0;
  while (true) {
    const ssize_t n = read(stop_pipe[0], &byte, 1);
    if (n == 1) return byte;
    if (n < 0 && errno == EINTR) continue;
    return SIGTERM;  // the pipe is unusable: behave as if asked to stop
  }
}

}  // namespace benchd::common
