#include "agents/core/device_worker.h"

#include <filesystem>

#include "agents/core/repeat_runner.h"
#include "agents/core/run_power.h"

#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>

namespace benchd::agent {
namespace {

using google::protobuf::util::TimeUtil;

// Keeps each message well under gRPC's size limit: 4096 samples are 64 KiB.
constexpr size_t kSamplesPerBatch = 4096;

benchd::v1::FailureKind KindOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kInvalidArgument:
      return benchd::v1::FAILURE_KIND_MEASUREMENT;
    default:
      return benchd::v1::FAILURE_KIND_INFRASTRUCTURE;
  }
}

}  // namespace

DeviceWorker::DeviceWorker(DeviceConfig device, std::string agent_name, std::unique_ptr<Driver> driver,
                           std::string work_dir, ReportSink sink, std::unique_ptr<power::PowerMonitor> power,
                           RunEnvironment run_environment, std::string unavailable_reason)
    : device_(std::move(device)),
      agent_name_(std::move(agent_name)),
      driver_(std::move(driver)),
      work_dir_(std::move(work_dir)),
      sink_(std::move(sink)),
      power_(std::move(power)),
      run_environment_(std::move(run_environment)),
      unavailable_reason_(std::move(unavailable_reason)) {}

DeviceWorker::~DeviceWorker() { Stop(); }

void DeviceWorker::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void DeviceWorker::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  cancel_current_ = true;
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    if (absl::Status restored = driver_->Teardown(); !restored.ok()) {
      spdlog::warn("device={}: teardown: {}", device_.name, restored.ToString());
    }
  }
}

void DeviceWorker::Submit(const benchd::v1::Assign& assign) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    queue_.push_back(assign);
  }
  wake_.notify_all();
}

void DeviceWorker::Cancel(int64_t run_id, const std::string& reason) {
  std::vector<benchd::v1::Assign> dropped;
  {
    std::lock_guard lock(mutex_);
    for (auto it = queue_.begin(); it != queue_.end();) {
      if (it->run_id() == run_id) {
        dropped.push_back(std::move(*it));
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
    if (current_run_ == run_id) {
      if (!cancel_current_) cancel_reason_ = reason;
      cancel_current_ = true;
    }
  }
  for (const benchd::v1::Assign& assign : dropped) ReportNotStarted(assign, reason);
}

void DeviceWorker::ReportNotStarted(const benchd::v1::Assign& assign, const std::string& reason) {
  benchd::v1::Report report;
  report.set_attempt(assign.attempt());
  benchd::v1::RunFinished* finished = report.mutable_run_finished();
  finished->set_succeeded(false);
  finished->set_failure_kind(benchd::v1::FAILURE_KIND_INFRASTRUCTURE);
  finished->set_error(reason.empty() ? "the run was cancelled before it started" : reason);
  auto& environment = *finished->mutable_environment()->mutable_entries();
  environment["agent"] = agent_name_;
  environment["device"] = device_.name;
  *finished->mutable_finished_at() = TimeUtil::GetCurrentTime();
  spdlog::info("run={} device={}: not started: {}", assign.run_id(), device_.name, finished->error());
  sink_(assign.run_id(), std::move(report));
}

std::optional<int64_t> DeviceWorker::CurrentRun() const {
  std::lock_guard lock(mutex_);
  return current_run_;
}

std::string DeviceWorker::CurrentConfigKey() const {
  std::lock_guard lock(mutex_);
  return current_config_.value_or("");
}

std::string DeviceWorker::UnavailableReason() const {
  std::lock_guard lock(mutex_);
  return unavailable_reason_;
}

absl::Status DeviceWorker::ProbeIfUnavailable() {
  {
    std::lock_guard lock(mutex_);
    if (unavailable_reason_.empty()) return absl::OkStatus();
  }
  // Nothing runs on an unavailable device, so the driver is free to probe.
  absl::StatusOr<benchd::v1::Environment> probed = driver_->Probe();
  std::lock_guard lock(mutex_);
  if (!probed.ok()) {
    unavailable_reason_ = "probe failed: " + probed.status().ToString();
    return probed.status();
  }
  reprobed_environment_ = *std::move(probed);
  unavailable_reason_.clear();
  spdlog::info("device={}: probe passed; available again", device_.name);
  return absl::OkStatus();
}

void DeviceWorker::Loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    benchd::v1::Assign assign = std::move(queue_.front());
    queue_.pop_front();
    if (!unavailable_reason_.empty()) {
      const std::string reason = "device '" + device_.name + "' is unavailable: " + unavailable_reason_;
      lock.unlock();
      ReportNotStarted(assign, reason);
      lock.lock();
      continue;
    }
    if (reprobed_environment_) {
      run_environment_.SetProbed(*std::move(reprobed_environment_));
      reprobed_environment_.reset();
    }
    current_run_ = assign.run_id();
    cancel_current_ = false;
    cancel_reason_.clear();
    lock.unlock();
    Execute(assign);
    lock.lock();
    current_run_.reset();
  }
}

