#pragma once

// One connected agent: its devices and which run each is busy with, and the
// outbound half of its Attach stream. Messages to the agent are queued and
// written by the session's own writer thread, because gRPC allows one write
// in flight per stream while the handler thread blocks in Read.
// Thread-safety: all public methods are thread-safe.

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "benchd/v1/agent_service.grpc.pb.h"
#include "daemon/core/scheduling_policy.h"
#include "daemon/store/store.h"

namespace benchd::daemon {

using AgentStream = grpc::ServerReaderWriterInterface<benchd::v1::CoordinatorMessage, benchd::v1::AgentMessage>;

class AgentSession {
 public:
  // `context` and `stream` must outlive the session's Close().
  AgentSession(const benchd::v1::Hello& hello, grpc::ServerContext* context, AgentStream* stream);
  ~AgentSession();
  AgentSession(const AgentSession&) = delete;
  AgentSession& operator=(const AgentSession&) = delete;

  const std::string& agent_name() const { return agent_name_; }

  // Queues a message; dropped when the session is closed.
  void Send(benchd::v1::CoordinatorMessage message);
  // Stops the writer after the queued messages are written (or the stream
  // fails) and joins it.
  void Close();
  // Ends the stream from our side, e.g. when the agent connected again.
  void Cancel();

  struct IdleDevice {
    DeviceSlot slot;
    DeviceView view;
  };
  // Devices with no run, for the scheduler.
  std::vector<IdleDevice> IdleDevices() const;
  // Records that `device` runs `run_id`, set up for `config_key`; false if
  // the device is unknown or busy.
  bool MarkBusy(const std::string& device, int64_t run_id, const std::string& config_key);
  // Frees the device running `run_id`; false if no device was running it.
  bool MarkRunDone(int64_t run_id);
  // The device running `run_id` (still busy), if any.
  std::optional<IdleDevice> DeviceRunning(int64_t run_id) const;
  // The device running `finished_run_id` runs `next_run_id` now, set up for
  // `config_key`, with no moment free in between (when the scheduler could
  // give it other work); false if no device was running it or the session
  // is closing.
  bool HandOver(int64_t finished_run_id, int64_t next_run_id, const std::string& config_key);
  // Whether the agent has `device` (for health checks and cancels).
  bool HasDevice(const std::string& device) const;

 private:
  void WriteLoop();

  const std::string agent_name_;
  grpc::ServerContext* const context_;
  AgentStream* const stream_;

  mutable std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<benchd::v1::CoordinatorMessage> outbound_;
  bool closing_ = false;
  struct DeviceState {
    DeviceView view;
    std::optional<int64_t> run_id;
  };
  std::map<std::string, DeviceState> devices_;
  std::thread writer_;
};

}  // namespace benchd::daemon
