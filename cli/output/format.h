#pragma once

// How `benchctl` writes single values for people: durations, times, metrics,
// states and parameter lists. Machine formats (CSV, JSON) do not use these,
// except where noted, because they must keep full precision.
//
// All functions are pure and thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "benchd/v1/common.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace benchd::cli {

// "250ms", "10s", "1m20s", "1h05m": the two largest units, so that an ETA
// neither flickers in its last digits nor hides a large value.
std::string FormatDuration(int64_t milliseconds);

// RFC 3339 in UTC ("2026-11-21T05:21:53Z"); "-" for an unset timestamp.
std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp);

// A measured figure with the precision a table reader needs: two decimals for
// ordinary magnitudes, one above 1000, three significant digits below 1.
std::string FormatMetric(double value);

// The shortest text that reads back as the same double ("0.1", "1234.5678"),
// for CSV and anywhere a value must not lose precision.
std::string FormatExact(double value);

// "pending", "running", "succeeded", "failed", "cancelled"; "unknown" for
// values this build does not know.
std::string FormatState(benchd::v1::ExperimentState state);

// "batch=8 precision=FP32": sorted by name, leaving out `platform`, which the
// tables show in a column of its own.
std::string FormatParameters(const benchd::v1::Parameters& parameters);

// The first line of `text`, cut to at most `max_width` terminal columns (UTF-8
// code points, as `DisplayWidth` counts them) with "..." marking a cut, for a
// long error message in a table cell. `max_width` must be at least 4.
std::string ShortenForCell(std::string_view text, size_t max_width);

}  // namespace benchd::cli
