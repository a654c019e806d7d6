#pragma once

// Tokenising helpers shared by the parsers of native tools' output: line
// iteration with line numbers, whitespace splitting, `keyword key=value ...`
// lines, and strict number parsing.
//
// Number parsing is strict: the whole token must be a number in the C locale
// (std::from_chars), with no sign prefix '+', no surrounding spaces, and no
// trailing unit; NaN and infinities are rejected. Errors are INVALID_ARGUMENT
// with a message naming the token; parsers add the line number and may map
// the code to their own (see host_mlp_parser.h).
// Thread-safety: pure functions. Returned string_views point into the input.

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace benchd::agent {

struct TextLine {
  int number = 0;         // 1-based
  std::string_view text;  // without the line break ("\n" or "\r\n")
};

// Every line of `text`; a final line without a line break is included, and an
// empty `text` has no lines.
std::vector<TextLine> SplitLines(std::string_view text);

// `text` without leading and trailing spaces, tabs and carriage returns.
std::string_view Trim(std::string_view text);

// Tokens separated by runs of spaces or tabs.
std::vector<std::string_view> SplitWhitespace(std::string_view text);

// Removes `prefix` from the front of `*text` and returns true when it is there.
bool ConsumePrefix(std::string_view* text, std::string_view prefix);

// A line of the form `keyword key=value key=value ...`.
struct KeyValueLine {
  std::string_view keyword;
  std::vector<std::pair<std::string_view, std::string_view>> fields;

  // The value of `key`, or nullptr.
  const std::string_view* Find(std::string_view key) const;
  // Typed lookups. Errors: INVALID_ARGUMENT when `key` is missing or its value
  // is not a number of that type.
  [[nodiscard]] absl::StatusOr<std::string_view> GetString(std::string_view key) const;
  [[nodiscard]] absl::StatusOr<int64_t> GetInt64(std::string_view key) const;
  [[nodiscard]] absl::StatusOr<double> GetDouble(std::string_view key) const;
};

// Errors: INVALID_ARGUMENT for an empty line, a token after the keyword that
// is not `key=value` with a non-empty key, or a key given twice.
[[nodiscard]] absl::StatusOr<KeyValueLine> ParseKeyValueLine(std::string_view line);

[[nodiscard]] absl::StatusOr<int64_t> ParseInt64(std::string_view token);
[[nodiscard]] absl::StatusOr<uint64_t> ParseUint64(std::string_view token);
[[nodiscard]] absl::StatusOr<double> ParseDouble(std::string_view token);

// At most the last `max_bytes` of `text`, cut at a line start when one is
// inside the window; for quoting a tool's stderr in an error message.
std::string_view TailLines(std::string_view text, size_t max_bytes);

}  // namespace benchd::agent
