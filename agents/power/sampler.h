#pragma once

// The thread every power sampler runs on. A sampler is started and stopped
// explicitly; `Stop()` requests the stop, wakes the thread wherever it waits
// (clock, pipe, tty) and joins it. Threads are never detached.
//
// Failures while sampling (a sensor read that fails, a command that exits, a
// meter unplugged) do not throw or abort: they are counted and the last one
// is kept in `stats()`, because a run may still be usable from the other
// rails; the agent decides. A thread body that ends on its own (the command
// exited) leaves `running == false` in the stats.
//
// Ownership and thread-safety: `Start`, `Stop` and the destructor from one
// controlling thread; `stats()` from any thread. A derived class must call
// `Stop()` in its own destructor, before its members go away.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "absl/status/status.h"

namespace benchd::agent::power {

struct SamplerStats {
  bool running = false;
  uint64_t readings = 0;          // polls or lines that produced samples
  uint64_t missed_deadlines = 0;  // polling periods skipped because a poll overran
  uint64_t errors = 0;            // failed reads and unparseable lines
  std::string last_error;         // empty when none
};

class Sampler {
 public:
  explicit Sampler(std::string name) : name_(std::move(name)) {}
  virtual ~Sampler() = default;
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  const std::string& name() const { return name_; }
  // FAILED_PRECONDITION when already started (also when the thread ended by
  // itself: call `Stop()` first); otherwise what
  // `BeforeStart()` returns (a command that cannot be spawned, a port that
  // cannot be opened), in which case no thread is started.
  [[nodiscard]] absl::Status Start();
  // Stops and joins the thread; a no-op when not running.
  void Stop();
  SamplerStats stats() const;

 protected:
  // Acquires what the thread reads from, on the caller's thread.
  [[nodiscard]] virtual absl::Status BeforeStart() { return absl::OkStatus(); }
  // The thread body; returns when `stop` is requested (or its source ended).
  virtual void Run(std::stop_token stop) = 0;

  void CountReading() { readings_.fetch_add(1, std::memory_order_relaxed); }
  void CountMissed(uint64_t periods) { missed_.fetch_add(periods, std::memory_order_relaxed); }
  void RecordError(const absl::Status& status);

 private:
  void Body(std::stop_token stop);

  const std::string name_;
  std::jthread thread_;
  std::atomic<bool> running_{false};
  std::atomic<uint64_t> readings_{0};
  std::atomic<uint64_t> missed_{0};
  mutable std::mutex mu_;
  uint64_t errors_ = 0;
  std::string last_error_;
};

}  // namespace benchd::agent::power
