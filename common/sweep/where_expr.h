#pragma once

// `where:` constraint expressions over a point's parameters:
//
//   platform != 'tx2' or precision in ['FP16', 'FP32']
//   not (batch > 64 and power_mode == 'maxq')
//   power_mode == null or platform == 'tx2'
//
// Operators: == != < <= > >= in, not in, and, or, not, parentheses. Operands:
// parameter names (a missing parameter is null), 'strings' or "strings",
// numbers, true, false, null, and [lists] of those on the right of `in`.
// Numbers compare numerically (8 == 8.0); strings compare as text. Ordering
// against null is false; ordering a string against a number is an error.
// Thread-safety: immutable after parsing.

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "benchd/v1/common.pb.h"

namespace benchd::common {

class WhereExpr {
 public:
  // Errors: INVALID_ARGUMENT "column N: message", N 1-based within `text`.
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<const WhereExpr>> Parse(std::string_view text);

  virtual ~WhereExpr() = default;
  // Errors: INVALID_ARGUMENT naming the offending comparison.
  [[nodiscard]] virtual absl::StatusOr<bool> Holds(const benchd::v1::Parameters& parameters) const = 0;
};

}  // namespace benchd::common
