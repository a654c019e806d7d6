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
// Thread-safety: Run is thread-safe. `work` runs on one caller's thread at a
// time and must set every item's result.

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

 private:
  const Work work_;
  std::mutex mutex_;
  std::condition_variable done_;
  std::vector<Item*> queue_;
  bool leading_ = false;
};

}  // namespace benchd::daemon