absl::StatusOr<DeviceWorker::Configuration> DeviceWorker::EnsureConfigured(const RunRequest& request) {
  std::optional<std::string> previous;
  {
    std::lock_guard lock(mutex_);
    previous = current_config_;
    // Until Prepare succeeds the device's configuration is unknown.
    if (current_config_ != request.config_key) current_config_.reset();
  }
  if (previous == request.config_key) return Configuration{config_environment_, std::nullopt, ""};
  const auto start = std::chrono::steady_clock::now();
  spdlog::info("device={}: reconfiguring from '{}' to '{}'", device_.name, previous.value_or("(unknown)"),
               request.config_key);
  auto prepared = driver_->Prepare(request, cancel_current_);
  if (!prepared.ok()) return prepared.status();
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  (*prepared->mutable_entries())["config_key"] = request.config_key;
  config_environment_ = *std::move(prepared);
  {
    std::lock_guard lock(mutex_);
    current_config_ = request.config_key;
  }
  return Configuration{config_environment_, took, previous.value_or("")};
}

void DeviceWorker::Execute(const benchd::v1::Assign& assign) {
  const int64_t run_id = assign.run_id();
  spdlog::info("run={} experiment={} attempt={} device={}: starting", run_id, assign.experiment_id(),
               assign.attempt(), device_.name);
  // Every report of the run carries its attempt, so the coordinator can tell
  // a stale attempt's reports from the current one's.
  const auto emit = [&](benchd::v1::Report report) {
    report.set_attempt(assign.attempt());
    sink_(run_id, std::move(report));
  };
  {
    benchd::v1::Report started;
    *started.mutable_run_started()->mutable_started_at() = TimeUtil::GetCurrentTime();
    emit(std::move(started));
  }

  RunRequest request;
  request.run_id = run_id;
  request.parameters = assign.parameters();
  request.settings = assign.settings();
  request.config_key = assign.config_key();
  request.work_dir = work_dir_ + "/run-" + std::to_string(run_id);
  std::error_code error;
  std::filesystem::create_directories(request.work_dir, error);

  // What the driver refuses from the request alone is refused before the
  // base-power window and any reconfiguration: neither is worth seconds of
  // the device's time for a run that cannot happen.
  const absl::Status checked = error ? absl::OkStatus() : driver_->Check(request);
  run_environment_.RunStarting();
  // Power sampling starts before the device is touched, so the base window
  // sees it with nothing running.
  std::optional<RunPowerSession> power_session;
  absl::Status power_started = absl::OkStatus();
  if (power_ != nullptr && checked.ok()) {
    power_session.emplace(*power_, [&emit](benchd::v1::PowerBatch batch) {
      benchd::v1::Report report;
      *report.mutable_power_batch() = std::move(batch);
      emit(std::move(report));
    });
    power_started = power_session->Begin(std::chrono::milliseconds(request.settings.power().base_ms()),
                                         cancel_current_);
  }
  absl::StatusOr<Configuration> configured =
      error                 ? absl::InternalError("create run directory '" + request.work_dir + "': " + error.message())
      : !checked.ok()       ? absl::StatusOr<Configuration>(checked)
      : !power_started.ok() ? absl::StatusOr<Configuration>(power_started)
                            : EnsureConfigured(request);
  absl::StatusOr<RepeatedRun> repeated = configured.ok() ? RunRepeats(*driver_, request, cancel_current_)
                                                         : absl::StatusOr<RepeatedRun>(configured.status());
  absl::StatusOr<RunResult> result =
      repeated.ok() ? absl::StatusOr<RunResult>(std::move(repeated->result)) : repeated.status();
  if (cancel_current_) {
    std::string reason;
    {
      std::lock_guard lock(mutex_);
      reason = cancel_reason_;
    }
    if (!reason.empty()) {
      result = absl::CancelledError(result.ok() ? reason : reason + ": " + std::string(result.status().message()));
    } else if (result.ok()) {
      result = absl::CancelledError("the run was cancelled");
    }
  }
  benchd::v1::Report finished_report;
  benchd::v1::RunFinished* finished = finished_report.mutable_run_finished();
  if (power_session && result.ok()) {
    RunPowerOutcome measured =
        power_session->Finish(result->phases, result->summary.inferences(), repeated->driver_marked_phases);
    *result->summary.mutable_power() = std::move(measured.summary);
    for (std::string& warning : measured.warnings) *result->summary.add_warnings() = std::move(warning);
  } else if (power_session) {
    power_session->Abandon();
  }
  if (result.ok()) {
    for (const RepeatSamples& repeat : result->repeats) {
      for (size_t first = 0; first < repeat.latency_us.size(); first += kSamplesPerBatch) {
        const size_t last = std::min(repeat.latency_us.size(), first + kSamplesPerBatch);
        benchd::v1::Report batch_report;
        benchd::v1::LatencyBatch* batch = batch_report.mutable_latency_batch();
        batch->set_repeat(repeat.repeat);
        batch->set_kind(repeat.kind);
        batch->set_first_index(static_cast<int64_t>(first));
        batch->mutable_latency_us()->Add(repeat.latency_us.begin() + first, repeat.latency_us.begin() + last);
        if (repeat.t_ns.size() == repeat.latency_us.size()) {
          batch->mutable_t_ns()->Add(repeat.t_ns.begin() + first, repeat.t_ns.begin() + last);
        }
        emit(std::move(batch_report));
      }
    }
    finished->set_succeeded(true);
    *finished->mutable_summary() = result->summary;
    *finished->mutable_environment() = result->environment;
  } else {
    finished->set_succeeded(false);
    finished->set_failure_kind(KindOf(result.status()));
    finished->set_error(std::string(result.status().message()));
  }
  auto& environment = *finished->mutable_environment()->mutable_entries();
  if (configured.ok()) {
    environment.insert(configured->environment.entries().begin(), configured->environment.entries().end());
    if (configured->reconfigure_time) {
      environment["reconfigure_ms"] = std::to_string(configured->reconfigure_time->count());
      environment["reconfigured_from"] = configured->reconfigured_from;
    }
  }
  environment["agent"] = agent_name_;
  environment["device"] = device_.name;
  environment["driver"] = device_.driver;
  environment["platform"] = device_.platform;
  run_environment_.Complete(*finished->mutable_environment());
  *finished->mutable_finished_at() = TimeUtil::GetCurrentTime();
  if (result.ok()) {
    spdlog::info("run={} device={}: succeeded, mean {:.1f} us over {} samples", run_id, device_.name,
                 result->summary.latency().mean_us(), result->summary.latency().count());
  } else {
    spdlog::warn("run={} device={}: failed: {}", run_id, device_.name, result.status().ToString());
  }
  emit(std::move(finished_report));
}

}  // namespace benchd::agent
