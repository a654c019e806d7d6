// benchd-dispatch-bench: how fast the coordinator hands out work, and how
// long a free device waits for its next experiment.
//
// A real benchd (in process, real gRPC server, real PostgreSQL) and many
// synthetic agents, each a thread with its own Attach stream and several
// devices. An agent answers every Assign at once with RunStarted and
// RunFinished (a no-op run), as a real agent would report a run that took no
// time; with --run-ms, RunFinished follows RunStarted after a run time drawn
// uniformly from half to one and a half times that (so that devices do not
// finish in lockstep), which offers the coordinator a load below what it can
// take (about devices / run time) and shows the latency a device sees when
// the coordinator is not the bottleneck. Measured:
//   throughput  experiments per second, from the first assignment to the
//               last RunFinished acknowledged (committed);
//   latency     device free (RunFinished written by the agent) -> its next
//               Assign received, p50 / p99 / max over all assignments but
//               each device's first.
// A program to run by hand, not a test.
//
// Usage: benchd-dispatch-bench [--agents 16] [--devices 4] [--experiments 20000] [--run-ms 0]
//                              [--database DSN]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <queue>
#include <random>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <grpcpp/grpcpp.h>

#include "benchd/v1/agent_service.grpc.pb.h"
#include "benchd/v1/coordinator_service.grpc.pb.h"
#include "spdlog/spdlog.h"
#include "tests/bench/bench_coordinator.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int agents = 16;
  int devices = 4;
  int experiments = 20000;
  int run_ms = 0;
  std::string database;
};

struct Shared {
  std::atomic<int> finished{0};
  int target = 0;
  std::mutex mutex;
  std::vector<double> latency_us;
  Clock::time_point first_assign = Clock::time_point::max();
  Clock::time_point last_ack{};
  // Streams to end once every experiment is done: the other agents wait in
  // Read for work that will not come.
  std::vector<grpc::ClientContext*> contexts;
  void Register(grpc::ClientContext* context) {
    std::lock_guard lock(mutex);
    contexts.push_back(context);
  }
  void EndAll() {
    std::lock_guard lock(mutex);
    for (grpc::ClientContext* context : contexts) context->TryCancel();
  }
};

void SubmitSweep(const std::string& address, int experiments) {
  auto stub = benchd::v1::CoordinatorService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  std::string yaml = "name: dispatch-bench\nplatform: host-cpu\nmatrix:\n  n: [";
  for (int i = 0; i < experiments; ++i) yaml += (i ? ", " : "") + std::to_string(i);
  yaml += "]\nrun: {timeout: 1h}\n";
  benchd::v1::SubmitSweepRequest request;
  request.set_yaml(yaml);
  request.set_file_name("dispatch-bench.yaml");
  benchd::v1::SubmitSweepResponse response;
  grpc::ClientContext context;
  if (auto status = stub->SubmitSweep(&context, request, &response); !status.ok()) {
    throw std::runtime_error("submit: " + status.error_message());
  }
}

