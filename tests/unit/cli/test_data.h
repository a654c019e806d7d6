#pragma once

// Builders for the benchd.v1 messages the CLI's tests feed to the fake
// coordinator and to the formatters.

#include <cstdint>
#include <string>
#include <vector>

#include "benchd/v1/coordinator_service.pb.h"

namespace benchd::cli::testing {

inline benchd::v1::SweepProgress Progress(int64_t total, int64_t succeeded, int64_t failed,
                                          int64_t running, int64_t eta_ms = 0) {
  benchd::v1::SweepProgress progress;
  progress.set_total(total);
  progress.set_succeeded(succeeded);
  progress.set_failed(failed);
  progress.set_running(running);
  progress.set_pending(total - succeeded - failed - running);
  progress.set_eta_ms(eta_ms);
  return progress;
}

inline benchd::v1::Sweep MakeSweep(int64_t id, const std::string& name,
                                   const benchd::v1::SweepProgress& progress) {
  benchd::v1::Sweep sweep;
  sweep.set_id(id);
  sweep.set_name(name);
  sweep.mutable_submitted_at()->set_seconds(1'700'000'000);
  *sweep.mutable_progress() = progress;
  return sweep;
}

inline benchd::v1::Result MakeResult(int64_t run_id, const std::string& platform, int64_t batch,
                                     double mean_us) {
  benchd::v1::Result result;
  result.set_run_id(run_id);
  result.set_experiment_id(run_id * 10);
  (*result.mutable_parameters()->mutable_values())["platform"].set_string_value(platform);
  (*result.mutable_parameters()->mutable_values())["batch"].set_int_value(batch);
  benchd::v1::LatencyStats* latency = result.mutable_summary()->mutable_latency();
  latency->set_mean_us(mean_us);
  latency->set_median_us(mean_us - 1);
  latency->set_p90_us(mean_us + 10);
  latency->set_p99_us(mean_us + 20);
  latency->set_std_us(2.5);
  latency->set_min_us(mean_us - 5);
  latency->set_max_us(mean_us + 30);
  result.mutable_summary()->set_fps(1e6 * static_cast<double>(batch) / mean_us);
  result.mutable_summary()->set_gops(12.5);
  result.set_latency_sample_count(1000);
  result.set_agent("lab-1");
  result.set_device(platform + "-0");
  return result;
}

inline benchd::v1::WatchSweepResponse Event(const benchd::v1::SweepProgress& progress,
                                            bool complete = false) {
  benchd::v1::WatchSweepResponse event;
  *event.mutable_progress() = progress;
  event.set_complete(complete);
  return event;
}

inline benchd::v1::Device MakeDevice(const std::string& name, const std::string& platform,
                                     const std::string& state, int64_t current_run_id = 0) {
  benchd::v1::Device device;
  device.set_name(name);
  device.set_driver(platform);
  device.set_platform(platform);
  device.set_state(state);
  device.set_enabled(state != "disabled");
  device.set_current_run_id(current_run_id);
  return device;
}

inline benchd::v1::Agent MakeAgent(const std::string& name,
                                   std::vector<benchd::v1::Device> devices) {
  benchd::v1::Agent agent;
  agent.set_name(name);
  agent.set_hostname(name + ".local");
  agent.set_connected(true);
  for (benchd::v1::Device& device : devices) *agent.add_devices() = std::move(device);
  return agent;
}

// An event at 2023-11-14T22:13:20Z plus `id` seconds.
inline benchd::v1::Event MakeEvent(int64_t id, const std::string& kind, int64_t sweep_id,
                                   int64_t run_id, const std::string& agent,
                                   const std::string& device, const std::string& message,
                                   int64_t duration_ms = 0) {
  benchd::v1::Event event;
  event.set_id(id);
  event.mutable_at()->set_seconds(1'700'000'000 + id);
  event.set_kind(kind);
  event.set_sweep_id(sweep_id);
  event.set_run_id(run_id);
  event.set_agent(agent);
  event.set_device(device);
  event.set_message(message);
  event.set_duration_ms(duration_ms);
  return event;
}

// An experiment of a sweep, told apart by its batch size.
inline benchd::v1::Experiment MakeExperiment(int ordinal, const std::string& platform,
                                             benchd::v1::ExperimentState state, int64_t batch) {
  benchd::v1::Experiment experiment;
  experiment.set_ordinal(ordinal);
  experiment.set_platform(platform);
  (*experiment.mutable_parameters()->mutable_values())["batch"].set_int_value(batch);
  experiment.set_state(state);
  return experiment;
}

}  // namespace benchd::cli::testing
