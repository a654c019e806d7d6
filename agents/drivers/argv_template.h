#pragma once

// A command line written in a driver option: a JSON array of strings whose
// `{name}` placeholders are filled at run time. No shell ever sees the
// result, and a value always stays inside the one element it was put in, so
// a sweep value such as `1; rm -rf /` reaches the program as exactly that
// text, in one argument.
//
// Element forms (anything else is rejected when the template is parsed):
//   literal           no braces at all: "--iterations", "/usr/bin/tool"
//   {name}            the whole element is the value: "{batch}"
//   prefix={name}     a literal prefix ending in '=' and then the value:
//                     "--precision={precision}", "OPT={opt}". The prefix is
//                     fixed text, so the value cannot change which option
//                     it belongs to.
// Names are [a-z_][a-z0-9_]*. Values must not contain NUL (argv cannot carry
// it). A value that starts with '-' in a whole-element position can still be
// read as an option by the program; prefer the `--flag={name}` form where
// values are not constrained by the platform catalog.
// Thread-safety: immutable after parsing; all methods are const.

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace benchd::agent {

class ArgvTemplate {
 public:
  // An empty template, to be assigned a parsed one; expanding it fails.
  ArgvTemplate() = default;

  // Parses `json_text`, a non-empty JSON array of strings whose first
  // element is a literal (the program). Errors: INVALID_ARGUMENT naming
  // `option` and the offending element.
  [[nodiscard]] static absl::StatusOr<ArgvTemplate> Parse(std::string_view json_text,
                                                          std::string_view option);
  // Builds a template from elements already split (presets in code).
  [[nodiscard]] static absl::StatusOr<ArgvTemplate> FromElements(std::vector<std::string> elements,
                                                                 std::string_view option);

  // Every placeholder name used.
  const std::set<std::string>& Placeholders() const { return placeholders_; }
  // The program (first element); empty for an empty template.
  const std::string& Program() const;

  // The argv with every placeholder replaced. Errors: INVALID_ARGUMENT when a
  // placeholder has no value (the message names it), a value contains NUL,
  // or the template is empty.
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> Expand(
      const std::map<std::string, std::string>& values) const;

  // The template as written, for logs and environment records.
  std::string ToString() const;

 private:
  struct Element {
    std::string literal;      // the text, or the prefix before the placeholder
    std::string placeholder;  // empty for a literal element
  };

  [[nodiscard]] static absl::StatusOr<Element> ParseElement(std::string_view text,
                                                            std::string_view option);

  std::vector<Element> elements_;
  std::set<std::string> placeholders_;
};

}  // namespace benchd::agent
