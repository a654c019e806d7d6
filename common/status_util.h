#pragma once

// The one mapping between benchd's error values (absl::Status, whose codes are
// numerically gRPC's) and gRPC statuses, plus small helpers to add context.

#include <string_view>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace benchd::common {

[[nodiscard]] grpc::Status ToGrpcStatus(const absl::Status& status);
[[nodiscard]] absl::Status FromGrpcStatus(const grpc::Status& status);

// Returns `status` with "`context`: " put in front of its message; OK stays OK.
[[nodiscard]] absl::Status WithContext(const absl::Status& status, std::string_view context);

}  // namespace benchd::common

// Propagates a non-OK absl::Status from the enclosing function.
#define BENCHD_RETURN_IF_ERROR(expr)              \
  do {                                            \
    ::absl::Status benchd_status_ = (expr);       \
    if (!benchd_status_.ok()) return benchd_status_; \
  } while (0)

#define BENCHD_CONCAT_INNER_(a, b) a##b
#define BENCHD_CONCAT_(a, b) BENCHD_CONCAT_INNER_(a, b)
// `BENCHD_ASSIGN_OR_RETURN(auto x, Foo());` binds the value or returns the error.
// It expands to several statements: never use it as the body of an unbraced if.
#define BENCHD_ASSIGN_OR_RETURN(lhs, expr)                                      \
  auto BENCHD_CONCAT_(benchd_statusor_, __LINE__) = (expr);                     \
  if (!BENCHD_CONCAT_(benchd_statusor_, __LINE__).ok())                         \
    return BENCHD_CONCAT_(benchd_statusor_, __LINE__).status();                 \
  lhs = std::move(*BENCHD_CONCAT_(benchd_statusor_, __LINE__))
