#pragma once

// The output spec of the generic `command` driver and the parser it drives:
// how to find per-inference latencies (and optional extra figures) in the
// stdout of an arbitrary benchmark program.
//
// A spec has a format and a field list:
//   format  regex | jsonl | kv
//   fields  comma-separated `metric=source` pairs. Exactly one metric is the
//           latency, named `latency_ns`, `latency_us`, `latency_ms` or
//           `latency_s` (the unit of the printed number); every other metric
//           `name` or `name[unit]` becomes an extra figure, averaged over the
//           lines that carry it.
//   pattern (regex only) an ECMAScript std::regex, searched in every line.
//           C++'s std::regex has no named groups, so a source is a capture
//           group number: pattern "lat=([0-9.]+)ms", fields "latency_ms=1".
// Sources by format: regex, a group number >= 1 below the pattern's group
// count; jsonl, a key of a JSON object line, dotted for nesting
// ("timing.latency_us"); kv, a key of `key=value` tokens separated by blanks
// or commas ("iter=3 latency_us=812.5 power_w=1.9").
//
// Every line that yields a latency is one sample, in order; lines that do
// not (log lines, a header) are skipped. Two keys are reserved in jsonl and
// kv output: `t_ns`, the CLOCK_MONOTONIC time in nanoseconds (Python's
// time.monotonic_ns()) a sample completed, kept when every sample has one;
// and `phase`, which on a line without a latency marks where a phase of the
// run starts (`phase=measure t_ns=...`; phases: idle, warmup, measure,
// cooldown, end), so the agent can place its power windows exactly. A matching line whose field is not
// a finite number, or a negative latency, is an error: a silently dropped
// sample would bias the statistics.
// Thread-safety: a spec is immutable after parsing; parsing is pure.

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace benchd::agent {

enum class CommandOutputFormat { kRegex, kJsonLines, kKeyValue };

struct CommandOutputField {
  std::string metric;  // "latency_us", "power", ...
  std::string unit;    // "W" from "power[W]"; empty when not given
  std::string key;     // jsonl / kv source
  int group = 0;       // regex source
};

struct CommandOutputSpec {
  CommandOutputFormat format = CommandOutputFormat::kKeyValue;
  std::string pattern_text;
  std::optional<std::regex> pattern;
  CommandOutputField latency;
  double latency_to_us = 1.0;  // multiplier from the printed unit
  std::vector<CommandOutputField> extras;
};

// Errors: INVALID_ARGUMENT naming the option: unknown format, a pattern that
// does not compile or is missing (regex) or given (other formats), no or two
// latency fields, a bad source, a metric named twice.
[[nodiscard]] absl::StatusOr<CommandOutputSpec> ParseCommandOutputSpec(std::string_view format,
                                                                       std::string_view fields,
                                                                       std::string_view pattern);

struct CommandExtraFigure {
  std::string metric;
  std::string unit;
  double mean = 0;
  int64_t count = 0;
};

struct CommandPhaseMark {
  std::string phase;  // as printed; the driver checks the name
  int64_t t_ns = 0;
};

struct CommandOutput {
  std::vector<double> latency_us;
  std::vector<int64_t> t_ns;  // same length as latency_us, or empty
  std::vector<CommandPhaseMark> phases;
  std::vector<CommandExtraFigure> extras;  // in spec order; only those seen
};

// Errors: DATA_LOSS (with the 1-based line number) for a bad field value or
// when no line carries a latency.
[[nodiscard]] absl::StatusOr<CommandOutput> ParseCommandOutput(const CommandOutputSpec& spec,
                                                              std::string_view text);

}  // namespace benchd::agent
