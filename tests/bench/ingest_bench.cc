// benchd-ingest-bench: how fast latency samples travel from an agent through
// benchd into PostgreSQL, next to a raw COPY of the same rows into the same
// server in the same run.
//
// A synthetic agent registers one device per run, takes the assignments of a
// submitted sweep, and streams each run's samples as LatencyBatch reports on
// one Attach stream; the clock stops when the last RunFinished is acked (an
// ack means committed). Then the same rows are COPYed with pqxx::stream_to,
// the method the store uses, into a table of the same shape.
//
// Usage: benchd-ingest-bench [--runs 8] [--samples 250000] [--batch 4096] [--database DSN]
// Without --database, a private PostgreSQL is started in a temporary directory.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include <CLI/CLI.hpp>
#include <grpcpp/grpcpp.h>
#include <pqxx/pqxx>

#include "benchd/v1/agent_service.grpc.pb.h"
#include "benchd/v1/coordinator_service.grpc.pb.h"
#include "spdlog/spdlog.h"
#include "tests/bench/bench_coordinator.h"

namespace {

using Clock = std::chrono::steady_clock;

double SampleValue(int64_t run, int64_t i) { return 100.0 + static_cast<double>((run * 7919 + i * 31) % 1000) / 10.0; }

struct Options {
  int runs = 8;
  int64_t samples = 250'000;
  int batch = 4096;
  std::string database;
};

// Streams every run's samples through benchd; returns the seconds from the
// first report to the last ack.
double IngestThroughBenchd(const std::string& address, const Options& options) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto coordinator = benchd::v1::CoordinatorService::NewStub(channel);
  std::string sweep = "name: ingest-bench\nplatform: host-cpu\nmatrix:\n  batch: [";
  for (int i = 0; i < options.runs; ++i) sweep += (i ? ", " : "") + std::to_string(i + 1);
  sweep += "]\nrun: {timeout: 1h}\n";
  benchd::v1::SubmitSweepRequest submit;
  submit.set_yaml(sweep);
  submit.set_file_name("ingest-bench.yaml");
  benchd::v1::SubmitSweepResponse submitted;
  grpc::ClientContext submit_context;
  if (auto status = coordinator->SubmitSweep(&submit_context, submit, &submitted); !status.ok()) {
    throw std::runtime_error("submit: " + status.error_message());
  }

  auto agent = benchd::v1::AgentService::NewStub(channel);
  grpc::ClientContext context;
  auto stream = agent->Attach(&context);
  benchd::v1::AgentMessage hello;
  hello.mutable_hello()->set_agent_name("ingest-bench");
  for (int i = 0; i < options.runs; ++i) {
    auto* device = hello.mutable_hello()->add_devices();
    device->set_name("synthetic" + std::to_string(i));
    device->set_driver("synthetic");
    device->set_platform("host-cpu");
  }
  stream->Write(hello);

  std::vector<int64_t> run_ids;
  benchd::v1::CoordinatorMessage incoming;
  while (static_cast<int>(run_ids.size()) < options.runs && stream->Read(&incoming)) {
    if (incoming.has_assign()) run_ids.push_back(incoming.assign().run_id());
  }
  if (static_cast<int>(run_ids.size()) < options.runs) throw std::runtime_error("not every run was assigned");

