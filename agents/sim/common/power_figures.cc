#include "agents/sim/common/power_figures.h"

#include <strings.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>

namespace benchd::sim {
namespace {

bool SameName(const std::string& a, const std::string& b) { return ::strcasecmp(a.c_str(), b.c_str()) == 0; }

using Figure = std::optional<double> QutibenchRow::*;

// Lexicographic distance of `candidate` from `row`; smaller is nearer.
std::tuple<bool, bool, double, double> Distance(const QutibenchRow& row, const QutibenchRow& candidate) {
  return {!SameName(row.topology, candidate.topology), !SameName(row.datatype, candidate.datatype),
          std::abs(row.pruning - candidate.pruning),
          std::abs(std::log2(static_cast<double>(std::max(row.batch, 1)) / std::max(candidate.batch, 1)))};
}

// `row`'s own `figure`, else the nearest published one of its hardware.
std::optional<double> FigureOf(const QutibenchRow& row, Figure figure) {
  if (row.*figure) return row.*figure;
  const QutibenchRow* nearest = nullptr;
  for (const QutibenchRow& candidate : QutibenchRows()) {
    if (!SameName(candidate.hardware, row.hardware) || !(candidate.*figure)) continue;
    if (nearest == nullptr || Distance(row, candidate) < Distance(row, *nearest)) nearest = &candidate;
  }
  return nearest != nullptr ? nearest->*figure : std::nullopt;
}

}  // namespace

std::optional<PowerFigures> PowerFiguresOf(const QutibenchRow& row) {
  const std::optional<double> base = FigureOf(row, &QutibenchRow::base_power_w);
  const std::optional<double> idle = FigureOf(row, &QutibenchRow::idle_power_w);
  const std::optional<double> full = FigureOf(row, &QutibenchRow::full_power_w);
  if (!base || !idle || !full) return std::nullopt;
  return PowerFigures{*base, *idle, *full};
}

std::optional<PowerFigures> PlatformPowerFigures(std::string_view platform) {
  static constexpr std::pair<std::string_view, const char*> kHardware[] = {
      {"tx2", "TX2-maxp"},
      {"ncs2", "NCS2"},
      {"edgetpu", "EdgeTPU-slow"},
      {"zcu102-dpu", "ZCU102-DPU"},
      {"zcu104-dpu", "ZCU104-DPU"},
      {"ultra96-dpu", "Ultra96-DPU"},
      {"zcu104-finn", "ZCU104-FINN"},
      {"zcu104-bismo", "ZCU104-Bismo"},
      {"u96-a53", "U96-Quadcore-A53"},
  };
  for (const auto& [id, hardware] : kHardware) {
    if (id != platform) continue;
    for (const QutibenchRow& row : QutibenchRows()) {
      if (SameName(row.hardware, hardware)) return PowerFiguresOf(row);
    }
  }
  return std::nullopt;
}

std::optional<std::string_view> EdgeTpuTraceModel(std::string_view topology) {
  static constexpr std::pair<std::string_view, std::string_view> kColumns[] = {
      {"GoogLeNetv1", "goo"},   {"MobileNetv1", "mob"},   {"EfficientNet-S", "es"},
      {"EfficientNet-M", "em"}, {"EfficientNet-L", "el"}, {"ResNet-50v15", "r15"},
  };
  for (const auto& [name, column] : kColumns) {
    if (SameName(std::string(name), std::string(topology))) return column;
  }
  return std::nullopt;
}

}  // namespace benchd::sim
