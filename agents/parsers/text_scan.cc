#include "agents/parsers/text_scan.h"

#include <charconv>
#include <cmath>
#include <string>

namespace benchd::agent {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string Quoted(std::string_view token) {
  // Long garbage tokens would drown the message; 40 characters identify one.
  constexpr size_t kMaxQuoted = 40;
  std::string quoted = "'";
  quoted += token.substr(0, kMaxQuoted);
  if (token.size() > kMaxQuoted) quoted += "...";
  quoted += "'";
  return quoted;
}

template <typename T>
absl::StatusOr<T> ParseInteger(std::string_view token, const char* kind) {
  T value{};
  const char* end = token.data() + token.size();
  auto [ptr, error] = std::from_chars(token.data(), end, value);
  if (token.empty() || error != std::errc() || ptr != end) {
    return absl::InvalidArgumentError("parse " + std::string(kind) + ": bad value " +
                                      Quoted(token));
  }
  return value;
}

}  // namespace

std::vector<TextLine> SplitLines(std::string_view text) {
  std::vector<TextLine> lines;
  int number = 0;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back({++number, line});
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
  return lines;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsBlank(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsBlank(text.back())) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> SplitWhitespace(std::string_view text) {
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsBlank(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !IsBlank(text[i])) ++i;
    if (i > start) tokens.push_back(text.substr(start, i - start));
  }
  return tokens;
}

bool ConsumePrefix(std::string_view* text, std::string_view prefix) {
  if (!text->starts_with(prefix)) return false;
  text->remove_prefix(prefix.size());
  return true;
}

const std::string_view* KeyValueLine::Find(std::string_view key) const {
  for (const auto& [k, v] : fields) {
    if (k == key) return &v;
  }
  return nullptr;
}

absl::StatusOr<std::string_view> KeyValueLine::GetString(std::string_view key) const {
  const std::string_view* value = Find(key);
  if (value == nullptr) {
    return absl::InvalidArgumentError("'" + std::string(keyword) + "' line lacks '" +
                                      std::string(key) + "='");
  }
  return *value;
}

absl::StatusOr<int64_t> KeyValueLine::GetInt64(std::string_view key) const {
  absl::StatusOr<std::string_view> text = GetString(key);
  if (!text.ok()) return text.status();
  absl::StatusOr<int64_t> value = ParseInt64(*text);
  if (!value.ok()) {
    return absl::InvalidArgumentError(std::string(key) + ": " +
                                      std::string(value.status().message()));
  }
  return value;
}

absl::StatusOr<double> KeyValueLine::GetDouble(std::string_view key) const {
  absl::StatusOr<std::string_view> text = GetString(key);
  if (!text.ok()) return text.status();
  absl::StatusOr<double> value = ParseDouble(*text);
  if (!value.ok()) {
    return absl::InvalidArgumentError(std::string(key) + ": " +
                                      std::string(value.status().message()));
  }
  return value;
}

absl::StatusOr<KeyValueLine> ParseKeyValueLine(std::string_view line) {
  const std::vector<std::string_view> tokens = SplitWhitespace(line);
  if (tokens.empty()) return absl::InvalidArgumentError("parse key=value line: empty line");
  KeyValueLine result;
  result.keyword = tokens[0];
  for (size_t i = 1; i < tokens.size(); ++i) {
    const size_t equals = tokens[i].find('=');
    if (equals == std::string_view::npos || equals == 0) {
      return absl::InvalidArgumentError("parse key=value line: expected key=value, got " +
                                        Quoted(tokens[i]));
    }
    const std::string_view key = tokens[i].substr(0, equals);
    if (result.Find(key) != nullptr) {
      return absl::InvalidArgumentError("parse key=value line: key '" + std::string(key) +
                                        "' given twice");
    }
    result.fields.emplace_back(key, tokens[i].substr(equals + 1));
  }
  return result;
}

absl::StatusOr<int64_t> ParseInt64(std::string_view token) {
  return ParseInteger<int64_t>(token, "integer");
}

absl::StatusOr<uint64_t> ParseUint64(std::string_view token) {
  return ParseInteger<uint64_t>(token, "unsigned integer");
}

absl::StatusOr<double> ParseDouble(std::string_view token) {
  double value = 0;
  const char* end = token.data() + token.size();
  auto [ptr, error] = std::from_chars(token.data(), end, value);
  if (token.empty() || error != std::errc() || ptr != end || !std::isfinite(value)) {
    return absl::InvalidArgumentError("parse number: bad value " + Quoted(token));
  }
  return value;
}

std::string_view TailLines(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  const size_t start = text.size() - max_bytes;
  std::string_view tail = text.substr(start);
  if (start > 0 && text[start - 1] == '\n') return tail;  // already at a line start
  const size_t newline = tail.find('\n');
  if (newline != std::string_view::npos && newline + 1 < tail.size())
    tail.remove_prefix(newline + 1);
  return tail;
}

}  // namespace benchd::agent