  const int64_t batches = (options.samples + options.batch - 1) / options.batch;
  const int64_t reports_per_run = batches + 2;
  const auto start = Clock::now();
  std::thread writer([&] {
    for (int64_t b = 0; b < reports_per_run; ++b) {
      for (int64_t run : run_ids) {
        benchd::v1::AgentMessage message;
        auto* report = message.mutable_report();
        report->set_run_id(run);
        report->set_seq(b + 1);
        if (b == 0) {
          report->mutable_run_started();
        } else if (b <= batches) {
          auto* batch = report->mutable_latency_batch();
          batch->set_kind(benchd::v1::LATENCY_KIND_SYSTEM);
          const int64_t first = (b - 1) * options.batch;
          batch->set_first_index(first);
          const int64_t last = std::min<int64_t>(options.samples, first + options.batch);
          for (int64_t i = first; i < last; ++i) {
            batch->add_latency_us(SampleValue(run, i));
            batch->add_t_ns(i * 1000);
          }
        } else {
          report->mutable_run_finished()->set_succeeded(true);
        }
        stream->Write(message);
      }
    }
  });
  int finished = 0;
  while (finished < options.runs && stream->Read(&incoming)) {
    if (incoming.has_ack() && incoming.ack().seq() == reports_per_run) ++finished;
    if (incoming.has_ack() && incoming.ack().rejected()) throw std::runtime_error("report rejected: " + incoming.ack().reason());
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  writer.join();
  stream->WritesDone();
  context.TryCancel();
  stream->Finish();
  if (finished < options.runs) throw std::runtime_error("the stream ended before every run was acknowledged");
  return seconds;
}

// COPYs the same rows straight into a table shaped like latency_samples.
double RawCopy(const std::string& dsn, const Options& options) {
  pqxx::connection connection(dsn);
  {
    pqxx::work setup(connection);
    setup.exec0("CREATE TABLE IF NOT EXISTS bench_raw_copy (LIKE latency_samples INCLUDING ALL)");
    setup.exec0("TRUNCATE bench_raw_copy");
    setup.commit();
  }
  const auto start = Clock::now();
  pqxx::work tx(connection);
  pqxx::stream_to copy(tx, "bench_raw_copy",
                       std::vector<std::string>{"run_id", "repeat", "idx", "kind", "t_ns", "latency_us"});
  for (int run = 1; run <= options.runs; ++run) {
    for (int64_t i = 0; i < options.samples; ++i) {
      copy << std::make_tuple(static_cast<int64_t>(run), 0, i, static_cast<int16_t>(2), i * 1000, SampleValue(run, i));
    }
  }
  copy.complete();
  tx.commit();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int64_t CountStoredSamples(const std::string& dsn) {
  pqxx::connection connection(dsn);
  pqxx::nontransaction tx(connection);
  return tx.exec1("SELECT count(*) FROM latency_samples")[0].as<int64_t>();
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"benchd-ingest-bench: end-to-end sample ingest rate against a raw COPY"};
  app.add_option("--runs", options.runs, "concurrent runs (devices of the synthetic agent)")->check(CLI::Range(1, 256));
  app.add_option("--samples", options.samples, "latency samples per run")->check(CLI::Range(1, 100'000'000));
  app.add_option("--batch", options.batch, "samples per LatencyBatch report")->check(CLI::Range(1, 500'000));
  app.add_option("--database", options.database, "PostgreSQL DSN; default: a private server in a temporary directory");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);

  try {
    benchd::bench::BenchCoordinator coordinator(options.database, "ingest");
    const std::string& dsn = coordinator.dsn();

    const int64_t rows = options.samples * options.runs;
    const double through_benchd = IngestThroughBenchd(coordinator.address(), options);
    const int64_t stored = CountStoredSamples(dsn);
    const double raw = RawCopy(dsn, options);

    std::printf("rows: %lld (%d runs x %lld samples, %d per report); stored by benchd: %lld\n",
                static_cast<long long>(rows), options.runs, static_cast<long long>(options.samples), options.batch,
                static_cast<long long>(stored));
    std::printf("agent -> benchd -> PostgreSQL: %8.3f s  %10.0f rows/s\n", through_benchd, rows / through_benchd);
    std::printf("raw COPY (pqxx::stream_to):    %8.3f s  %10.0f rows/s\n", raw, rows / raw);
    std::printf("ratio end-to-end / raw COPY:   %8.2f\n", (rows / through_benchd) / (rows / raw));
    coordinator.Stop();
    return stored == rows ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "benchd-ingest-bench: " << e.what() << "\n";
    return 1;
  }
}
