#include "agents/sim/jetson/trtexec_report.h"

#include <algorithm>
#include <ctime>
#include <functional>
#include <numeric>
#include <sstream>

namespace benchd::sim {
namespace {

// Share of the copy time spent before compute (H2D) rather than after (D2H):
// inputs are larger than outputs for every topology simulated.
constexpr double kH2dShare = 0.6;
// Host time to enqueue a query, relative to its latency.
constexpr double kEnqueueShare = 0.12;

struct Timing {
  double enq, h2d, compute, d2h, e2e;
  double latency() const { return h2d + compute + d2h; }
};

Timing TimingOf(const TraceQuery& q) {
  return {q.enq_end - q.enq_start, q.h2d_end - q.h2d_start, q.compute_end - q.compute_start,
          q.d2h_end - q.d2h_start, q.d2h_end - q.h2d_start};
}

std::string Num(double value) {
  std::ostringstream out;
  out << value;  // trtexec prints floats with the stream defaults
  return out.str();
}

struct Stats {
  double min, max, mean, median, percentile;
};

Stats StatsOf(const std::vector<Timing>& timings, const std::function<double(const Timing&)>& get, double p) {
  std::vector<double> values;
  for (const Timing& t : timings) values.push_back(get(t));
  std::sort(values.begin(), values.end());
  const auto n = static_cast<long>(values.size());
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(n);
  const double median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  const auto exclude = static_cast<long>((1 - p / 100) * static_cast<double>(n));
  return {values.front(), values.back(), mean, median, values[std::max(n - 1 - exclude, 0L)]};
}

std::string SummaryLine(const Stats& s, double p) {
  return "min = " + Num(s.min) + " ms, max = " + Num(s.max) + " ms, mean = " + Num(s.mean) + " ms, median = " +
         Num(s.median) + " ms, percentile(" + Num(p) + "%) = " + Num(s.percentile) + " ms";
}

}  // namespace

std::string LogPrefix(char level) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::strftime(stamp, sizeof stamp, "[%m/%d/%Y-%H:%M:%S]", &local);
  return std::string(stamp) + " [" + level + "] ";
}

std::vector<TraceQuery> SimulateTrace(const TraceConfig& config, Noise& noise) {
  const double copies_ms = std::max(config.lat_sys_ms - config.lat_comp_ms, 0.02 * config.lat_comp_ms);
  std::vector<TraceQuery> trace;
  double t = 0;
  long timed = 0;
  double timed_start = -1;
  while (true) {
    TraceQuery q;
    const double copies = noise.Around(copies_ms);
    q.enq_start = t;
    q.enq_end = t + noise.Around(kEnqueueShare * config.lat_sys_ms);
    q.h2d_start = t;
    q.h2d_end = t + copies * kH2dShare;
    q.compute_start = q.h2d_end;
    q.compute_end = q.compute_start + noise.Around(config.lat_comp_ms);
    q.d2h_start = q.compute_end;
    q.d2h_end = q.d2h_start + copies * (1 - kH2dShare);
    t = q.d2h_end;
    trace.push_back(q);
    if (q.compute_start < config.warmup_ms) continue;
    if (timed_start < 0) timed_start = q.h2d_start;
    ++timed;
    if (timed >= config.iterations && t - timed_start >= config.duration_s * 1000) break;
  }
  return trace;
}

TraceSpans SpansOf(const std::vector<TraceQuery>& trace, double warmup_ms) {
  auto first_timed =
      std::find_if(trace.begin(), trace.end(), [&](const TraceQuery& q) { return q.compute_start >= warmup_ms; });
  if (first_timed == trace.end()) return {trace.empty() ? 0 : trace.back().d2h_end, 0};
  return {first_timed->h2d_start, trace.back().d2h_end - first_timed->h2d_start};
}

