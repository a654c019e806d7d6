#pragma once

// Claiming experiments for free devices inside a transaction: ClaimBatch's
// own, or the one that stores the reports that freed the devices.

#include <pqxx/pqxx>

#include <vector>

#include "absl/status/statusor.h"
#include "daemon/store/store.h"

namespace benchd::daemon {

// As Store::ClaimBatch, in `tx`. One statement serves all the requests that
// want the same group next, so a pass costs a few statements however many
// devices are free.
[[nodiscard]] absl::StatusOr<std::vector<ClaimOutcome>> ClaimInTransaction(pqxx::work& tx,
                                                                           const std::vector<ClaimRequest>& requests);

}  // namespace benchd::daemon
