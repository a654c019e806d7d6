#include "agents/drivers/argv_template.h"

#include "nlohmann/json.hpp"

namespace benchd::agent {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

std::string Quote(std::string_view text) { return "'" + std::string(text) + "'"; }

}  // namespace

absl::StatusOr<ArgvTemplate::Element> ArgvTemplate::ParseElement(std::string_view text,
                                                                  std::string_view option) {
  const size_t open = text.find('{');
  const size_t close = text.find('}');
  if (open == std::string_view::npos && close == std::string_view::npos) {
    return Element{std::string(text), ""};
  }
  const auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError("option '" + std::string(option) + "': element " + Quote(text) +
                                      ": " + std::string(why));
  };
  // Exactly one placeholder, closing the element: partial substitution in
  // the middle of an element would let a value run into literal text.
  if (open == std::string_view::npos || close != text.size() - 1 || close < open ||
      text.find('{', open + 1) != std::string_view::npos ||
      text.find('}') != close) {
    return bad("a placeholder must be the whole element or follow a literal 'prefix='");
  }
  const std::string_view prefix = text.substr(0, open);
  if (!prefix.empty() && prefix.back() != '=') {
    return bad("the text before a placeholder must end with '='");
  }
  const std::string_view name = text.substr(open + 1, close - open - 1);
  if (name.empty() || !IsNameStart(name.front())) return bad("placeholder names are [a-z_][a-z0-9_]*");
  for (char c : name) {
    if (!IsNameChar(c)) return bad("placeholder names are [a-z_][a-z0-9_]*");
  }
  return Element{std::string(prefix), std::string(name)};
}

absl::StatusOr<ArgvTemplate> ArgvTemplate::Parse(std::string_view json_text, std::string_view option) {
  const nlohmann::json json = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_array()) {
    return absl::InvalidArgumentError("option '" + std::string(option) +
                                      "' must be a JSON array of strings, e.g. [\"tool\", \"--batch\", \"{batch}\"]");
  }
  std::vector<std::string> elements;
  for (const nlohmann::json& item : json) {
    if (!item.is_string()) {
      return absl::InvalidArgumentError("option '" + std::string(option) + "': element " + item.dump() +
                                        " is not a string");
    }
    elements.push_back(item.get<std::string>());
  }
  return FromElements(std::move(elements), option);
}

absl::StatusOr<ArgvTemplate> ArgvTemplate::FromElements(std::vector<std::string> elements,
                                                        std::string_view option) {
  if (elements.empty()) {
    return absl::InvalidArgumentError("option '" + std::string(option) + "' names no program");
  }
  ArgvTemplate parsed;
  for (const std::string& text : elements) {
    absl::StatusOr<Element> element = ParseElement(text, option);
    if (!element.ok()) return element.status();
    if (!element->placeholder.empty()) parsed.placeholders_.insert(element->placeholder);
    parsed.elements_.push_back(*std::move(element));
  }
  if (!parsed.elements_.front().placeholder.empty() || parsed.elements_.front().literal.empty()) {
    // The program is fixed by the operator, never chosen by a sweep.
    return absl::InvalidArgumentError("option '" + std::string(option) +
                                      "': the first element must be a literal program name");
  }
  return parsed;
}

const std::string& ArgvTemplate::Program() const {
  static const std::string kNone;
  return elements_.empty() ? kNone : elements_.front().literal;
}

absl::StatusOr<std::vector<std::string>> ArgvTemplate::Expand(
    const std::map<std::string, std::string>& values) const {
  if (elements_.empty()) return absl::InvalidArgumentError("the command template is empty");
  std::vector<std::string> argv;
  argv.reserve(elements_.size());
  for (const Element& element : elements_) {
    if (element.placeholder.empty()) {
      argv.push_back(element.literal);
      continue;
    }
    const auto value = values.find(element.placeholder);
    if (value == values.end()) {
      return absl::InvalidArgumentError("the command needs a value for '{" + element.placeholder +
                                        "}' and the experiment has none");
    }
    if (value->second.find('\0') != std::string::npos) {
      return absl::InvalidArgumentError("the value of '" + element.placeholder +
                                        "' contains a NUL byte, which no argument can carry");
    }
    argv.push_back(element.literal + value->second);
  }
  return argv;
}

std::string ArgvTemplate::ToString() const {
  nlohmann::json json = nlohmann::json::array();
  for (const Element& element : elements_) {
    json.push_back(element.placeholder.empty() ? element.literal
                                               : element.literal + "{" + element.placeholder + "}");
  }
  return json.dump();
}

}  // namespace benchd::agent
