#pragma once

// Parser of the serial output of TensorFlow Lite Micro benchmark firmware.
//
// Timing lines are TFLM's own format (tflite-micro micro_benchmark /
// micro_profiler, `MicroPrintf("%s took %d ticks (%d ms)", ...)`):
//   KeywordRunNIerations(10) took 6481930 ticks (30 ms)   one timed run of N
//   Inference took 1737835 ticks (8 ms)                   one inference (N=1)
//   FULLY_CONNECTED took 118512 ticks (0 ms).             profiler event: ends in '.'
// A tag ending in "(N)" is the sum over N inferences. Ticks are printed as a
// signed 32-bit sum, so a negative value is a wrapped counter and is read
// modulo 2^32. The `ms` field is ignored: on the generic Cortex-M port
// `ticks_per_second()` is 0 and the field is garbage, so ticks are converted
// with the known core clock instead (`TicksToMicros`).
//
// benchd's benchmark firmware additionally prints, after reset, a ready
// banner (a line containing "TFLM benchmark ready", configurable in the
// driver) and may print `key=value` lines (arena_used_bytes=...). TFLM
// allocation failures are recognised by their messages ("Arena size is too
// small for all buffers", "AllocateTensors() failed", "Failed to allocate").
//
// Optional prefixes tools add before a line ("[dut]: ", "RX:") are accepted.
// Thread-safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace benchd::agent {

struct TflmTimingLine {
  std::string tag;
  int64_t iterations = 1;   // N of a "tag(N)" run, else 1
  uint32_t ticks = 0;       // sum over `iterations`, unwrapped to unsigned
  bool profiler_event = false;
};

// The line without a tool's relay prefix and surrounding blanks.
std::string_view StripSerialPrefix(std::string_view line);

// nullopt when `line` is not a timing line.
std::optional<TflmTimingLine> ParseTflmTimingLine(std::string_view line);

// True for TFLM's messages that mean the model did not fit into the arena or
// memory at run time.
bool IsTflmAllocationFailure(std::string_view line);

// True when a line holds bytes no firmware prints as text (control characters
// other than tab, or bytes >= 0x7f): line noise or a wrong baud rate.
bool IsGarbageLine(std::string_view line);

// `ticks` cycles of a core running at `clock_hz`, in microseconds.
double TicksToMicros(uint64_t ticks, uint64_t clock_hz);

// A whole captured log (golden files, a saved raw log).
struct TflmLog {
  bool ready = false;                  // the banner was seen
  std::optional<std::string> allocation_failure;  // the first such line
  std::vector<TflmTimingLine> runs;    // timing lines that are not profiler events
  std::vector<TflmTimingLine> events;  // profiler events
};

// Errors: DATA_LOSS (with the 1-based line number) for a garbage line, a line
// with " took " that is not a timing line, or a last line without a line
// break (the capture was cut off); an allocation failure is not an error here
// (see `allocation_failure`). `ready_banner` empty means
// "TFLM benchmark ready".
[[nodiscard]] absl::StatusOr<TflmLog> ParseTflmLog(std::string_view text,
                                                   std::string_view ready_banner = {});

// Per-inference latencies in microseconds: one sample per run, the run's
// ticks divided by its iterations.
std::vector<double> TflmPerInferenceMicros(const std::vector<TflmTimingLine>& runs, uint64_t clock_hz);

}  // namespace benchd::agent
