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
// tick. The message worker also claims here: PlanNextRuns inside the
// transaction that stores a device's finished run, StartRuns after its
// commit, so a busy device's next experiment comes with that commit rather
// than a transaction later.
// Thread-safety: Kick, WorkChanged, RunEnded, FreeAfterReload, PlanNextRuns,
// StartRuns and Stop are thread-safe; RunOnce is for the scheduler thread
// (or a test with no thread started).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
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
  // The run failed, or put its device in quarantine: its device is free
  // again once the devices' health, loaded after now, says whether it may
  // take work, so no pass in between can give a quarantined device another
  // run. Only the health is reloaded for it (a backlog of millions makes
  // the work groups a second's query); an experiment the failure requeued
  // waits out its retry backoff anyway, and the next periodic reload finds it.
  void FreeAfterReload(std::shared_ptr<AgentSession> session, int64_t run_id);
  void Stop();

  // A device to find work for: idle, or still busy with `finishing_run_id`,
  // which its next run is to replace.
  struct Candidate {
    std::shared_ptr<AgentSession> session;
    AgentSession::IdleDevice device;
    std::optional<int64_t> finishing_run_id;
  };
  // Claims planned from the snapshot: requests[i] is for candidates[i]; the
  // requests point into `snapshot`.
  struct Plan {
    std::vector<ClaimRequest> requests;
    std::vector<Candidate> candidates;
    std::shared_ptr<std::vector<WorkGroup>> snapshot;
  };
  // The claims for devices whose runs are finishing (devices that may not
  // take work now are left out).
  [[nodiscard]] Plan PlanNextRuns(std::vector<Candidate> finishing);
  // After the claims of `plan` committed: each device gets its claimed run
  // (Assign), and a finishing device with none is free again.
  void StartRuns(Plan& plan, std::vector<ClaimOutcome>& outcomes);

  // One pass: expire leases (at most once per tick), reload the snapshot if
  // due, fill free devices, send due health checks. Public for tests.
  void RunOnce();
  // How often the work groups were loaded. For tests.
  int64_t work_group_loads() const { return work_group_loads_; }

 private:
  using TimePoint = std::chrono::steady_clock::time_point;

  void Loop();
  void ExpireLeasesIfDue(TimePoint now);
  void ReloadIfDue(TimePoint now);
  // Loads the devices' health alone, then frees `frees`' devices.
  void ReloadHealth(std::vector<std::pair<std::shared_ptr<AgentSession>, int64_t>> frees, TimePoint now);
  void FreeRuns(const std::vector<std::pair<std::shared_ptr<AgentSession>, int64_t>>& frees, TimePoint now);
  void AssignFreeDevices(TimePoint now);
  void SendHealthChecks(TimePoint now);
  // Needs state_mutex_.
  const DeviceHealth* HealthOf(const std::string& agent, const std::string& device) const;
  Plan PlanLocked(std::vector<Candidate> candidates, TimePoint now);

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

  // The snapshot, shared with the message worker's claims. A reload
  // replaces `groups_`; plans keep the one they were made from.
  std::mutex state_mutex_;
  std::shared_ptr<std::vector<WorkGroup>> groups_ = std::make_shared<std::vector<WorkGroup>>();
  std::map<std::pair<std::string, std::string>, DeviceHealth> health_;
  // Groups of `groups_` that came up empty for a device narrowed by domains
  // or required parameters (others may still take from them, so they keep
  // their count): the device skips them until the next reload, so that
  // groups it cannot serve do not fill its `groups_per_claim` every pass.
  std::map<std::pair<std::string, std::string>, std::set<const WorkGroup*>> empty_for_device_;

  std::mutex frees_mutex_;
  std::vector<std::pair<std::shared_ptr<AgentSession>, int64_t>> frees_after_reload_;

  // Scheduler-thread state.
  TimePoint loaded_at_{};
  std::chrono::nanoseconds reload_every_{0};
  TimePoint leases_checked_at_{};
  std::atomic<int64_t> work_group_loads_{0};
  std::map<std::pair<std::string, std::string>, TimePoint> health_checked_at_;
};

}  // namespace benchd::daemon
