#pragma once

// Ingests a batch of reports, possibly of several agents, inside the
// caller's transaction, in a constant number of statements for the common
// reports: one locks every run the batch names (in id order, so concurrent
// batches cannot deadlock) and reads which (run, seq) were stored before,
// one starts runs, one finishes the successful ones and writes the ledger,
// one renews leases. Samples, log lines, failures, reconfigurations and
// metrics are written per report.
//
// The result of each report is what ingesting the reports one by one, in
// order, would give: a report after its run finished is rejected (or a
// duplicate, if stored before), a replayed (run, seq) is a duplicate. Within
// one run, writes keep their order; a failure is written after the
// successes before it, since both touch the device's failure count.
// Internal to daemon/store.

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "benchd/v1/agent_service.pb.h"
#include "daemon/store/pg_store.h"

namespace benchd::daemon {

struct IngestItem {
  const std::string* agent_name;
  const benchd::v1::Report* report;
  IngestResult* result;
};

// Reports must have passed validation (pg_store_ingest.cc). Database errors
// are thrown as libpqxx throws them, for `Transact` to translate.
void IngestBatch(pqxx::work& tx, const std::vector<IngestItem>& items, const PgStoreOptions& options);

}  // namespace benchd::daemon
