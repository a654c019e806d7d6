#include "daemon/core/daemon.h"

#include <filesystem>
#include <fstream>
#include <mutex>

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include "common/platform_catalog.h"
#include "common/status_util.h"
#include "daemon/core/agent_registry.h"
#include "daemon/core/agent_service.h"
#include "daemon/core/coordinator_service.h"
#include "daemon/core/data_dir_lock.h"
#include "daemon/core/scheduler.h"
#include "daemon/core/sweep_events.h"
#include "daemon/store/embedded_postgres.h"
#include "daemon/store/embedded_postgres_supervisor.h"
#include "daemon/store/pg_store.h"

namespace benchd::daemon {

struct Daemon::Parts {
  DaemonConfig config;
  std::unique_ptr<DataDirLock> data_dir_lock;
  std::unique_ptr<EmbeddedPostgres> embedded_pg;
  std::unique_ptr<EmbeddedPostgresSupervisor> embedded_pg_supervisor;
  std::unique_ptr<Store> store;
  common::PlatformCatalog catalog;
  SweepEvents events;
  AgentRegistry agents;
  std::unique_ptr<Scheduler> scheduler;
  std::unique_ptr<CoordinatorServiceImpl> coordinator_service;
  std::unique_ptr<AgentServiceImpl> agent_service;
  std::unique_ptr<grpc::Server> server;
  std::string address;
  std::once_flag shutdown_once;
};

namespace {

constexpr int kMaxMessageBytes = 16 << 20;

std::string HostOf(const std::string& listen) {
  const auto colon = listen.rfind(':');
  return colon == std::string::npos ? listen : listen.substr(0, colon);
}

absl::Status WriteAddressFile(const std::string& data_dir, const std::string& address) {
  const std::filesystem::path path = std::filesystem::path(data_dir) / "benchd.addr";
  const std::filesystem::path temp = path.string() + ".tmp";
  {
    std::ofstream out(temp);
    out << address << "\n";
    if (!out) return absl::InternalError("write " + temp.string());
  }
  std::error_code error;
  std::filesystem::rename(temp, path, error);
  if (error) return absl::InternalError("rename " + temp.string() + ": " + error.message());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Start(const DaemonConfig& config) {
  BENCHD_RETURN_IF_ERROR(ValidateDaemonConfig(config));
  auto parts = std::make_unique<Parts>();
  parts->config = config;
  std::error_code error;
  std::filesystem::create_directories(config.data_dir, error);
  if (error) return absl::FailedPreconditionError("create data directory '" + config.data_dir + "': " + error.message());
  BENCHD_ASSIGN_OR_RETURN(parts->data_dir_lock, DataDirLock::Acquire(config.data_dir));

  std::string dsn = config.database;
  if (dsn.empty()) {
    parts->embedded_pg = std::make_unique<EmbeddedPostgres>();
    auto started = parts->embedded_pg->Start(config.data_dir);
    if (!started.ok()) return common::WithContext(started.status(), "start the embedded PostgreSQL");
    dsn = *started;
    spdlog::info("embedded PostgreSQL running under {}/pg", config.data_dir);
    parts->embedded_pg_supervisor =
        std::make_unique<EmbeddedPostgresSupervisor>(*parts->embedded_pg, EmbeddedPostgresSupervisor::Options{});
    parts->embedded_pg_supervisor->Start();
  }
  PgStoreOptions store_options;
  store_options.dsn = dsn;
  store_options.pool_size = config.db_pool_size;
  store_options.quarantine_after = config.quarantine_after;
  store_options.retry = {config.retry_backoff, config.retry_backoff_max};
  auto store = std::make_unique<PgStore>(store_options);
  BENCHD_RETURN_IF_ERROR(common::WithContext(store->Open(), "open the database"));
  parts->store = std::move(store);

  BENCHD_ASSIGN_OR_RETURN(parts->catalog, common::PlatformCatalog::Builtin());
  parts->scheduler = std::make_unique<Scheduler>(*parts->store, parts->agents, parts->events,
                                                 Scheduler::Options{.lease = config.lease,
                                                                    .tick = config.scheduler_tick,
                                                                    .health_check_interval =
                                                                        config.health_check_interval});
  parts->coordinator_service =
      std::make_unique<CoordinatorServiceImpl>(*parts->store, parts->catalog, *parts->scheduler, parts->events,
                                               parts->agents, static_cast<size_t>(config.max_sweep_points));
  parts->agent_service = std::make_unique<AgentServiceImpl>(*parts->store, parts->agents, *parts->scheduler,
                                                            parts->events, config.heartbeat_interval, config.lease);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int selected_port = 0;
  builder.AddListeningPort(config.listen, grpc::InsecureServerCredentials(), &selected_port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  // Agents hold their stream open for days; keepalive notices dead peers.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 20'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5'000);
  builder.RegisterService(parts->coordinator_service.get());
  builder.RegisterService(parts->agent_service.get());
  parts->server = builder.BuildAndStart();
  if (!parts->server || selected_port == 0) {
    return absl::UnavailableError("listen on " + config.listen + ": address in use or not valid");
  }
  parts->address = HostOf(config.listen) + ":" + std::to_string(selected_port);
  BENCHD_RETURN_IF_ERROR(WriteAddressFile(config.data_dir, parts->address));
  parts->scheduler->Start();
  spdlog::info("benchd listening on {}", parts->address);
  return std::unique_ptr<Daemon>(new Daemon(std::move(parts)));
}

Daemon::Daemon(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Daemon::~Daemon() { Shutdown(); }

const std::string& Daemon::address() const { return parts_->address; }

void Daemon::Shutdown() {
  std::call_once(parts_->shutdown_once, [this] {
    spdlog::info("benchd shutting down");
    // Wake watchers and end agent streams first: the server's Shutdown waits
    // for in-flight handlers, and these would otherwise block until their peers
    // go away.
    parts_->events.Shutdown();
    parts_->agents.CancelAll();
    parts_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
    parts_->scheduler->Stop();
    parts_->store.reset();
    if (parts_->embedded_pg_supervisor) parts_->embedded_pg_supervisor->Stop();
    if (parts_->embedded_pg) {
      if (absl::Status stopped = parts_->embedded_pg->Stop(); !stopped.ok()) {
        spdlog::error("stop the embedded PostgreSQL: {}", stopped.ToString());
      }
    }
    spdlog::info("benchd stopped");
  });
}

}  // namespace benchd::daemon
