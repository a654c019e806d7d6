#include "daemon/store/embedded_postgres.h"

#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>
#include <vector>

#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"
#include "spdlog/spdlog.h"

namespace benchd::daemon {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr size_t kLogTailBytes = 2048;
constexpr int kPortAttempts = 3;

std::string Tail(std::string_view text) {
  if (text.size() > kLogTailBytes) text = text.substr(text.size() - kLogTailBytes);
  std::string tail(text);
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' ')) tail.pop_back();
  return tail;
}

// The part of a log file written since it had `offset` bytes.
std::string ReadLogSince(const fs::path& path, std::uintmax_t offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(static_cast<std::streamoff>(offset));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return Tail(text);
}

std::uintmax_t FileSize(const fs::path& path) {
  std::error_code error;
  const auto size = fs::file_size(path, error);
  return error ? 0 : size;
}

// The kernel picks a port that is free now; the server binds it a moment
// later, so a start can still lose a race, which `Start` retries.
absl::StatusOr<int> PickFreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("pick a free port: socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  if (port <= 0) return absl::InternalError("pick a free port: bind to 127.0.0.1:0 failed");
  return port;
}

struct SystemUser {
  uid_t uid;
  gid_t gid;
  std::vector<gid_t> groups;
};

absl::StatusOr<SystemUser> LookUpUser(const std::string& name) {
  const passwd* entry = ::getpwnam(name.c_str());
  if (entry == nullptr) {
    return absl::NotFoundError(fmt::format(
        "system user '{}' does not exist (PostgreSQL refuses to run as root; install the "
        "postgresql package, which creates it)",
        name));
  }
  SystemUser user{entry->pw_uid, entry->pw_gid, {}};
  int count = 32;
  user.groups.resize(count);
  if (::getgrouplist(name.c_str(), user.gid, user.groups.data(), &count) < 0) {
    user.groups.resize(count);
    ::getgrouplist(name.c_str(), user.gid, user.groups.data(), &count);
  }
  user.groups.resize(count);
  return user;
}

// The server, running as `user`, has to reach its cluster through every
// parent directory; /root (0700) is the classic trap.
absl::Status CheckTraversable(const fs::path& dir, const SystemUser& user,
                              const std::string& name) {
  for (fs::path path = dir;; path = path.parent_path()) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
      return absl::InternalError(fmt::format("stat '{}' failed", path.string()));
    }
    mode_t bit = S_IXOTH;
    if (info.st_uid == user.uid) {
      bit = S_IXUSR;
    } else if (std::find(user.groups.begin(), user.groups.end(), info.st_gid) !=
               user.groups.end()) {
      bit = S_IXGRP;
    }
    if ((info.st_mode & bit) == 0) {
      return absl::FailedPreconditionError(fmt::format(
          "user '{}' cannot enter directory '{}' (mode {:o}); choose a data directory outside "
          "it, or make it traversable with `chmod o+x {}`",
          name, path.string(), info.st_mode & 07777, path.string()));
    }
    if (path == path.root_path() || path.parent_path() == path) break;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> FindBinDir(common::ProcessRunner& runner) {
  common::ProcessSpec spec;
  spec.argv = {"pg_config", "--bindir"};
  spec.timeout = 10s;
  auto outcome = runner.Run(spec);
  if (outcome.ok() && outcome->Succeeded()) {
    std::string dir = outcome->stdout_text;
    while (!dir.empty() && (dir.back() == '\n' || dir.back() == ' ')) dir.pop_back();
    if (fs::exists(fs::path(dir) / "initdb")) return dir;
  }
  // Debian keeps the server binaries off PATH, one directory per major
  // version; the newest wins.
  std::vector<std::pair<int, std::string>> candidates;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", error)) {
    const fs::path bin = entry.path() / "bin";
    const std::string version = entry.path().filename().string();
    if (!fs::exists(bin / "initdb") || version.empty() ||
        !std::all_of(version.begin(), version.end(), ::isdigit)) {
      continue;
    }
    candidates.emplace_back(std::stoi(version), bin.string());
  }
  if (candidates.empty()) {
    return absl::NotFoundError(
        "no PostgreSQL server binaries: neither `pg_config --bindir` nor /usr/lib/postgresql/*/bin "
        "has initdb; install the postgresql package or configure a database address");
  }
  return std::max_element(candidates.begin(), candidates.end())->second;
}

// A live PostgreSQL server is what `postmaster.pid` names: the file alone may
// name a pid reused by something else after a reboot, or a killed server
// that nobody reaped (a zombie still answers kill(pid, 0)).
bool PostmasterAlive(const fs::path& pid_file) {
  std::ifstream in(pid_file);
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return false;
  // /proc/<pid>/stat: "<pid> (<comm>) <state> ...".
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(stat, line)) return false;
  const size_t open = line.find('(');
  const size_t close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close + 2 >= line.size()) {
    return false;
  }
  const std::string name = line.substr(open + 1, close - open - 1);
  const char state = line[close + 2];
  return (name == "postgres" || name == "postmaster") && state != 'Z' && state != 'X';
}

}  // namespace

