#pragma once

// A small RFC 4180 CSV reader for the reference data: fields separated by
// commas, optionally enclosed in double quotes (which may then contain
// commas, line breaks and doubled quotes ""), records ended by "\n" or
// "\r\n". A final record without a line break counts; blank lines are
// skipped. Fields are returned as written, without trimming.
// Thread-safety: pure functions.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace benchd::sim {

using CsvRecord = std::vector<std::string>;

// Errors are reported as nullopt plus a message in `*error` (when given):
// an unterminated quoted field, or a character after a closing quote other
// than a separator.
std::optional<std::vector<CsvRecord>> ParseCsv(std::string_view text, std::string* error = nullptr);

// A number as QuTiBench writes it: surrounding spaces ignored, thousands
// separators allowed ("1,234.82"); nullopt for an empty or non-numeric field.
std::optional<double> ParseCsvNumber(std::string_view field);

}  // namespace benchd::sim
