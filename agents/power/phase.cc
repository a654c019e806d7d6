#include "agents/power/phase.h"

namespace benchd::agent::power {

std::string_view PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kBase:
      return "base";
    case Phase::kIdle:
      return "idle";
    case Phase::kWarmup:
      return "warmup";
    case Phase::kMeasure:
      return "measure";
    case Phase::kCooldown:
      return "cooldown";
    case Phase::kEnd:
      return "end";
  }
  return "unknown";
}

std::optional<Phase> PhaseFromName(std::string_view name) {
  for (Phase phase : {Phase::kBase, Phase::kIdle, Phase::kWarmup, Phase::kMeasure, Phase::kCooldown, Phase::kEnd}) {
    if (PhaseName(phase) == name) return phase;
  }
  return std::nullopt;
}

}  // namespace benchd::agent::power
