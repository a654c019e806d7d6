#include "common/process_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <mutex>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/filesystem/operations.hpp>
#include <boost/filesystem/path.hpp>
#include <boost/process/args.hpp>
#include <boost/process/async_pipe.hpp>
#include <boost/process/child.hpp>
#include <boost/process/env.hpp>
#include <boost/process/environment.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/group.hpp>
#include <boost/process/io.hpp>
#include <boost/process/search_path.hpp>
#include <boost/process/start_dir.hpp>
#include <cerrno>
#include <cstring>
#include <functional>
#include <string>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::common {
namespace {

namespace asio = boost::asio;
namespace bp = boost::process;
namespace bfs = boost::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// The cancel flag has no way to wake us, so it is polled; 20 ms keeps the
// reaction prompt without measurable overhead next to a benchmark.
constexpr auto kPollInterval = 20ms;
// Time a group gets between SIGTERM and SIGKILL, and the time the pipes get
// to reach end of file after the program itself is gone.
constexpr auto kGracePeriod = 2s;
constexpr size_t kReadChunk = 64 << 10;

std::string Errno(int error) { return std::strerror(error); }

// Drains one pipe into a string with a cap. Reading continues past the cap
// (the excess is dropped) so that the child never blocks on a full pipe.
class StreamDrain {
 public:
  StreamDrain(asio::io_context& io, size_t max_bytes) : pipe_(io), max_bytes_(max_bytes) {
    // Boost creates the pipe without O_CLOEXEC. A child forked concurrently by
    // another thread would otherwise inherit our write end and delay our EOF
    // until it exits; dup2 onto fd 1/2 in our own child clears the flag there.
    ::fcntl(pipe_.native_source(), F_SETFD, FD_CLOEXEC);
    ::fcntl(pipe_.native_sink(), F_SETFD, FD_CLOEXEC);
  }

  bp::async_pipe& pipe() { return pipe_; }
  bool done() const { return done_; }
  bool truncated() const { return truncated_; }
  std::string Take() { return std::move(text_); }

  void Start(std::function<void()> on_done) {
    on_done_ = std::move(on_done);
    ReadMore();
  }

  // Gives up on the stream: a process outside the group still holds it open.
  void Close() {
    boost::system::error_code ignored;
    pipe_.close(ignored);
  }

 private:
  void ReadMore() {
    pipe_.async_read_some(asio::buffer(buffer_),
                          [this](const boost::system::error_code& error, size_t n) {
                            Append(n);
                            if (error) {
                              done_ = true;
                              on_done_();
                              return;
                            }
                            ReadMore();
                          });
  }

  void Append(size_t n) {
    const size_t room = max_bytes_ > text_.size() ? max_bytes_ - text_.size() : 0;
    if (n > room) truncated_ = true;
    text_.append(buffer_.data(), std::min(n, room));
  }

  bp::async_pipe pipe_;
  size_t max_bytes_;
  std::array<char, kReadChunk> buffer_{};
  std::string text_;
  bool truncated_ = false;
  bool done_ = false;
  std::function<void()> on_done_;
};

// Watches one launched child until it and its output are finished: a timer
// tick checks the deadline, the cancel flag and whether the leader exited.
class Supervisor {
 public:
  Supervisor(asio::io_context& io, bp::child& child, StreamDrain& out, StreamDrain& err,
             Clock::time_point deadline, const std::atomic<bool>* cancel)
      : io_(io),
        timer_(io),
        child_(child),
        out_(out),
        err_(err),
        deadline_(deadline),
        cancel_(cancel),
        pgid_(child.id()) {}

  void Run() {
    out_.Start([this] { Check(); });
    err_.Start([this] { Check(); });
    ArmTimer();
    io_.run();
  }

  bool timed_out() const { return timed_out_; }
  bool cancelled() const { return cancelled_; }

 private:
  void ArmTimer() {
    timer_.expires_after(kPollInterval);
    timer_.async_wait([this](const boost::system::error_code& error) {
      if (error) return;
      Check();
      if (!finished_) ArmTimer();
    });
  }

