#include "agents/core/coordinator_link.h"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <google/protobuf/util/time_util.h>

namespace benchd::agent {

CoordinatorLink::CoordinatorLink(Options options, Spool& spool, LinkHandler& handler)
    : options_(std::move(options)),
      spool_(spool),
      handler_(handler),
      backoff_(options_.reconnect_initial, options_.reconnect_max) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetMaxReceiveMessageSize(16 << 20);
  args.SetMaxSendMessageSize(16 << 20);
  // Our own backoff decides when to retry; keep gRPC's reconnect attempts short.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2'000);
  auto channel = grpc::CreateCustomChannel(options_.address, grpc::InsecureChannelCredentials(), args);
  stub_ = benchd::v1::AgentService::NewStub(channel);
}

CoordinatorLink::~CoordinatorLink() { Stop(); }

void CoordinatorLink::Start() {
  link_thread_ = std::thread([this] { LinkLoop(); });
  heartbeat_thread_ = std::thread([this] { HeartbeatLoop(); });
}

void CoordinatorLink::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  wake_.notify_all();
  if (link_thread_.joinable()) link_thread_.join();
  if (heartbeat_thread_.joinable()) heartbeat_thread_.join();
}

bool CoordinatorLink::connected() const {
  std::lock_guard lock(send_mutex_);
  return connected_;
}

void CoordinatorLink::Send(const benchd::v1::Report& report) {
  std::lock_guard lock(send_mutex_);
  if (!connected_) return;
  benchd::v1::AgentMessage message;
  *message.mutable_report() = report;
  WriteLocked(message);
}

void CoordinatorLink::Send(const benchd::v1::HealthResult& result) {
  std::lock_guard lock(send_mutex_);
  if (!connected_) {
    spdlog::warn("device={}: health result not sent: not connected", result.device());
    return;
  }
  benchd::v1::AgentMessage message;
  *message.mutable_health_result() = result;
  WriteLocked(message);
}

bool CoordinatorLink::WriteLocked(const benchd::v1::AgentMessage& message) {
  if (stream_ == nullptr) return false;
  if (!stream_->Write(message)) {
    // The read side will see the stream end and reconnect.
    connected_ = false;
    return false;
  }
  return true;
}

void CoordinatorLink::LinkLoop() {
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    RunSession();
    const std::chrono::milliseconds delay = backoff_.Next();
    std::unique_lock lock(mutex_);
    if (stopping_) return;
    spdlog::info("reconnecting to the coordinator at {} in {} ms", options_.address, delay.count());
    wake_.wait_for(lock, delay, [&] { return stopping_; });
  }
}

void CoordinatorLink::RunSession() {
  grpc::ClientContext context;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    context_ = &context;
  }
  auto stream = stub_->Attach(&context);
  benchd::v1::AgentMessage hello;
  *hello.mutable_hello() = handler_.BuildHello();
  benchd::v1::CoordinatorMessage incoming;
  bool welcomed = false;
  if (stream->Write(hello) && stream->Read(&incoming) && incoming.has_welcome()) {
    welcomed = true;
    backoff_.Reset();
    {
      std::lock_guard lock(mutex_);
      const std::chrono::milliseconds interval(incoming.welcome().heartbeat_interval_ms());
      if (interval.count() > 0 && interval != heartbeat_interval_) {
        heartbeat_interval_ = interval;
        interval_changed_ = true;
      }
    }
    handler_.OnWelcome(incoming.welcome());
    {
      // Replay under the send lock so that new reports queue behind it and the
      // coordinator sees every run's reports in sequence order.
      std::lock_guard lock(send_mutex_);
      stream_ = stream.get();
      connected_ = true;
      const auto pending = spool_.Unacknowledged();
      for (const auto& report : pending) {
        benchd::v1::AgentMessage message;
        *message.mutable_report() = report;
        if (!WriteLocked(message)) break;
      }
      spdlog::info("connected to the coordinator at {}; replayed {} unacknowledged report(s)", options_.address,
                   pending.size());
    }
    wake_.notify_all();
    while (stream->Read(&incoming)) {
      if (incoming.has_assign()) {
        handler_.OnAssign(incoming.assign());
      } else if (incoming.has_cancel()) {
        handler_.OnCancel(incoming.cancel());
      } else if (incoming.has_lease_renewed()) {
        handler_.OnLeaseRenewed(incoming.lease_renewed());
      } else if (incoming.has_health_check()) {
        handler_.OnHealthCheck(incoming.health_check());
      } else if (incoming.has_ack()) {
        const benchd::v1::Ack& ack = incoming.ack();
        if (ack.rejected()) {
          spool_.Drop(ack.run_id());
          handler_.OnRejected(ack.run_id(), ack.reason());
        } else {
          spool_.Ack(ack.run_id(), ack.seq());
        }
      }
    }
  }
  {
    std::lock_guard lock(send_mutex_);
    connected_ = false;
    stream_ = nullptr;
  }
  context.TryCancel();
  const grpc::Status status = stream->Finish();
  {
    std::lock_guard lock(mutex_);
    context_ = nullptr;
  }
  if (!welcomed || !status.ok()) {
    spdlog::warn("coordinator at {} not reachable or stream ended: {} ({})", options_.address,
                 status.error_message().empty() ? "no response" : status.error_message(),
                 static_cast<int>(status.error_code()));
  } else {
    spdlog::warn("the coordinator at {} closed the stream", options_.address);
  }
}

void CoordinatorLink::HeartbeatLoop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, heartbeat_interval_, [&] { return stopping_ || interval_changed_; });
    if (stopping_) return;
    if (interval_changed_) {
      interval_changed_ = false;
      continue;
    }
    lock.unlock();
    benchd::v1::AgentMessage message;
    auto* heartbeat = message.mutable_heartbeat();
    *heartbeat->mutable_sent_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
    for (int64_t run_id : handler_.ExecutingRuns()) heartbeat->add_active_run_ids(run_id);
    {
      std::lock_guard send_lock(send_mutex_);
      if (connected_) {
        heartbeat->set_seq(++heartbeat_seq_);
        // Recorded before the write: the send time must not be later than the
        // coordinator's receipt, which its lease expiry counts from.
        handler_.OnHeartbeatSent(heartbeat->seq());
        WriteLocked(message);
      }
    }
    handler_.OnTick();
    lock.lock();
  }
}

}  // namespace benchd::agent
