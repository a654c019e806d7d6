// benchd-test-pg: the PostgreSQL server shared by one ctest run.
//
//   benchd-test-pg start DIR   fresh cluster in DIR on a free loopback port;
//                              writes its DSN to DIR/dsn and leaves it running
//   benchd-test-pg stop DIR    stops it and removes DIR
//
// Registered as the fixture tests pg_start / pg_stop (FIXTURES_SETUP and
// FIXTURES_CLEANUP PG) by tests/support/CMakeLists.txt.

#include <sys/stat.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

#include "daemon/store/embedded_postgres.h"

namespace {

namespace fs = std::filesystem;
using benchd::daemon::EmbeddedPostgres;
using benchd::daemon::EmbeddedPostgresOptions;

EmbeddedPostgresOptions TestOptions() {
  EmbeddedPostgresOptions options;
  options.durable = false;  // a test cluster is thrown away; speed wins
  return options;
}

int Start(const fs::path& dir) {
  EmbeddedPostgres postgres(TestOptions());
  // A run that crashed before pg_stop leaves its server and its databases
  // behind: every run starts from an empty cluster.
  if (absl::Status stopped = postgres.StopCluster(dir.string()); !stopped.ok()) {
    std::fprintf(stderr, "benchd-test-pg: %s\n", std::string(stopped.message()).c_str());
    return 1;
  }
  fs::remove_all(dir);
  fs::create_directories(dir);
  // The postgres user (when we run as root) has to pass through it.
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec);
  auto dsn = postgres.Start(dir.string(), 0);
  if (!dsn.ok()) {
    std::fprintf(stderr, "benchd-test-pg: %s\n", std::string(dsn.status().message()).c_str());
    return 1;
  }
  const fs::path dsn_file = dir / "dsn";
  const fs::path partial = dir / "dsn.partial";
  {
    std::ofstream out(partial);
    out << *dsn << "\n";
    if (!out.flush()) {
      std::fprintf(stderr, "benchd-test-pg: cannot write '%s'\n", partial.c_str());
      return 1;
    }
  }
  // Readers never see a half-written file.
  fs::rename(partial, dsn_file);
  postgres.Detach();
  std::printf("%s\n", dsn->c_str());
  return 0;
}

int Stop(const fs::path& dir) {
  EmbeddedPostgres postgres(TestOptions());
  if (absl::Status stopped = postgres.StopCluster(dir.string()); !stopped.ok()) {
    std::fprintf(stderr, "benchd-test-pg: %s\n", std::string(stopped.message()).c_str());
    return 1;
  }
  fs::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "start" && std::string(argv[1]) != "stop")) {
    std::fprintf(stderr, "usage: benchd-test-pg start|stop DIR\n");
    return 2;
  }
  try {
    const fs::path dir = fs::absolute(argv[2]);
    return std::string(argv[1]) == "start" ? Start(dir) : Stop(dir);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "benchd-test-pg: %s\n", error.what());
    return 1;
  }
}
