#pragma once

// The phases of a measurement, shared by the drivers that mark them and the
// energy arithmetic that integrates over them (energy.h).

#include <optional>
#include <string_view>

namespace benchd::agent::power {

// In order: `kBase` the device on with nothing loaded, `kIdle` the model
// loaded and not running, `kWarmup`, `kMeasure` the timed inferences,
// `kCooldown`; `kEnd` closes the last one.
enum class Phase { kBase, kIdle, kWarmup, kMeasure, kCooldown, kEnd };
std::string_view PhaseName(Phase phase);
// The phase called `name` (as PhaseName prints it); nullopt for anything else.
std::optional<Phase> PhaseFromName(std::string_view name);

}  // namespace benchd::agent::power
