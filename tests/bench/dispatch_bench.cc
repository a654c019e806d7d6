// benchd-dispatch-bench: how fast the coordinator hands out work, and how
// long a free device waits for its next experiment.
//
// A real benchd (in process, real gRPC server, real PostgreSQL) and many
// synthetic agents, each a thread with its own Attach stream and several
// devices. An agent answers every Assign at once with RunStarted and
// RunFinished (a no-op run), as a real agent would report a run that took no
// time. Measured:
//   throughput  experiments per second, from the first assignment to the
//               last RunFinished acknowledged (committed);
//   latency     device free (RunFinished written by the agent) -> its next
//               Assign received, p50 / p99 / max over all assignments but
//               each device's first.
// A program to run by hand, not a test.
//
// Usage: benchd-dispatch-bench [--agents 16] [--devices 4] [--experiments 20000] [--database DSN]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
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

// One synthetic agent: answers each assignment with a no-op run.
void RunAgent(const std::string& address, int index, int devices, Shared& shared) {
  auto stub = benchd::v1::AgentService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  shared.Register(&context);
  auto stream = stub->Attach(&context);
  benchd::v1::AgentMessage hello;
  hello.mutable_hello()->set_agent_name("bench-agent-" + std::to_string(index));
  for (int d = 0; d < devices; ++d) {
    auto* device = hello.mutable_hello()->add_devices();
    device->set_name("noop" + std::to_string(d));
    device->set_driver("noop");
    device->set_platform("host-cpu");
  }
  stream->Write(hello);

  std::map<std::string, Clock::time_point> freed_at;
  std::vector<double> latencies;
  Clock::time_point first_assign = Clock::time_point::max();
  Clock::time_point last_ack{};
  benchd::v1::CoordinatorMessage incoming;
  while (shared.finished.load() < shared.target && stream->Read(&incoming)) {
    const auto now = Clock::now();
    if (incoming.has_ack()) {
      if (incoming.ack().rejected()) throw std::runtime_error("report rejected: " + incoming.ack().reason());
      if (incoming.ack().seq() == 2) {
        last_ack = now;
        if (shared.finished.fetch_add(1) + 1 >= shared.target) {
          shared.EndAll();
          break;
        }
      }
      continue;
    }
    if (!incoming.has_assign()) continue;
    const benchd::v1::Assign& assign = incoming.assign();
    first_assign = std::min(first_assign, now);
    if (auto it = freed_at.find(assign.device()); it != freed_at.end()) {
      latencies.push_back(std::chrono::duration<double, std::micro>(now - it->second).count());
    }
    benchd::v1::AgentMessage started;
    started.mutable_report()->set_run_id(assign.run_id());
    started.mutable_report()->set_seq(1);
    started.mutable_report()->set_attempt(assign.attempt());
    started.mutable_report()->mutable_run_started();
    // Both reports go out together, as an agent's link sends what it has.
    stream->Write(started, grpc::WriteOptions().set_buffer_hint());
    benchd::v1::AgentMessage finished;
    finished.mutable_report()->set_run_id(assign.run_id());
    finished.mutable_report()->set_seq(2);
    finished.mutable_report()->set_attempt(assign.attempt());
    finished.mutable_report()->mutable_run_finished()->set_succeeded(true);
    stream->Write(finished);
    freed_at[assign.device()] = Clock::now();
  }
  context.TryCancel();
  stream->Finish();
  std::lock_guard lock(shared.mutex);
  std::erase(shared.contexts, &context);
  shared.latency_us.insert(shared.latency_us.end(), latencies.begin(), latencies.end());
  shared.first_assign = std::min(shared.first_assign, first_assign);
  shared.last_ack = std::max(shared.last_ack, last_ack);
}

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
          RunAgent(address, i, options.devices, shared);
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
    std::printf("experiments: %d on %d agents x %d devices\n", shared.finished.load(), options.agents,
                options.devices);
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
