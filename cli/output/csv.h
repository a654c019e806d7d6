#pragma once

// CSV as RFC 4180 quotes it: a field that holds a comma, a double quote, CR
// or LF is put in double quotes, and its double quotes are doubled. Lines end
// in LF rather than the RFC's CRLF: the output goes to Unix pipes first, and
// every RFC 4180 reader (Python's csv, pandas, R, spreadsheets) accepts LF.
//
// Pure functions; thread-safe.

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace benchd::cli {

std::string CsvField(std::string_view field);

// Writes `fields` as one CSV record followed by "\n".
void WriteCsvRecord(std::ostream& out, const std::vector<std::string>& fields);

}  // namespace benchd::cli
