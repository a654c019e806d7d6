#pragma once

// Messages read from an agent's stream by a reader thread, handed to the
// handler in batches: everything that arrived while the previous batch was
// being stored is taken at once, so its reports share one transaction.
// Bounded: the reader waits while `capacity` messages are queued, which
// slows the agent down through gRPC flow control instead of growing memory.
// Thread-safety: all methods are thread-safe.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

#include "benchd/v1/agent_service.pb.h"

namespace benchd::daemon {

class AgentInbox {
 public:
  explicit AgentInbox(size_t capacity) : capacity_(capacity) {}

  // False once closed: the reader should stop.
  bool Push(benchd::v1::AgentMessage message) {
    std::unique_lock lock(mutex_);
    has_room_.wait(lock, [&] { return closed_ || queue_.size() < capacity_; });
    if (closed_) return false;
    queue_.push_back(std::move(message));
    has_messages_.notify_one();
    return true;
  }

  // Waits for at least one message; returns all queued, or nothing once
  // closed and drained.
  std::vector<benchd::v1::AgentMessage> TakeAll() {
    std::unique_lock lock(mutex_);
    has_messages_.wait(lock, [&] { return closed_ || !queue_.empty(); });
    std::vector<benchd::v1::AgentMessage> batch(std::make_move_iterator(queue_.begin()),
                                                std::make_move_iterator(queue_.end()));
    queue_.clear();
    has_room_.notify_all();
    return batch;
  }

  // The stream ended (or the handler gave up): wake both sides.
  void Close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    has_messages_.notify_all();
    has_room_.notify_all();
  }

 private:
  const size_t capacity_;
  std::mutex mutex_;
  std::condition_variable has_messages_;
  std::condition_variable has_room_;
  std::deque<benchd::v1::AgentMessage> queue_;
  bool closed_ = false;
};

}  // namespace benchd::daemon