EmbeddedPostgres::EmbeddedPostgres(EmbeddedPostgresOptions options,
                                   std::unique_ptr<common::ProcessRunner> runner)
    : options_(std::move(options)),
      runner_(runner ? std::move(runner) : std::make_unique<common::BoostProcessRunner>()) {}

EmbeddedPostgres::~EmbeddedPostgres() {
  if (!running_) return;
  if (absl::Status status = Stop(); !status.ok()) {
    spdlog::warn("embedded postgres: {}", std::string(status.message()));
  }
}

absl::StatusOr<std::string> EmbeddedPostgres::Start(const std::string& data_dir, int port) {
  const std::string what = fmt::format("start embedded postgres in '{}'", data_dir);
  if (running_) return absl::FailedPreconditionError(what + ": already started");
  try {
    BENCHD_RETURN_IF_ERROR(common::WithContext(Prepare(data_dir), what));
    BENCHD_RETURN_IF_ERROR(common::WithContext(InitCluster(), what));
    BENCHD_RETURN_IF_ERROR(common::WithContext(ClearLeftover(), what));
    absl::Status started;
    for (int attempt = 1; attempt <= kPortAttempts; ++attempt) {
      int chosen = port;
      if (chosen == 0) {
        BENCHD_ASSIGN_OR_RETURN(chosen, PickFreePort());
      }
      started = StartServer(chosen);
      if (started.ok() || port != 0 ||
          std::string(started.message()).find("already in use") == std::string::npos) {
        break;
      }
    }
    BENCHD_RETURN_IF_ERROR(common::WithContext(started, what));
  } catch (const fs::filesystem_error& error) {
    return absl::InternalError(fmt::format("{}: {}", what, error.what()));
  }
  return dsn_;
}

bool EmbeddedPostgres::ServerAlive() const {
  return running_ && PostmasterAlive(fs::path(cluster_dir_) / "postmaster.pid");
}

absl::Status EmbeddedPostgres::Restart() {
  if (port_ == 0) return absl::FailedPreconditionError("restart embedded postgres: it was never started");
  running_ = false;
  return Start(data_dir_, port_).status();
}

