#pragma once

// The messages one agent sent that the message worker has not handled yet.
// The stream's handler pushes what it reads; the worker takes everything
// queued at once, so that what arrived while the previous unit was being
// stored goes into the next one. Bounded: the handler waits while `capacity`
// messages are queued, which slows the agent down through gRPC flow control
// instead of growing memory.
// Thread-safety: all methods are thread-safe.

#include <absl/status/status.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

#include "benchd/v1/agent_service.pb.h"

namespace benchd::daemon {

class AgentInbox {
 public:
  explicit AgentInbox(size_t capacity) : capacity_(capacity) {}

  enum class Pushed {
    kQueued,    // the worker knows of the inbox already
    kFirst,     // the inbox was idle: hand it to the worker
    kClosed,    // handling failed; stop reading
  };
  Pushed Push(benchd::v1::AgentMessage message) {
    std::unique_lock lock(mutex_);
    has_room_.wait(lock, [&] { return closed_ || queue_.size() < capacity_; });
    if (closed_) return Pushed::kClosed;
    queue_.push_back(std::move(message));
    if (scheduled_) return Pushed::kQueued;
    scheduled_ = true;
    return Pushed::kFirst;
  }

  // For the worker: everything queued. The inbox stays the worker's until
  // Handled().
  std::vector<benchd::v1::AgentMessage> TakeAll() {
    std::lock_guard lock(mutex_);
    std::vector<benchd::v1::AgentMessage> taken(std::make_move_iterator(queue_.begin()),
                                                std::make_move_iterator(queue_.end()));
    queue_.clear();
    has_room_.notify_all();
    return taken;
  }

  // For the worker: done with what TakeAll returned. An error closes the
  // inbox (what is still queued is dropped: the agent replays whatever was
  // not acknowledged) and is what CloseAndWait returns. True when more
  // messages came meanwhile and the worker should take the inbox again.
  bool Handled(const absl::Status& status) {
    std::lock_guard lock(mutex_);
    if (!status.ok() && failure_.ok()) {
      failure_ = status;
      closed_ = true;
      queue_.clear();
    }
    const bool again = !queue_.empty();
    scheduled_ = again;
    has_room_.notify_all();
    idle_.notify_all();
    return again;
  }

  // For the handler once its stream ended: takes no more messages, waits
  // until the worker has handled those queued, and returns the first error
  // it met.
  absl::Status CloseAndWait() {
    std::unique_lock lock(mutex_);
    closed_ = true;
    has_room_.notify_all();
    idle_.wait(lock, [&] { return !scheduled_; });
    return failure_;
  }

 private:
  const size_t capacity_;
  std::mutex mutex_;
  std::condition_variable has_room_;
  std::condition_variable idle_;
  std::deque<benchd::v1::AgentMessage> queue_;
  // Handed to the worker and not yet Handled().
  bool scheduled_ = false;
  bool closed_ = false;
  absl::Status failure_;
};

}  // namespace benchd::daemon
