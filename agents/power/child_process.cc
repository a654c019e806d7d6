#include "agents/power/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace benchd::agent::power {
namespace {

// Waits up to `grace` for `pid` to exit, without reaping it. Uses a pidfd
// (Linux 5.3+); returns false at once where there is none.
bool WaitForExit(int pid, std::chrono::milliseconds grace) {
#ifdef SYS_pidfd_open
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return false;
  pollfd pfd{pidfd, POLLIN, 0};
  int ready;
  do {
    ready = ::poll(&pfd, 1, static_cast<int>(grace.count()));
  } while (ready < 0 && errno == EINTR);
  ::close(pidfd);
  return ready > 0;
#else
  return false;
#endif
}

}  // namespace

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(const std::vector<std::string>& argv) {
  if (argv.empty()) return absl::InvalidArgumentError("spawn: empty command");
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return absl::InternalError(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attr);
  ::posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  ::posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  // A group of its own, so Terminate() reaches anything the tool forks; and
  // the default signal mask and dispositions, whatever the agent blocks.
  sigset_t empty_mask;
  sigset_t all_signals;
  sigemptyset(&empty_mask);
  sigfillset(&all_signals);
  ::posix_spawnattr_setpgroup(&attr, 0);
  ::posix_spawnattr_setsigmask(&attr, &empty_mask);
  ::posix_spawnattr_setsigdefault(&attr, &all_signals);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    const std::string message = "spawn '" + argv[0] + "': " + std::strerror(rc);
    return rc == ENOENT || rc == EACCES ? absl::NotFoundError(message) : absl::InternalError(message);
  }
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, pipe_fds[0]));
}

std::optional<int> ChildProcess::Terminate(std::chrono::milliseconds grace) {
  if (stdout_fd_ >= 0) {
    ::close(stdout_fd_);
    stdout_fd_ = -1;
  }
  if (pid_ < 0) return std::nullopt;
  // Look without reaping: while the leader is unreaped its group id cannot be
  // reused, so signalling the group is safe.
  siginfo_t info{};
  const bool exited = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                      info.si_pid == pid_;
  if (!exited) {
    ::kill(-pid_, SIGTERM);
    if (!WaitForExit(pid_, grace)) ::kill(-pid_, SIGKILL);
  }
  // Whatever the tool forked into its group goes with it.
  ::kill(-pid_, SIGKILL);
  int wait_status = 0;
  while (::waitpid(pid_, &wait_status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  return wait_status;
}

ChildProcess::~ChildProcess() { Terminate(); }

}  // namespace benchd::agent::power