absl::Status EmbeddedPostgres::Prepare(const std::string& data_dir) {
  data_dir_ = data_dir;
  const fs::path root = fs::absolute(data_dir).lexically_normal();
  fs::create_directories(root);
  pg_dir_ = (root / "pg").string();
  cluster_dir_ = (root / "pg" / "data").string();
  as_root_ = ::geteuid() == 0;
  if (bin_dir_.empty()) {
    if (!options_.bin_dir.empty()) {
      bin_dir_ = options_.bin_dir;
    } else {
      BENCHD_ASSIGN_OR_RETURN(bin_dir_, FindBinDir(*runner_));
    }
  }
  fs::create_directories(pg_dir_);
  fs::permissions(pg_dir_, fs::perms::owner_all, fs::perm_options::replace);
  if (!as_root_) return absl::OkStatus();
  BENCHD_ASSIGN_OR_RETURN(const SystemUser user, LookUpUser(options_.system_user));
  BENCHD_RETURN_IF_ERROR(CheckTraversable(root, user, options_.system_user));
  if (::chown(pg_dir_.c_str(), user.uid, user.gid) != 0) {
    return absl::InternalError(fmt::format("chown '{}' to '{}' failed: {}", pg_dir_,
                                           options_.system_user, std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status EmbeddedPostgres::InitCluster() {
  if (fs::exists(fs::path(cluster_dir_) / "PG_VERSION")) return absl::OkStatus();
  // A directory without PG_VERSION is an initdb that died half-way.
  fs::remove_all(cluster_dir_);
  std::vector<std::string> args = {"-D",       cluster_dir_, "-A",   "trust",      "-U",
                                   "postgres", "-E",         "UTF8", "--no-locale"};
  if (!options_.durable) args.push_back("--no-sync");
  BENCHD_ASSIGN_OR_RETURN(auto outcome, RunTool("initdb", "initdb", std::move(args), 120s));
  if (!outcome.Succeeded()) {
    return absl::InternalError(fmt::format("initdb failed ({}): {}", outcome.Describe(),
                                           Tail(outcome.stdout_text + outcome.stderr_text)));
  }
  return absl::OkStatus();
}

absl::Status EmbeddedPostgres::ClearLeftover() {
  const fs::path pid_file = fs::path(cluster_dir_) / "postmaster.pid";
  if (!fs::exists(pid_file)) return absl::OkStatus();
  if (PostmasterAlive(pid_file)) {
    // Our previous owner crashed and left its server running. It has our
    // data and may be on another port: restart it on ours.
    spdlog::warn("embedded postgres: stopping a server left running in '{}'", cluster_dir_);
    return StopServer("stop leftover server");
  }
  spdlog::warn("embedded postgres: removing stale lock file '{}'", pid_file.string());
  fs::remove(pid_file);
  return absl::OkStatus();
}

absl::Status EmbeddedPostgres::StartServer(int port) {
  const fs::path log = server_log();
  const std::uintmax_t log_offset = FileSize(log);
  // pg_ctl hands -o to /bin/sh, so the empty socket list needs its quotes.
  // wal_level=minimal: a sweep's experiments go into tables created by the
  // same transaction (migration 0007), which then need no WAL for their rows
  // or their index builds, only an fsync at commit; a million-point sweep
  // writes some 200 MB less WAL. The price: this private server cannot be a
  // replication primary (max_wal_senders=0); back it up with pg_dump.
  std::string server_options = fmt::format(
      "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c wal_level=minimal "
      "-c max_wal_senders=0",
      port);
  if (!options_.durable) {
    server_options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
  }
  const auto wait = std::chrono::duration_cast<std::chrono::seconds>(options_.start_timeout);
  BENCHD_ASSIGN_OR_RETURN(auto outcome,
                          RunTool("pg_ctl start", "pg_ctl",
                                  {"-D", cluster_dir_, "-l", log.string(), "-w", "-t",
                                   std::to_string(wait.count()), "-o", server_options, "start"},
                                  options_.start_timeout + 15s));
  if (!outcome.Succeeded()) {
    return absl::InternalError(fmt::format("pg_ctl start on port {} failed ({}): {} {}", port,
                                           outcome.Describe(), Tail(outcome.stderr_text),
                                           ReadLogSince(log, log_offset)));
  }
  running_ = true;
  port_ = port;
  dsn_ = fmt::format("host=127.0.0.1 port={} user=postgres dbname=postgres", port);
  return absl::OkStatus();
}

absl::Status EmbeddedPostgres::StopServer(const std::string& what) {
  BENCHD_ASSIGN_OR_RETURN(
      auto outcome,
      RunTool(what, "pg_ctl", {"-D", cluster_dir_, "-m", "fast", "-w", "-t", "60", "stop"}, 75s));
  if (outcome.Succeeded()) return absl::OkStatus();
  if (!fs::exists(fs::path(cluster_dir_) / "postmaster.pid")) return absl::OkStatus();
  return absl::InternalError(fmt::format("{}: pg_ctl stop failed ({}): {}", what,
                                         outcome.Describe(), Tail(outcome.stderr_text)));
}

absl::Status EmbeddedPostgres::Stop() {
  if (!running_) return absl::OkStatus();
  absl::Status status = StopServer(fmt::format("stop embedded postgres on port {}", port_));
  if (status.ok()) running_ = false;
  return status;
}

absl::Status EmbeddedPostgres::StopCluster(const std::string& data_dir) {
  const fs::path root = fs::absolute(data_dir).lexically_normal();
  const std::string what = fmt::format("stop embedded postgres in '{}'", root.string());
  // Without a live server there is nothing to stop, and pg_ctl would wait
  // a minute for a dead one to remove its lock file.
  if (!PostmasterAlive(root / "pg" / "data" / "postmaster.pid")) return absl::OkStatus();
  pg_dir_ = (root / "pg").string();
  cluster_dir_ = (root / "pg" / "data").string();
  as_root_ = ::geteuid() == 0;
  if (bin_dir_.empty()) {
    if (!options_.bin_dir.empty()) {
      bin_dir_ = options_.bin_dir;
    } else {
      auto found = FindBinDir(*runner_);
      if (!found.ok()) return common::WithContext(found.status(), what);
      bin_dir_ = *found;
    }
  }
  return StopServer(what);
}

absl::StatusOr<common::ProcessOutcome> EmbeddedPostgres::RunTool(
    const std::string& what, const std::string& tool, std::vector<std::string> args,
    std::chrono::milliseconds timeout) {
  common::ProcessSpec spec;
  if (as_root_) spec.argv = {"runuser", "-u", options_.system_user, "--"};
  spec.argv.push_back((fs::path(bin_dir_) / tool).string());
  for (auto& arg : args) spec.argv.push_back(std::move(arg));
  // The tools change into their working directory as the server user, which
  // cannot enter root's home. (Built rather than assigned from "/": GCC 12
  // reports a false -Wrestrict on that assignment.)
  spec.working_dir = std::string(1, '/');
  spec.timeout = timeout;
  auto outcome = runner_->Run(spec);
  if (!outcome.ok()) return common::WithContext(outcome.status(), what);
  if (outcome->timed_out) {
    return absl::DeadlineExceededError(
        fmt::format("{}: {}: {}", what, outcome->Describe(), Tail(outcome->stderr_text)));
  }
  return outcome;
}

}  // namespace benchd::daemon
