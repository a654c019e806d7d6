#include "cli/commands/trace.h"

#include <fstream>
#include <vector>

#include "cli/output/csv.h"
#include "cli/output/format.h"
#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::cli {
namespace {

namespace v1 = benchd::v1;

std::string KindName(v1::LatencyKind kind) {
  switch (kind) {
    case v1::LATENCY_KIND_COMPUTE:
      return "compute";
    case v1::LATENCY_KIND_SYSTEM:
      return "system";
    default:
      return "unspecified";
  }
}

void WriteChunk(const v1::RunTraceChunk& chunk, std::ostream& out) {
  for (const v1::PhaseMark& mark : chunk.phases()) {
    WriteCsvRecord(out, {"phase", mark.phase(), "", "", std::to_string(mark.t_ns()), "", ""});
  }
  if (chunk.has_power()) {
    const v1::PowerBatch& power = chunk.power();
    for (int i = 0; i < power.watts_size(); ++i) {
      WriteCsvRecord(out, {"power", power.channel(), "", "", std::to_string(power.t_ns(i)),
                           FormatExact(power.watts(i)), "W"});
    }
  }
  if (chunk.has_latency()) {
    const v1::LatencyBatch& latency = chunk.latency();
    const std::string kind = KindName(latency.kind());
    for (int i = 0; i < latency.latency_us_size(); ++i) {
      const int64_t t_ns = i < latency.t_ns_size() ? latency.t_ns(i) : 0;
      WriteCsvRecord(out, {"latency", kind, std::to_string(latency.repeat()), std::to_string(latency.first_index() + i),
                           t_ns != 0 ? std::to_string(t_ns) : "", FormatExact(latency.latency_us(i)), "us"});
    }
  }
}

}  // namespace

absl::Status RunTrace(const CommandContext& context, const TraceOptions& options) {
  const std::string what = fmt::format("trace {}", options.run_id);
  std::ofstream file;
  std::ostream* out = &context.out;
  if (!options.output.empty() && options.output != "-") {
    file.open(options.output, std::ios::out | std::ios::trunc);
    if (!file) return absl::UnavailableError(fmt::format("{}: cannot write '{}'", what, options.output));
    out = &file;
  }
  WriteCsvRecord(*out, {"kind", "name", "repeat", "index", "t_ns", "value", "unit"});
  const absl::Status streamed =
      context.client.GetRunTrace(options.run_id, [&](const v1::RunTraceChunk& chunk) { WriteChunk(chunk, *out); });
  if (!streamed.ok()) return common::WithContext(streamed, what);
  out->flush();
  if (!*out) return absl::UnavailableError(fmt::format("{}: writing '{}' failed", what, options.output));
  return absl::OkStatus();
}

}  // namespace benchd::cli
