#include "agents/power/line_reader.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace benchd::agent::power {
namespace {

// Owns the eventfd a stop request writes to.
class StopEvent {
 public:
  StopEvent() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
  ~StopEvent() {
    if (fd_ >= 0) ::close(fd_);
  }
  StopEvent(const StopEvent&) = delete;
  StopEvent& operator=(const StopEvent&) = delete;
  int fd() const { return fd_; }
  void Signal() const {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t written = ::write(fd_, &one, sizeof one);
  }

 private:
  int fd_;
};

}  // namespace

absl::Status ReadLinesUntilStopped(int fd, const std::string& what, std::stop_token stop,
                                   const std::function<void(std::string_view)>& on_line,
                                   const std::function<void(const absl::Status&)>& on_error) {
  StopEvent stop_event;
  if (stop_event.fd() < 0) return absl::InternalError(what + ": eventfd: " + std::strerror(errno));
  std::stop_callback wake(stop, [&stop_event] { stop_event.Signal(); });
  std::string pending;
  bool discarding = false;  // inside an over-long line, up to its end
  std::array<char, 4096> chunk{};
  while (!stop.stop_requested()) {
    std::array<pollfd, 2> fds{pollfd{fd, POLLIN, 0}, pollfd{stop_event.fd(), POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(what + ": poll: " + std::strerror(errno));
    }
    if (fds[1].revents != 0) break;
    if (fds[0].revents == 0) continue;
    const ssize_t got = ::read(fd, chunk.data(), chunk.size());
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (got <= 0) {
      // A pipe whose writer exited reads 0; a pseudo-terminal whose other
      // side closed, or a USB serial adapter that went away, reads EIO.
      return absl::UnavailableError(what + (got == 0 ? ": end of output" : std::string(": ") + std::strerror(errno)));
    }
    std::string_view data(chunk.data(), static_cast<size_t>(got));
    while (!data.empty()) {
      const size_t newline = data.find('\n');
      if (newline == std::string_view::npos) {
        if (!discarding) pending.append(data);
        break;
      }
      if (!discarding) {
        pending.append(data.substr(0, newline));
        if (!pending.empty() && pending.back() == '\r') pending.pop_back();
        on_line(pending);
      }
      pending.clear();
      discarding = false;
      data.remove_prefix(newline + 1);
    }
    if (pending.size() > kMaxLineBytes) {
      on_error(absl::DataLossError(what + ": more than " + std::to_string(kMaxLineBytes) +
                                   " bytes without a line break"));
      pending.clear();
      discarding = true;
    }
  }
  return absl::OkStatus();
}

}  // namespace benchd::agent::power
