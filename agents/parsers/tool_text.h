#pragma once

// Helpers shared by the parsers of accelerator benchmark tools (trtexec,
// OpenVINO benchmark_app, TFLite benchmark_model) on top of text_scan.h:
// durations with units, log prefixes, binary-garbage detection and the error
// shape they all use.
// Thread-safety: pure functions.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agents/parsers/text_scan.h"

namespace benchd::agent {

// `value` given in `unit` ("ns", "us", "µs", "ms" or "s") as microseconds.
// Errors: INVALID_ARGUMENT for a bad number (see text_scan.h), a negative
// value or an unknown unit.
[[nodiscard]] absl::StatusOr<double> ToMicroseconds(std::string_view value, std::string_view unit);

// "9.6058 ms" (a number, blanks, a unit) as microseconds; errors as above.
[[nodiscard]] absl::StatusOr<double> ParseDurationUs(std::string_view text);

// The first line holding bytes no text log has (control characters other than
// tab, or invalid UTF-8), or nullptr. Tools print text, so such a line means
// the output is corrupted and nothing in it can be trusted.
const TextLine* FindBinaryLine(const std::vector<TextLine>& lines);

// DATA_LOSS "parse <tool> output: line <n>: <message>" ("line" left out when
// `line_number` is 0). Malformed tool output is an infrastructure failure.
absl::Status ToolOutputError(std::string_view tool, int line_number, std::string_view message);

// Removes `prefix` and then any blanks from the front of `*text` when it
// starts with `prefix`; returns whether it did.
bool ConsumeTag(std::string_view* text, std::string_view prefix);

}  // namespace benchd::agent
