#pragma once

// Assigns pending experiments to free devices of connected agents, one run
// per device at a time; requeues runs whose lease expired; asks quarantined
// devices for health checks. Which work a device gets is scheduling_policy.h;
// the claim itself is made in the store (row locks, SKIP LOCKED), so several
// coordinators may share one database.
//
// The pending work (grouped) and the devices' operator/health state are read
// from the database into a snapshot that is reloaded when this process
// changed something (WorkChanged) and otherwise at least every `refresh`
// (longer when loading it is slow: ten times the last load), which is how
// changes made by another coordinator arrive. Between reloads the snapshot's
// counts follow this scheduler's own claims; a stale group costs one empty
// claim, never a wrong assignment.
//
// Runs on its own thread; Kick() makes it look now instead of at the next
// tick. Thread-safety: Kick, WorkChanged, RunEnded and Stop are thread-safe;
// RunOnce is for the scheduler thread (or a test with no thread started).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/core/agent_registry.h"
#include "daemon/core/fair_share.h"
#include "daemon/core/sweep_events.h"
#include "daemon/store/store.h"

namespace benchd::daemon {

class Scheduler {
 public:
  struct Options {
    std::chrono::milliseconds lease{std::chrono::seconds(30)};
    std::chrono::milliseconds tick{std::chrono::seconds(1)};
    std::chrono::milliseconds refresh{std::chrono::seconds(1)};
    // A quarantined device with a health check is asked this often.
    std::chrono::milliseconds health_check_interval{std::chrono::seconds(60)};
    // Groups tried per device in one pass.
    size_t groups_per_claim = 8;
  };

  Scheduler(Store& store, AgentRegistry& agents, SweepEvents& events, Options options);
  ~Scheduler();

  void Start();
  // A device may be free: look now.
  void Kick();
  // Work or device state changed (sweep submitted, experiments requeued, a
  // device quarantined or enabled): reload the snapshot, then look.
  void WorkChanged();
  // The device running `run_id` is free again (fair-share accounting).
  void RunEnded(int64_t run_id);
  void Stop();

  // One pass: expire leases (at most once per tick), reload the snapshot if
  // due, fill free devices, send due health checks. Public for tests.
  void RunOnce();

 private:
  using TimePoint = std::chrono::steady_clock::time_point;

  void Loop();
  void ExpireLeasesIfDue(TimePoint now);
  void ReloadIfDue(TimePoint now);
  void AssignFreeDevices(TimePoint now);
  void SendHealthChecks(TimePoint now);
  const DeviceHealth* HealthOf(const std::string& agent, const std::string& device) const;

  Store& store_;
  AgentRegistry& agents_;
  SweepEvents& events_;
  const Options options_;
  FairShareLedger ledger_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool kicked_ = false;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<bool> work_changed_{true};

  // Scheduler-thread state.
  std::vector<WorkGroup> groups_;
  std::map<std::pair<std::string, std::string>, DeviceHealth> health_;
  TimePoint loaded_at_{};
  std::chrono::nanoseconds reload_every_{0};
  TimePoint leases_checked_at_{};
  std::map<std::pair<std::string, std::string>, TimePoint> health_checked_at_;
};

}  // namespace benchd::daemon
