#include "common/yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "common/duration.h"
#include "common/status_util.h"
#include <cstring>
#include "spdlog/fmt/fmt.h"

namespace benchd::common {
namespace {

const char* TypeName(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Null:
      return "nothing (null)";
    default:
      return "an undefined value";
  }
}

// yaml-cpp marks plain (unquoted) scalars with the tag "?" and quoted ones with
// "!"; only plain scalars are candidates for numbers and booleans.
bool IsPlainScalar(const YAML::Node& node) { return node.Tag() == "?"; }

bool ParseInteger(const std::string& text, int64_t* out) {
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, *out);
  return ec == std::errc() && ptr == end && begin != end;
}

bool ParseNumber(const std::string& text, double* out) {
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, *out);
  return ec == std::errc() && ptr == end && begin != end;
}

absl::Status CheckStructure(const YamlContext& ctx, const YAML::Node& node, int depth,
                            const YamlLimits& limits) {
  if (depth > limits.max_depth) {
    return ctx.ErrorAt(node, "", fmt::format("nesting deeper than {} levels", limits.max_depth));
  }
  if (node.IsMap()) {
    for (const auto& item : node) {
      absl::Status status = CheckStructure(ctx, item.second, depth + 1, limits);
      if (!status.ok()) return status;
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      absl::Status status = CheckStructure(ctx, item, depth + 1, limits);
      if (!status.ok()) return status;
    }
  }
  return absl::OkStatus();
}

// Offset of the first byte that is not part of valid UTF-8, or npos. Sweep
// text ends up in protobuf strings and PostgreSQL text, which refuse such
// bytes, so they are rejected here, where the error can say where.
size_t FirstInvalidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (length == 0 || i + length > text.size()) return i;
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return i;
    }
    // Overlong forms and surrogates.
    const unsigned char next = static_cast<unsigned char>(length > 1 ? text[i + 1] : 0);
    if ((length == 2 && c < 0xc2) || (length == 3 && c == 0xe0 && next < 0xa0) ||
        (length == 3 && c == 0xed && next >= 0xa0) || (length == 4 && c == 0xf0 && next < 0x90) ||
        (length == 4 && (c > 0xf4 || (c == 0xf4 && next >= 0x90)))) {
      return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

size_t CountAliases(std::string_view text) {
  // An alias is '*name' outside quotes; counting '*' followed by a name
  // character over-counts only inside quoted strings, which errs on the safe
  // side.
  size_t count = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] == '*' && (std::isalnum(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '_') &&
        (i == 0 || text[i - 1] == ' ' || text[i - 1] == '[' || text[i - 1] == ',' || text[i - 1] == ':')) {
      ++count;
    }
  }
  return count;
}

}  // namespace

std::string JoinPath(std::string_view parent, std::string_view child) {
  if (parent.empty()) return std::string(child);
  return fmt::format("{}.{}", parent, child);
}

