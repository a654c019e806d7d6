#include "agents/core/device_worker.h"

#include <filesystem>

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
                           std::string work_dir, ReportSink sink)
    : device_(std::move(device)),
      agent_name_(std::move(agent_name)),
      driver_(std::move(driver)),
      work_dir_(std::move(work_dir)),
      sink_(std::move(sink)) {}

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

void DeviceWorker::Cancel(int64_t run_id) {
  std::lock_guard lock(mutex_);
  std::erase_if(queue_, [&](const benchd::v1::Assign& a) { return a.run_id() == run_id; });
  if (current_run_ == run_id) cancel_current_ = true;
}

std::optional<int64_t> DeviceWorker::CurrentRun() const {
  std::lock_guard lock(mutex_);
  return current_run_;
}

void DeviceWorker::Loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    benchd::v1::Assign assign = std::move(queue_.front());
    queue_.pop_front();
    current_run_ = assign.run_id();
    cancel_current_ = false;
    lock.unlock();
    Execute(assign);
    lock.lock();
    current_run_.reset();
  }
}

absl::StatusOr<benchd::v1::Environment> DeviceWorker::EnsureConfigured(const RunRequest& request) {
  if (current_config_ == request.config_key) return config_environment_;
  const auto start = std::chrono::steady_clock::now();
  spdlog::info("device={}: reconfiguring to '{}'", device_.name, request.config_key);
  // Until Prepare succeeds the device's configuration is unknown.
  current_config_.reset();
  auto prepared = driver_->Prepare(request, cancel_current_);
  if (!prepared.ok()) return prepared.status();
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  (*prepared->mutable_entries())["config_key"] = request.config_key;
  (*prepared->mutable_entries())["reconfigure_ms"] = std::to_string(took.count());
  current_config_ = request.config_key;
  config_environment_ = *prepared;
  return config_environment_;
}

void DeviceWorker::Execute(const benchd::v1::Assign& assign) {
  const int64_t run_id = assign.run_id();
  spdlog::info("run={} experiment={} device={}: starting", run_id, assign.experiment_id(), device_.name);
  {
    benchd::v1::Report started;
    *started.mutable_run_started()->mutable_started_at() = TimeUtil::GetCurrentTime();
    sink_(run_id, std::move(started));
  }

  RunRequest request;
  request.run_id = run_id;
  request.parameters = assign.parameters();
  request.settings = assign.settings();
  request.config_key = assign.config_key();
  request.work_dir = work_dir_ + "/run-" + std::to_string(run_id);
  std::error_code error;
  std::filesystem::create_directories(request.work_dir, error);

  absl::StatusOr<benchd::v1::Environment> configured =
      error ? absl::InternalError("create run directory '" + request.work_dir + "': " + error.message())
            : EnsureConfigured(request);
  absl::StatusOr<RunResult> result =
      configured.ok() ? driver_->Run(request, cancel_current_) : absl::StatusOr<RunResult>(configured.status());
  if (result.ok() && cancel_current_) result = absl::CancelledError("the run was cancelled");

  benchd::v1::Report finished_report;
  benchd::v1::RunFinished* finished = finished_report.mutable_run_finished();
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
        sink_(run_id, std::move(batch_report));
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
  if (configured.ok()) environment.insert(configured->entries().begin(), configured->entries().end());
  environment["agent"] = agent_name_;
  environment["device"] = device_.name;
  environment["driver"] = device_.driver;
  environment["platform"] = device_.platform;
  *finished->mutable_finished_at() = TimeUtil::GetCurrentTime();
  if (result.ok()) {
    spdlog::info("run={} device={}: succeeded, mean {:.1f} us over {} samples", run_id, device_.name,
                 result->summary.latency().mean_us(), result->summary.latency().count());
  } else {
    spdlog::warn("run={} device={}: failed: {}", run_id, device_.name, result.status().ToString());
  }
  sink_(run_id, std::move(finished_report));
}

}  // namespace benchd::agent
