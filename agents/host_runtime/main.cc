// benchd-host-mlp: runs the QuTiBench MLP on the host CPU with oneDNN and
// prints per-inference latencies in the format described in report.h.
//
// Exit codes: 0 success; 1 the benchmark failed (oneDNN error, ...);
// 2 the requested precision cannot run on the host (never substituted);
// 64 bad command line.

#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>

#include "CLI/CLI.hpp"
#include "agents/host_runtime/mlp_model.h"
#include "agents/host_runtime/onednn_mlp.h"
#include "agents/host_runtime/report.h"
#include "dnnl.hpp"

namespace benchd::host_runtime {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUnsupportedPrecision = 2;
constexpr int kExitUsage = 64;

struct Options {
  double pruning = 100;
  std::string precision = "FP32";
  int64_t batch = 1;
  int threads = 0;  // 0: the threading runtime's default
  int warmup = 10;
  int iterations = 100;
  uint64_t seed = 1;
  bool version = false;
};

std::string ThreadingName(unsigned runtime) {
  switch (runtime) {
    case DNNL_RUNTIME_SEQ:
      return "seq";
    case DNNL_RUNTIME_OMP:
      return "omp";
    case DNNL_RUNTIME_TBB:
      return "tbb";
    case DNNL_RUNTIME_THREADPOOL:
      return "threadpool";
    default:
      return "other";
  }
}

RuntimeInfo CollectRuntimeInfo() {
  RuntimeInfo info;
  info.version = BENCHD_VERSION;
  info.onednn = OneDnnVersion();
  info.threading = ThreadingName(dnnl::version()->cpu_runtime);
  info.isa = EffectiveIsaName();
  info.threads = omp_get_max_threads();
  return info;
}

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int RunBenchmark(const Options& options, Precision precision, const MlpShape& shape) {
  // Debian's oneDNN is built on OpenMP (checked in CMake), so OpenMP's thread
  // count is oneDNN's; it must be set before the first primitive runs.
  if (options.threads > 0) omp_set_num_threads(options.threads);
  const RuntimeInfo info = CollectRuntimeInfo();

  const RunConfig config{.shape = shape,
                         .pruning = options.pruning,
                         .precision = precision,
                         .batch = options.batch,
                         .warmup = options.warmup,
                         .iterations = options.iterations,
                         .seed = options.seed};
  const MlpWeights weights = MlpWeights::Random(shape, options.seed);
  const std::vector<float> input = RandomInputs(options.batch, options.seed);
  OneDnnMlp network(weights, precision, options.batch, input);

  for (int i = 0; i < options.warmup; ++i) network.Infer();

  // Only the clock is touched inside the timed loop; printing waits until the
  // end so that output never perturbs the measurement.
  Measurements measurements;
  measurements.layer_implementations = network.LayerImplementations();
  measurements.latency_ns.resize(static_cast<size_t>(options.iterations));
  measurements.completion_ns.resize(static_cast<size_t>(options.iterations));
  for (int i = 0; i < options.iterations; ++i) {
    const int64_t start = SteadyNowNs();
    network.Infer();
    const int64_t end = SteadyNowNs();
    measurements.latency_ns[i] = end - start;
    measurements.completion_ns[i] = end;
  }

  const auto reference = ReferenceForward(weights, input, 1);
  const std::span<const float> output = network.Output();
  for (int64_t o = 0; o < kMlpOutputs; ++o) {
    const double expected = reference.back()[o];
    measurements.check_max_abs_error =
        std::max(measurements.check_max_abs_error, std::fabs(output[o] - expected));
    measurements.check_reference_max_abs =
        std::max(measurements.check_reference_max_abs, std::fabs(expected));
  }

  const std::string text = FormatReport(info, config, measurements);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : kExitFailure;
}

int Main(int argc, char** argv) {
  Options options;
  CLI::App app{
      "Runs the QuTiBench MLP on the host CPU with oneDNN and prints per-inference latencies",
      "benchd-host-mlp"};
  app.add_flag("--version", options.version, "print the runtime line and exit");
  app.add_option("--pruning", options.pruning,
                 "percent of the hidden width kept (100, 50, 25, 12.5)")
      ->check(CLI::Range(0.0, 100.0));
  app.add_option("--precision", options.precision, "FP32 or INT8 (any letter case)");
  app.add_option("--batch", options.batch, "inputs per inference")->check(CLI::Range(1, 4096));
  app.add_option("--threads", options.threads, "oneDNN threads; 0: the runtime's default")
      ->check(CLI::Range(0, 4096));
  app.add_option("--warmup", options.warmup, "untimed iterations first")
      ->check(CLI::Range(0, 10'000'000));
  app.add_option("--iterations", options.iterations, "timed iterations")
      ->check(CLI::Range(1, 10'000'000));
  app.add_option("--seed", options.seed, "seed of the random weights and inputs");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  if (options.version) {
    const std::string line = FormatHeaderLine(CollectRuntimeInfo());
    std::fwrite(line.data(), 1, line.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : kExitFailure;
  }
  const std::optional<Precision> precision = ParsePrecision(options.precision);
  if (!precision) {
    std::fprintf(stderr,
                 "benchd-host-mlp: the host runtime cannot run precision %s: supported are FP32, "
                 "INT8\n",
                 options.precision.c_str());
    return kExitUnsupportedPrecision;
  }
  const std::optional<MlpShape> shape = MlpShape::ForPruning(options.pruning);
  if (!shape) {
    std::fprintf(stderr, "benchd-host-mlp: pruning %g leaves no hidden units\n", options.pruning);
    return kExitUsage;
  }
  return RunBenchmark(options, *precision, *shape);
}

}  // namespace
}  // namespace benchd::host_runtime

int main(int argc, char** argv) {
  try {
    return benchd::host_runtime::Main(argc, argv);
  } catch (const dnnl::error& e) {
    std::fprintf(stderr, "benchd-host-mlp: onednn failed: %s (status %d)\n", e.what(),
                 static_cast<int>(e.status));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "benchd-host-mlp: %s\n", e.what());
  }
  return benchd::host_runtime::kExitFailure;
}