// One synthetic agent: answers each assignment with RunStarted at once and
// RunFinished a run time later (about `run_ms`).
class SyntheticAgent {
 public:
  SyntheticAgent(const std::string& address, int index, int devices, int run_ms, Shared& shared)
      : stub_(benchd::v1::AgentService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
        index_(index),
        devices_(devices),
        run_time_(run_ms),
        shared_(shared),
        random_(static_cast<unsigned>(index)) {}

  void Run() {
    shared_.Register(&context_);
    stream_ = stub_->Attach(&context_);
    benchd::v1::AgentMessage hello;
    hello.mutable_hello()->set_agent_name("bench-agent-" + std::to_string(index_));
    for (int d = 0; d < devices_; ++d) {
      auto* device = hello.mutable_hello()->add_devices();
      device->set_name("noop" + std::to_string(d));
      device->set_driver("noop");
      device->set_platform("host-cpu");
    }
    stream_->Write(hello);
    std::thread finisher;
    if (run_time_.count() > 0) finisher = std::thread([this] { FinishDueRuns(); });
    std::exception_ptr failed;
    try {
      ReadLoop();
    } catch (...) {
      failed = std::current_exception();
    }
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    due_.notify_one();
    if (finisher.joinable()) finisher.join();
    if (failed) std::rethrow_exception(failed);
    context_.TryCancel();
    stream_->Finish();
    std::lock_guard lock(shared_.mutex);
    std::erase(shared_.contexts, &context_);
    shared_.latency_us.insert(shared_.latency_us.end(), latencies_.begin(), latencies_.end());
    shared_.first_assign = std::min(shared_.first_assign, first_assign_);
    shared_.last_ack = std::max(shared_.last_ack, last_ack_);
  }

 private:
  struct Running {
    Clock::time_point due;
    benchd::v1::Assign assign;
    bool operator>(const Running& other) const { return due > other.due; }
  };

  void ReadLoop() {
    benchd::v1::CoordinatorMessage incoming;
    while (shared_.finished.load() < shared_.target && stream_->Read(&incoming)) {
      const auto now = Clock::now();
      if (incoming.has_ack()) {
        if (incoming.ack().rejected()) throw std::runtime_error("report rejected: " + incoming.ack().reason());
        if (incoming.ack().seq() == 2) {
          last_ack_ = now;
          if (shared_.finished.fetch_add(1) + 1 >= shared_.target) {
            shared_.EndAll();
            return;
          }
        }
        continue;
      }
      if (!incoming.has_assign()) continue;
      const benchd::v1::Assign& assign = incoming.assign();
      first_assign_ = std::min(first_assign_, now);
      std::unique_lock lock(mutex_);
      if (auto it = freed_at_.find(assign.device()); it != freed_at_.end()) {
        latencies_.push_back(std::chrono::duration<double, std::micro>(now - it->second).count());
      }
      if (run_time_.count() == 0) {
        // Both reports go out together, as an agent's link sends what it has.
        stream_->Write(Report(assign, 1), grpc::WriteOptions().set_buffer_hint());
        stream_->Write(Report(assign, 2));
        freed_at_[assign.device()] = Clock::now();
        continue;
      }
      stream_->Write(Report(assign, 1));
      std::uniform_real_distribution<double> spread(0.5, 1.5);
      const auto run_time = std::chrono::duration_cast<Clock::duration>(run_time_ * spread(random_));
      running_.push({now + run_time, assign});
      lock.unlock();
      due_.notify_one();
    }
  }

  void FinishDueRuns() {
    std::unique_lock lock(mutex_);
    while (true) {
      due_.wait(lock, [&] { return done_ || !running_.empty(); });
      if (done_) return;
      // The run's time on the device (or until an earlier one is due).
      const Clock::time_point due = running_.top().due;
      if (due_.wait_until(lock, due, [&] { return done_ || running_.top().due < due; })) {
        if (done_) return;
        continue;
      }
      const Running finished = running_.top();
      running_.pop();
      stream_->Write(Report(finished.assign, 2));
      freed_at_[finished.assign.device()] = Clock::now();
    }
  }

  static benchd::v1::AgentMessage Report(const benchd::v1::Assign& assign, int seq) {
    benchd::v1::AgentMessage message;
    message.mutable_report()->set_run_id(assign.run_id());
    message.mutable_report()->set_seq(seq);
    message.mutable_report()->set_attempt(assign.attempt());
    if (seq == 1) {
      message.mutable_report()->mutable_run_started();
    } else {
      message.mutable_report()->mutable_run_finished()->set_succeeded(true);
    }
    return message;
  }

  std::unique_ptr<benchd::v1::AgentService::Stub> stub_;
  const int index_;
  const int devices_;
  const std::chrono::milliseconds run_time_;
  Shared& shared_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<benchd::v1::AgentMessage, benchd::v1::CoordinatorMessage>> stream_;

  // Guards the stream's writes (one at a time) and what follows.
  std::mutex mutex_;
  std::condition_variable due_;
  std::priority_queue<Running, std::vector<Running>, std::greater<>> running_;
  std::minstd_rand random_;
  bool done_ = false;
  std::map<std::string, Clock::time_point> freed_at_;
  std::vector<double> latencies_;
  Clock::time_point first_assign_ = Clock::time_point::max();
  Clock::time_point last_ack_{};
};

double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  const size_t rank = std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank), values.end());
  return values[rank];
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"benchd-dispatch-bench: experiments dispatched per second and device-free-to-assign latency"};
  app.add_option("--agents", options.agents, "synthetic agents (one stream each)")->check(CLI::Range(1, 512));
  app.add_option("--devices", options.devices, "devices per agent")->check(CLI::Range(1, 64));
  app.add_option("--experiments", options.experiments, "no-op experiments to dispatch")
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--run-ms", options.run_ms, "how long each run takes on its device (0: no-op runs)")
      ->check(CLI::Range(0, 60'000));
  app.add_option("--database", options.database, "PostgreSQL DSN; default: a private server in a temporary directory");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);

  try {
    benchd::bench::BenchCoordinator coordinator(options.database, "dispatch");
    const std::string address = coordinator.address();

    SubmitSweep(address, options.experiments);
    Shared shared;
    shared.target = options.experiments;
    std::vector<std::thread> agents;
    for (int i = 0; i < options.agents; ++i) {
      agents.emplace_back([&, i] {
        try {
          SyntheticAgent(address, i, options.devices, options.run_ms, shared).Run();
        } catch (const std::exception& e) {
          std::cerr << "agent " << i << ": " << e.what() << "\n";
          std::exit(1);
        }
      });
    }
    for (auto& agent : agents) agent.join();
    coordinator.Stop();

    const double seconds = std::chrono::duration<double>(shared.last_ack - shared.first_assign).count();
    std::vector<double>& latency = shared.latency_us;
    std::printf("experiments: %d on %d agents x %d devices, runs of %d ms\n", shared.finished.load(),
                options.agents, options.devices, options.run_ms);
    std::printf("throughput: %.0f experiments/s (%.2f s from the first assignment to the last committed finish)\n",
                shared.finished.load() / seconds, seconds);
    const double p50 = Percentile(latency, 0.50), p99 = Percentile(latency, 0.99), max = Percentile(latency, 1.0);
    std::printf("device free -> next assignment: p50 %.2f ms, p99 %.2f ms, max %.2f ms over %zu assignments\n",
                p50 / 1000, p99 / 1000, max / 1000, latency.size());
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "benchd-dispatch-bench: " << e.what() << "\n";
    return 1;
  }
}
