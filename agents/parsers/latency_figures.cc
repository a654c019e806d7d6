#include "agents/parsers/latency_figures.h"

#include <utility>


namespace benchd::agent {

benchd::v1::LatencyKind KindOf(LatencyScope scope) {
  return scope == LatencyScope::kCompute ? benchd::v1::LATENCY_KIND_COMPUTE
                                         : benchd::v1::LATENCY_KIND_SYSTEM;
}

const char* ScopeName(LatencyScope scope) {
  switch (scope) {
    case LatencyScope::kCompute:
      return "compute";
    case LatencyScope::kRequest:
      return "request";
    case LatencyScope::kQueued:
      return "queued";
    case LatencyScope::kHostEnqueue:
      return "host_enqueue";
    case LatencyScope::kTransfer:
      return "transfer";
    case LatencyScope::kStartup:
      return "startup";
  }
  return "unknown";
}

std::optional<double> LatencyFigures::Percentile(double p) const {
  for (const auto& [percent, value] : percentiles_us) {
    if (percent == p) return value;
  }
  return std::nullopt;
}

LatencyFigures MakeFigures(std::string name, LatencyScope scope) {
  LatencyFigures figures;
  figures.name = std::move(name);
  figures.scope = scope;
  return figures;
}

const LatencyFigures* FindFigures(const std::vector<LatencyFigures>& figures, LatencyScope scope) {
  for (const LatencyFigures& f : figures) {
    if (f.scope == scope) return &f;
  }
  return nullptr;
}

const LatencyFigures* FindFiguresNamed(const std::vector<LatencyFigures>& figures,
                                       std::string_view name) {
  for (const LatencyFigures& f : figures) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace benchd::agent