std::string IndexPath(std::string_view parent, size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

absl::StatusOr<YAML::Node> YamlContext::Parse(std::string_view text, const YamlLimits& limits) const {
  if (text.size() > limits.max_bytes) {
    return absl::InvalidArgumentError(fmt::format("{}: file is {} bytes, more than the limit of {}",
                                                  file_name_, text.size(), limits.max_bytes));
  }
  if (const size_t bad = FirstInvalidUtf8(text); bad != std::string_view::npos) {
    const std::string_view before = text.substr(0, bad);
    const size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
    const size_t line_start = before.rfind('\n');
    const size_t column = bad - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
    return absl::InvalidArgumentError(
        fmt::format("{}:{}:{}: not valid UTF-8 (byte 0x{:02x})", file_name_, line, column,
                    static_cast<unsigned char>(text[bad])));
  }
  if (CountAliases(text) > static_cast<size_t>(limits.max_aliases)) {
    return absl::InvalidArgumentError(fmt::format(
        "{}: more than {} YAML aliases; expand them or split the file", file_name_, limits.max_aliases));
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    // yaml-cpp marks are zero-based.
    return absl::InvalidArgumentError(fmt::format("{}:{}:{}: invalid YAML: {}", file_name_,
                                                  e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  absl::Status structure = CheckStructure(*this, root, 0, limits);
  if (!structure.ok()) return structure;
  return root;
}

absl::Status YamlContext::ErrorAt(const YAML::Node& node, std::string_view path,
                                  std::string_view message) const {
  const YAML::Mark mark = node.Mark();
  std::string where = file_name_;
  if (!mark.is_null()) where += fmt::format(":{}:{}", mark.line + 1, mark.column + 1);
  if (path.empty()) return absl::InvalidArgumentError(fmt::format("{}: {}", where, message));
  return absl::InvalidArgumentError(fmt::format("{}: {}: {}", where, path, message));
}

absl::Status YamlContext::CheckMap(const YAML::Node& node, std::string_view path,
                                   std::initializer_list<std::string_view> allowed) const {
  if (!node.IsMap()) return ErrorAt(node, path, fmt::format("expected a map, got {}", TypeName(node)));
  for (const auto& item : node) {
    const std::string key = item.first.Scalar();
    bool known = false;
    for (std::string_view name : allowed) known = known || name == key;
    if (!known) {
      std::string names;
      for (std::string_view name : allowed) names += (names.empty() ? "" : ", ") + std::string(name);
      return ErrorAt(item.first, JoinPath(path, key),
                     fmt::format("unknown key '{}' (expected one of: {})", key, names));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> YamlContext::ReadString(const YAML::Node& node, std::string_view path) const {
  if (!node.IsScalar()) return ErrorAt(node, path, fmt::format("expected a string, got {}", TypeName(node)));
  return node.Scalar();
}

absl::StatusOr<int64_t> YamlContext::ReadInt(const YAML::Node& node, std::string_view path, int64_t min,
                                             int64_t max) const {
  int64_t value = 0;
  if (!node.IsScalar() || !IsPlainScalar(node) || !ParseInteger(node.Scalar(), &value)) {
    return ErrorAt(node, path,
                   fmt::format("expected an integer, got {}",
                               node.IsScalar() ? "'" + node.Scalar() + "'" : std::string(TypeName(node))));
  }
  if (value < min || value > max) {
    return ErrorAt(node, path, fmt::format("{} is out of range [{}, {}]", value, min, max));
  }
  return value;
}

absl::StatusOr<double> YamlContext::ReadDouble(const YAML::Node& node, std::string_view path) const {
  double value = 0;
  if (!node.IsScalar() || !IsPlainScalar(node) || !ParseNumber(node.Scalar(), &value)) {
    return ErrorAt(node, path,
                   fmt::format("expected a number, got {}",
                               node.IsScalar() ? "'" + node.Scalar() + "'" : std::string(TypeName(node))));
  }
  return value;
}

absl::StatusOr<bool> YamlContext::ReadBool(const YAML::Node& node, std::string_view path) const {
  if (node.IsScalar() && IsPlainScalar(node)) {
    if (node.Scalar() == "true") return true;
    if (node.Scalar() == "false") return false;
  }
  return ErrorAt(node, path,
                 fmt::format("expected true or false, got {}",
                             node.IsScalar() ? "'" + node.Scalar() + "'" : std::string(TypeName(node))));
}

absl::StatusOr<std::chrono::milliseconds> YamlContext::ReadDuration(const YAML::Node& node,
                                                                    std::string_view path) const {
  if (!node.IsScalar()) return ErrorAt(node, path, fmt::format("expected a duration, got {}", TypeName(node)));
  auto parsed = ParseDuration(node.Scalar());
  if (!parsed.ok()) return ErrorAt(node, path, std::string(parsed.status().message()));
  return *parsed;
}

absl::StatusOr<benchd::v1::ParamValue> YamlContext::ReadParamValue(const YAML::Node& node,
                                                                   std::string_view path) const {
  if (!node.IsScalar()) {
    return ErrorAt(node, path, fmt::format("expected a single value, got {}", TypeName(node)));
  }
  benchd::v1::ParamValue value;
  const std::string& text = node.Scalar();
  int64_t int_value = 0;
  double double_value = 0;
  if (!IsPlainScalar(node)) {
    value.set_string_value(text);
  } else if (text == "true" || text == "false") {
    value.set_bool_value(text == "true");
  } else if (ParseInteger(text, &int_value)) {
    value.set_int_value(int_value);
  } else if (ParseNumber(text, &double_value)) {
    value.set_double_value(double_value);
  } else if (text.empty() || text == "~" || text == "null") {
    return ErrorAt(node, path, "expected a value, got null");
  } else {
    value.set_string_value(text);
  }
  return value;
}

absl::StatusOr<std::string> ReadTextFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  std::string text;
  char buffer[64 * 1024];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > max_bytes) {
      return absl::InvalidArgumentError(
          fmt::format("'{}' is larger than the limit of {} bytes", path, max_bytes));
    }
  }
  return text;
}

}  // namespace benchd::common
