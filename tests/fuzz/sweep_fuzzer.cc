// libFuzzer target for the sweep language: every input is parsed as a sweep
// file and, when it parses, expanded against the built-in platform catalog,
// with and without --prune-invalid.
//
// Besides crashes, leaks and hangs (found by the sanitizers and libFuzzer),
// it checks the contract the rest of benchd relies on, and aborts when it is
// broken:
//   - every error is INVALID_ARGUMENT and names the file ("fuzz.yaml:...");
//   - an expansion has at least one point, every point has a catalog
//     platform, its `point_key` is `PointKey(parameters)` and its config key
//     is the platform's `ConfigKey(parameters)`;
//   - pruning never fails where the strict expansion succeeded, and then
//     gives the same points and drops nothing;
//   - expansion is deterministic (the same points in the same order).
//
// The product cap is lowered to `kMaxPoints` so that one input stays far
// below libFuzzer's -timeout under the sanitizers; the cap's own check is
// exercised all the same.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/platform_catalog.h"
#include "common/proto_json.h"
#include "common/sweep/sweep_expander.h"
#include "common/sweep/sweep_parser.h"

namespace {

constexpr char kFileName[] = "fuzz.yaml";
constexpr size_t kMaxPoints = 5000;

[[noreturn]] void Fail(const std::string& what, const absl::Status& status = absl::OkStatus()) {
  std::fprintf(stderr, "sweep_fuzzer: contract broken: %s%s%s\n", what.c_str(),
               status.ok() ? "" : " ", status.ok() ? "" : status.ToString().c_str());
  std::abort();
}

void CheckError(const absl::Status& status, const char* stage) {
  if (status.code() != absl::StatusCode::kInvalidArgument) {
    Fail(std::string(stage) + " failed with a code other than INVALID_ARGUMENT:", status);
  }
  if (status.message().substr(0, sizeof(kFileName) - 1) != kFileName) {
    Fail(std::string(stage) + " error does not name the file:", status);
  }
}

const benchd::common::PlatformCatalog& Catalog() {
  // Built once: loading the catalog is not what is being fuzzed.
  static const benchd::common::PlatformCatalog catalog = [] {
    auto loaded = benchd::common::PlatformCatalog::Builtin();
    if (!loaded.ok()) Fail("built-in catalog does not load:", loaded.status());
    return *std::move(loaded);
  }();
  return catalog;
}

void CheckExpansion(const benchd::common::Expansion& expansion) {
  if (expansion.points.empty()) Fail("an expansion without points");
  for (const benchd::common::SweepPoint& point : expansion.points) {
    const benchd::common::PlatformSpec* platform = Catalog().Find(point.platform);
    if (platform == nullptr) Fail("a point on unknown platform '" + point.platform + "'");
    const benchd::v1::ParamValue* named = benchd::common::FindParam(point.parameters, "platform");
    if (named == nullptr || named->string_value() != point.platform) {
      Fail("a point whose platform parameter differs from its platform");
    }
    if (point.point_key != benchd::common::PointKey(point.parameters)) {
      Fail("point_key differs from PointKey(parameters)");
    }
    if (point.config_key != platform->ConfigKey(point.parameters)) {
      Fail("config_key differs from the platform's ConfigKey(parameters)");
    }
  }
}

bool SamePoints(const benchd::common::Expansion& a, const benchd::common::Expansion& b) {
  if (a.points.size() != b.points.size()) return false;
  for (size_t i = 0; i < a.points.size(); ++i) {
    if (a.points[i].point_key != b.points[i].point_key) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<benchd::common::SweepSpec> spec = benchd::common::ParseSweep(text, kFileName);
  if (!spec.ok()) {
    CheckError(spec.status(), "ParseSweep");
    return 0;
  }

  benchd::common::ExpandOptions strict;
  strict.max_points = kMaxPoints;
  absl::StatusOr<benchd::common::Expansion> expansion =
      benchd::common::ExpandSweep(*spec, Catalog(), strict);
  benchd::common::ExpandOptions pruning = strict;
  pruning.prune_invalid = true;
  absl::StatusOr<benchd::common::Expansion> pruned =
      benchd::common::ExpandSweep(*spec, Catalog(), pruning);

  if (!pruned.ok()) {
    CheckError(pruned.status(), "ExpandSweep --prune-invalid");
    if (expansion.ok())
      Fail("pruning failed where the strict expansion succeeded:", pruned.status());
  } else {
    CheckExpansion(*pruned);
    for (const benchd::common::DroppedPoint& dropped : pruned->dropped) {
      if (dropped.reason.empty()) Fail("a dropped point without a reason");
    }
  }
  if (!expansion.ok()) {
    CheckError(expansion.status(), "ExpandSweep");
    return 0;
  }
  CheckExpansion(*expansion);
  if (!pruned->dropped.empty() || !SamePoints(*expansion, *pruned)) {
    Fail("pruning changed a sweep that has no invalid point");
  }
  absl::StatusOr<benchd::common::Expansion> again =
      benchd::common::ExpandSweep(*spec, Catalog(), strict);
  if (!again.ok() || !SamePoints(*expansion, *again)) Fail("expansion is not deterministic");
  return 0;
}