  void Check() {
    if (finished_) return;
    const auto now = Clock::now();
    if (!reaped_) {
      ReapIfExited(now);
    }
    if (!reaped_) {
      if (!terminating_ && now >= deadline_) {
        timed_out_ = true;
        Terminate(now);
      } else if (!terminating_ && cancel_ != nullptr && cancel_->load()) {
        cancelled_ = true;
        Terminate(now);
      } else if (terminating_ && !killed_ && now >= kill_at_) {
        ::killpg(pgid_, SIGKILL);
        killed_ = true;
      }
    }
    if (reaped_ && (!out_.done() || !err_.done()) && now >= close_pipes_at_) {
      // Only a process that left the group (setsid) can still hold the pipes;
      // it is not ours to wait for.
      out_.Close();
      err_.Close();
    }
    if (reaped_ && out_.done() && err_.done()) {
      finished_ = true;
      timer_.cancel();
    }
  }

  void Terminate(Clock::time_point now) {
    terminating_ = true;
    kill_at_ = now + kGracePeriod;
    ::killpg(pgid_, SIGTERM);
  }

  void ReapIfExited(Clock::time_point now) {
    siginfo_t info{};
    // WNOWAIT leaves the leader a zombie, so its pid (the group id) cannot be
    // reused while we kill what it left behind in its group.
    const int result =
        ::waitid(P_PID, static_cast<id_t>(pgid_), &info, WEXITED | WNOHANG | WNOWAIT);
    if (result == 0 && info.si_pid == 0) return;  // still running
    if (result != 0 && errno == EINTR) return;    // ask again on the next tick
    // Background processes of a finished tool would skew the next
    // measurement on this machine, so the group does not outlive its leader.
    ::killpg(pgid_, SIGKILL);
    std::error_code ignored;
    child_.wait(ignored);
    reaped_ = true;
    close_pipes_at_ = now + kGracePeriod;
  }

