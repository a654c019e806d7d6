#include "agents/sim/common/csv.h"

#include <charconv>
#include <cmath>

namespace benchd::sim {

std::optional<std::vector<CsvRecord>> ParseCsv(std::string_view text, std::string* error) {
  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string field;
  // Whether the current record has begun; distinguishes a blank line from a
  // record of one empty field, which RFC 4180 cannot, so blank lines are dropped.
  bool record_started = false;
  size_t i = 0;
  int line = 1;
  auto end_field = [&] {
    record.push_back(std::move(field));
    field.clear();
  };
  auto end_record = [&] {
    if (record_started) {
      end_field();
      records.push_back(std::move(record));
      record.clear();
    }
    record_started = false;
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"' && field.empty()) {
      // A quoted field runs to the next quote that is not doubled.
      record_started = true;
      const int start_line = line;
      ++i;
      bool closed = false;
      while (i < text.size()) {
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        if (text[i] == '\n') ++line;
        field += text[i++];
      }
      if (!closed) {
        if (error) *error = "line " + std::to_string(start_line) + ": unterminated quoted field";
        return std::nullopt;
      }
      if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        if (error) *error = "line " + std::to_string(line) + ": text after a closing quote";
        return std::nullopt;
      }
      continue;
    }
    if (c == ',') {
      record_started = true;
      end_field();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      // The '\n' ends the record on the next turn.
    } else if (c == '\n') {
      end_record();
      ++line;
    } else {
      record_started = true;
      field += c;
    }
    ++i;
  }
  end_record();
  return records;
}

std::optional<double> ParseCsvNumber(std::string_view field) {
  while (!field.empty() && (field.front() == ' ' || field.front() == '\t')) field.remove_prefix(1);
  while (!field.empty() && (field.back() == ' ' || field.back() == '\t' || field.back() == '\r')) {
    field.remove_suffix(1);
  }
  std::string digits;
  for (char c : field) {
    if (c != ',') digits += c;
  }
  if (digits.empty()) return std::nullopt;
  double value = 0;
  const char* begin = digits.data();
  const char* end = begin + digits.size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace benchd::sim
