#pragma once

// Group commit: calls made at the same time from several threads are done as
// one unit of work. A caller that finds no unit in progress leads: it takes
// every request queued by then (its own included) and runs `work` over them;
// callers that arrive meanwhile queue and wait, and one of them leads the
// next unit. There is no thread of its own, and a caller alone is served at
// once.
//
// PgStore ingests the reports of all agents this way: one transaction and
// one WAL flush for everything that arrived during the previous commit,
// instead of one per agent stream.
//
// Thread-safety: all methods are thread-safe. `work` runs on one caller's
// thread at a time; it must set every item's result and must not throw.
// One unit at a time is deliberate: on two cores, letting two or three run
// at once (one per pooled connection) was slower for many agents and for
// few (benchd-dispatch-bench: 1.6-1.9 k/s against 2.5-2.8 k/s at 16 x 4,
// 470-570/s against 620-790/s at 4 x 1).

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace benchd::daemon {

template <typename Request, typename Result>
class GroupCommit {
 public:
  struct Item {
    Request request;
    std::optional<Result> result;
  };
  using Work = std::function<void(const std::vector<Item*>& items)>;

  explicit GroupCommit(Work work) : work_(std::move(work)) {}

  Result Run(Request request) {
    Item item{std::move(request), std::nullopt};
    std::unique_lock lock(mutex_);
    queue_.push_back(&item);
    while (!item.result) {
      if (leading_) {
        done_.wait(lock);
        continue;
      }
      leading_ = true;
      std::vector<Item*> unit;
      unit.swap(queue_);
      lock.unlock();
      work_(unit);
      lock.lock();
      leading_ = false;
      // The served callers return; one of those still queued leads next.
      done_.notify_all();
    }
    return *std::move(item.result);
  }

  // Requests waiting for a unit (for tests and monitoring).
  size_t queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
  }

 private:
  const Work work_;
  mutable std::mutex mutex_;
  std::condition_variable done_;
  std::vector<Item*> queue_;
  bool leading_ = false;
};

}  // namespace benchd::daemon