  asio::io_context& io_;
  asio::steady_timer timer_;
  bp::child& child_;
  StreamDrain& out_;
  StreamDrain& err_;
  Clock::time_point deadline_;
  const std::atomic<bool>* cancel_;
  pid_t pgid_;
  bool reaped_ = false;
  bool terminating_ = false;
  bool killed_ = false;
  bool timed_out_ = false;
  bool cancelled_ = false;
  bool finished_ = false;
  Clock::time_point kill_at_;
  Clock::time_point close_pipes_at_;
};

absl::StatusOr<bfs::path> ResolveProgram(const std::string& program) {
  if (program.empty()) return absl::InvalidArgumentError("empty program name");
  if (program.find('/') == std::string::npos) {
    bfs::path found = bp::search_path(program);
    if (found.empty()) return absl::NotFoundError("program not found on PATH");
    return found;
  }
  if (::access(program.c_str(), X_OK) != 0) {
    return absl::NotFoundError(fmt::format("cannot execute: {}", Errno(errno)));
  }
  return bfs::path(program);
}

absl::StatusOr<ProcessOutcome> Launch(const ProcessSpec& spec, const bfs::path& exe,
                                      const std::atomic<bool>* cancel) {
  asio::io_context io;
  // Pipes are made close-on-exec only after Boost creates them; a fork by
  // another thread in between would hand this run's pipe ends to an unrelated
  // child, and this run would then wait for that child to exit before its
  // output ends. Creating pipes and forking under one lock closes that window.
  static std::mutex launch_mutex;
  std::unique_lock launch_lock(launch_mutex);
  StreamDrain out(io, spec.max_output_bytes);
  StreamDrain err(io, spec.max_output_bytes);

  bp::environment env = boost::this_process::environment();
  for (const auto& [name, value] : spec.extra_env) env[name] = value;
  const std::vector<std::string> args(spec.argv.begin() + 1, spec.argv.end());

  // Tools read no input unless a run gives them a file (BISMO's batch mode).
  // Boost opens that file in the child, where a failure would go unnoticed,
  // so it is checked here.
  if (!spec.stdin_path.empty() && ::access(spec.stdin_path.c_str(), R_OK) != 0) {
    return absl::NotFoundError(fmt::format("stdin file '{}' cannot be read: {}", spec.stdin_path, std::strerror(errno)));
  }
  const boost::filesystem::path stdin_file(spec.stdin_path.empty() ? "/dev/null" : spec.stdin_path);
  bp::group group;
  const auto start = Clock::now();
  std::error_code launch_error;
  bp::child child =
      spec.working_dir.empty()
          ? bp::child(bp::exe = exe, bp::args = args, env, group,
                      bp::std_in < stdin_file, bp::std_out > out.pipe(), bp::std_err > err.pipe(),
                      launch_error)
          : bp::child(bp::exe = exe, bp::args = args, env, group,
                      bp::std_in < stdin_file, bp::std_out > out.pipe(), bp::std_err > err.pipe(),
                      bp::start_dir = spec.working_dir, launch_error);
  launch_lock.unlock();
  if (launch_error) {
    const int code = launch_error.value();
    const std::string message = fmt::format("launch failed: {}", launch_error.message());
    if (code == ENOENT || code == EACCES || code == ENOEXEC) return absl::NotFoundError(message);
    return absl::InternalError(message);
  }

  Supervisor supervisor(io, child, out, err, start + spec.timeout, cancel);
  supervisor.Run();
  // Everything in the group is dead and reaped by now; the group handle must
  // not SIGKILL a reused process group id when it goes out of scope.
  group.detach();

  ProcessOutcome outcome;
  const auto ended = Clock::now();
  outcome.wall_time = ended - start;
  outcome.ended_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(ended.time_since_epoch()).count();
  outcome.timed_out = supervisor.timed_out();
  outcome.cancelled = supervisor.cancelled();
  // `exit_code()` folds signals into a number; the raw wait status keeps them.
  const int status = child.native_exit_code();
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome.term_signal = WTERMSIG(status);
  outcome.output_truncated = out.truncated() || err.truncated();
  outcome.stdout_text = out.Take();
  outcome.stderr_text = err.Take();
  return outcome;
}

}  // namespace

std::string ProcessOutcome::Describe() const {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wall_time).count();
  std::string text;
  if (timed_out) {
    text = fmt::format("timed out after {} ms", ms);
  } else if (cancelled) {
    text = fmt::format("cancelled after {} ms", ms);
  } else if (term_signal) {
    text = fmt::format("killed by signal {} ({})", *term_signal, ::strsignal(*term_signal));
  } else if (exit_code) {
    text = fmt::format("exit code {}", *exit_code);
  } else {
    text = "no exit status";
  }
  if (output_truncated) text += ", output truncated";
  return text;
}

absl::StatusOr<ProcessOutcome> BoostProcessRunner::Run(const ProcessSpec& spec,
                                                       const std::atomic<bool>* cancel) {
  if (spec.argv.empty()) return absl::InvalidArgumentError("run process: empty argv");
  const std::string context = fmt::format("run '{}'", spec.argv[0]);
  try {
    auto exe = ResolveProgram(spec.argv[0]);
    if (!exe.ok()) return WithContext(exe.status(), context);
    if (!spec.working_dir.empty() && !bfs::is_directory(spec.working_dir)) {
      return absl::NotFoundError(
          fmt::format("{}: working directory '{}' does not exist", context, spec.working_dir));
    }
    auto outcome = Launch(spec, *exe, cancel);
    if (!outcome.ok()) return WithContext(outcome.status(), context);
    return outcome;
  } catch (const std::system_error& e) {
    return absl::InternalError(fmt::format("{}: {}", context, e.what()));
  } catch (const boost::system::system_error& e) {
    return absl::InternalError(fmt::format("{}: {}", context, e.what()));
  }
}

}  // namespace benchd::common
