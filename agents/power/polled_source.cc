#include "agents/power/polled_source.h"

#include <algorithm>

namespace benchd::agent::power {
namespace {

std::string JoinNames(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text.empty() ? "none" : text;
}

}  // namespace

absl::StatusOr<std::vector<size_t>> SelectRails(const std::vector<std::string>& found,
                                                const std::vector<std::string>& wanted, const std::string& what) {
  if (found.empty()) return absl::FailedPreconditionError(what + ": no power rails found");
  std::vector<size_t> selected;
  if (wanted.empty()) {
    for (size_t i = 0; i < found.size(); ++i) {
      if (std::count(found.begin(), found.end(), found[i]) > 1) {
        return absl::FailedPreconditionError(what + ": two rails are named '" + found[i] +
                                             "'; narrow the source (chip, path) or list rails");
      }
      selected.push_back(i);
    }
    return selected;
  }
  for (const std::string& name : wanted) {
    const auto first = std::find(found.begin(), found.end(), name);
    if (first == found.end()) {
      return absl::NotFoundError(what + ": no rail named '" + name + "' (found: " + JoinNames(found) + ")");
    }
    if (std::find(first + 1, found.end(), name) != found.end()) {
      return absl::FailedPreconditionError(what + ": two rails are named '" + name + "'; narrow the source");
    }
    selected.push_back(static_cast<size_t>(first - found.begin()));
  }
  return selected;
}

}  // namespace benchd::agent::power