std::vector<std::string> FormatReport(const std::vector<TraceQuery>& trace, const ReportConfig& config) {
  const std::string info = LogPrefix('I');
  auto first_timed = std::find_if(trace.begin(), trace.end(),
                                  [&](const TraceQuery& q) { return q.compute_start >= config.warmup_ms; });
  const long warmups = first_timed - trace.begin();
  std::vector<Timing> timings;
  for (auto it = first_timed; it != trace.end(); ++it) timings.push_back(TimingOf(*it));
  // The same span the simulator spends in real time when it simulates power.
  const double bench_ms = SpansOf(trace, config.warmup_ms).timed_ms;
  const auto n = static_cast<double>(timings.size());
  const double p = config.percentile;

  std::vector<std::string> lines;
  lines.push_back(info + "Warmup completed " + std::to_string(warmups * config.batch_factor) + " queries over " +
                  Num(config.warmup_ms) + " ms");
  lines.push_back(info + "Timing trace has " + std::to_string(timings.size() * config.batch_factor) +
                  " queries over " + Num(bench_ms / 1000) + " s");
  if (!config.legacy7) {
    lines.push_back(info);
    lines.push_back(info + "=== Trace details ===");
  }
  lines.push_back(info + "Trace averages of " + std::to_string(config.avg_runs) + " runs:");
  for (size_t first = 0; first + config.avg_runs <= timings.size(); first += config.avg_runs) {
    Timing sum{0, 0, 0, 0, 0};
    for (size_t i = first; i < first + config.avg_runs; ++i) {
      sum = {sum.enq + timings[i].enq, sum.h2d + timings[i].h2d, sum.compute + timings[i].compute,
             sum.d2h + timings[i].d2h, sum.e2e + timings[i].e2e};
    }
    const double runs = config.avg_runs;
    lines.push_back(info + "Average on " + std::to_string(config.avg_runs) + " runs - GPU latency: " +
                    Num(sum.compute / runs) + " ms - Host latency: " + Num(sum.latency() / runs) +
                    " ms (end to end " + Num(sum.e2e / runs) + " ms, enqueue " + Num(sum.enq / runs) + " ms)");
  }
  const Stats latency = StatsOf(timings, [](const Timing& t) { return t.latency(); }, p);
  const Stats e2e = StatsOf(timings, [](const Timing& t) { return t.e2e; }, p);
  const Stats enqueue = StatsOf(timings, [](const Timing& t) { return t.enq; }, p);
  const Stats h2d = StatsOf(timings, [](const Timing& t) { return t.h2d; }, p);
  const Stats compute = StatsOf(timings, [](const Timing& t) { return t.compute; }, p);
  const Stats d2h = StatsOf(timings, [](const Timing& t) { return t.d2h; }, p);
  const double throughput = config.batch_factor * n / bench_ms * 1000;

  if (config.legacy7) {
    lines.push_back(info + "Host Latency");
    lines.push_back(info + "min: " + Num(latency.min) + " ms (end to end " + Num(e2e.min) + " ms)");
    lines.push_back(info + "max: " + Num(latency.max) + " ms (end to end " + Num(e2e.max) + " ms)");
    lines.push_back(info + "mean: " + Num(latency.mean) + " ms (end to end " + Num(e2e.mean) + " ms)");
    lines.push_back(info + "median: " + Num(latency.median) + " ms (end to end " + Num(e2e.median) + " ms)");
    lines.push_back(info + "percentile: " + Num(latency.percentile) + " ms at " + Num(p) + "% (end to end " +
                    Num(e2e.percentile) + " ms at " + Num(p) + "%)");
    lines.push_back(info + "throughput: " + Num(throughput) + " qps");
    lines.push_back(info + "walltime: " + Num(bench_ms / 1000) + " s");
    lines.push_back(info + "Enqueue Time");
    lines.push_back(info + "min: " + Num(enqueue.min) + " ms");
    lines.push_back(info + "max: " + Num(enqueue.max) + " ms");
    lines.push_back(info + "median: " + Num(enqueue.median) + " ms");
    lines.push_back(info + "GPU Compute");
    lines.push_back(info + "min: " + Num(compute.min) + " ms");
    lines.push_back(info + "max: " + Num(compute.max) + " ms");
    lines.push_back(info + "mean: " + Num(compute.mean) + " ms");
    lines.push_back(info + "median: " + Num(compute.median) + " ms");
    lines.push_back(info + "percentile: " + Num(compute.percentile) + " ms at " + Num(p) + "%");
    lines.push_back(info + "total compute time: " + Num(compute.mean * n / 1000) + " s");
  } else {
    lines.push_back(info);
    lines.push_back(info + "=== Performance summary ===");
    lines.push_back(info + "Throughput: " + Num(throughput) + " qps");
    lines.push_back(info + "Latency: " + SummaryLine(latency, p));
    lines.push_back(info + "End-to-End Host Latency: " + SummaryLine(e2e, p));
    lines.push_back(info + "Enqueue Time: " + SummaryLine(enqueue, p));
    lines.push_back(info + "H2D Latency: " + SummaryLine(h2d, p));
    lines.push_back(info + "GPU Compute Time: " + SummaryLine(compute, p));
    lines.push_back(info + "D2H Latency: " + SummaryLine(d2h, p));
    lines.push_back(info + "Total Host Walltime: " + Num(bench_ms / 1000) + " s");
    lines.push_back(info + "Total GPU Compute Time: " + Num(compute.mean * n / 1000) + " s");
    lines.push_back(info + "Explanations of the performance metrics are printed in the verbose logs.");
    lines.push_back(info);
  }
  lines.push_back("&&&& PASSED TensorRT.trtexec " + config.version_marker + "# " + config.command_line);
  return lines;
}

std::string FormatExportTimes(const std::vector<TraceQuery>& trace, bool legacy7) {
  const char* h2d = legacy7 ? "In" : "H2d";
  const char* d2h = legacy7 ? "Out" : "D2h";
  std::ostringstream os;
  os << "[\n";
  const char* sep = "  ";
  for (const TraceQuery& q : trace) {
    const Timing t = TimingOf(q);
    os << sep << "{ ";
    sep = ", ";
    os << "\"startEnqMs\" : " << q.enq_start << sep << "\"endEnqMs\" : " << q.enq_end << sep << "\"start" << h2d
       << "Ms\" : " << q.h2d_start << sep << "\"end" << h2d << "Ms\" : " << q.h2d_end << sep
       << "\"startComputeMs\" : " << q.compute_start << sep << "\"endComputeMs\" : " << q.compute_end << sep
       << "\"start" << d2h << "Ms\" : " << q.d2h_start << sep << "\"end" << d2h << "Ms\" : " << q.d2h_end << sep
       << "\"" << (legacy7 ? "in" : "h2d") << "Ms\" : " << t.h2d << sep << "\"computeMs\" : " << t.compute << sep
       << "\"" << (legacy7 ? "out" : "d2h") << "Ms\" : " << t.d2h << sep << "\"latencyMs\" : " << t.latency()
       << sep << "\"endToEndMs\" : " << t.e2e << " }\n";
  }
  os << "]\n";
  return os.str();
}

}  // namespace benchd::sim
