#pragma once

// The fast path of ExpandSweep (sweep_expander.h) for the common shape of a
// large sweep: a matrix (with zip groups and exclude rules) whose every point
// is valid and distinct. It works on value indices and text fragments rendered
// once per axis value, instead of a Parameters message per point, and renders
// each point's parameters straight to JSON (`SweepPoint::parameters_json`,
// `SweepPoint::parameters` left empty).
//
// It gives up (nullopt) on anything else: include rules, where clauses,
// parameters named twice, a point its platform rejects, a possible
// duplicate, values that need JSON sanitising (non-ASCII text, non-finite
// numbers). ExpandSweep then runs its reference path, which reports the
// error or drops the points exactly as before. Where it succeeds, its points,
// point keys and config keys equal the reference path's (sweep_expander_test).
// Internal to common/sweep.

#include <optional>

#include "common/platform_catalog.h"
#include "common/sweep/sweep_spec.h"

namespace benchd::common {

struct ExpandOptions;

std::optional<Expansion> TryExpandMatrix(const SweepSpec& spec, const PlatformCatalog& catalog,
                                         const ExpandOptions& options);

}  // namespace benchd::common
