#include "agents/parsers/tool_text.h"

#include "common/status_util.h"

namespace benchd::agent {
namespace {

// Length of the UTF-8 sequence starting at `text[i]`, or 0 when invalid.
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  size_t length = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return 0;
  }
  return length;
}

bool IsBinary(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) return true;
      ++i;
      continue;
    }
    const size_t length = Utf8SequenceLength(text, i);
    if (length == 0) return true;
    i += length;
  }
  return false;
}

}  // namespace

absl::StatusOr<double> ToMicroseconds(std::string_view value, std::string_view unit) {
  BENCHD_ASSIGN_OR_RETURN(double number, ParseDouble(value));
  if (number < 0) return absl::InvalidArgumentError("negative duration '" + std::string(value) + "'");
  if (unit == "ms") return number * 1e3;
  if (unit == "us" || unit == "µs") return number;
  if (unit == "s") return number * 1e6;
  if (unit == "ns") return number * 1e-3;
  return absl::InvalidArgumentError("unknown time unit '" + std::string(unit.substr(0, 10)) + "'");
}

absl::StatusOr<double> ParseDurationUs(std::string_view text) {
  const std::vector<std::string_view> tokens = SplitWhitespace(text);
  if (tokens.size() != 2) {
    return absl::InvalidArgumentError("expected '<number> <unit>', got '" +
                                      std::string(Trim(text).substr(0, 40)) + "'");
  }
  return ToMicroseconds(tokens[0], tokens[1]);
}

const TextLine* FindBinaryLine(const std::vector<TextLine>& lines) {
  for (const TextLine& line : lines) {
    if (IsBinary(line.text)) return &line;
  }
  return nullptr;
}

absl::Status ToolOutputError(std::string_view tool, int line_number, std::string_view message) {
  std::string text = "parse " + std::string(tool) + " output: ";
  if (line_number > 0) text += "line " + std::to_string(line_number) + ": ";
  text += message;
  return absl::DataLossError(text);
}

bool ConsumeTag(std::string_view* text, std::string_view prefix) {
  if (!ConsumePrefix(text, prefix)) return false;
  while (!text->empty() && (text->front() == ' ' || text->front() == '\t')) text->remove_prefix(1);
  return true;
}

}  // namespace benchd::agent
