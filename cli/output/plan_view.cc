#include "cli/output/plan_view.h"

#include <algorithm>
#include <cmath>

#include "cli/output/format.h"
#include "cli/output/table.h"
#include "common/proto_json.h"
#include "nlohmann/json.hpp"
#include "spdlog/fmt/fmt.h"

namespace benchd::cli {

namespace {

// An MCU sweep has a group per point; a screenful per platform is enough for
// people, and `--output json` lists them all.
constexpr size_t kTextGroupsPerPlatform = 12;

std::string Plural(size_t count, const char* noun) {
  return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

int64_t RoundMs(double milliseconds) {
  return std::isfinite(milliseconds) ? std::llround(milliseconds) : INT64_MAX;
}

std::string PlatformOf(const benchd::v1::Parameters& parameters) {
  const benchd::v1::ParamValue* platform = common::FindParam(parameters, "platform");
  return platform == nullptr ? "-" : common::ParamValueToString(*platform);
}

// "history 24, qutibench 168": how many points each source estimated.
std::string SourcesCell(const std::map<std::string, int64_t>& sources) {
  std::string cell;
  for (const auto& [name, points] : sources) {
    cell += fmt::format("{}{} {}", cell.empty() ? "" : ", ", name, points);
  }
  return cell;
}

void RenderPlatforms(const PlanView& view, std::ostream& out) {
  Table table({{"PLATFORM"},
               {"POINTS", Align::kRight},
               {"CONFIGS", Align::kRight},
               {"WARMUP", Align::kRight},
               {"ITERATIONS", Align::kRight},
               {"REPEATS", Align::kRight},
               {"DEVICE TIME", Align::kRight},
               {"ESTIMATED FROM"}});
  for (const PlanPlatform& platform : view.platforms) {
    table.AddRow({platform.platform, std::to_string(platform.points),
                  std::to_string(platform.config_groups.size()), std::to_string(platform.warmup),
                  std::to_string(platform.iterations), std::to_string(platform.repeats),
                  FormatDuration(RoundMs(platform.device_ms)),
                  SourcesCell(platform.estimate_sources)});
  }
  table.AddRow({"TOTAL", std::to_string(view.total_points), "", "", "", "",
                FormatDuration(RoundMs(view.device_ms)), ""});
  table.Render(out);
}

void RenderConfigGroups(const PlanView& view, std::ostream& out) {
  out << "\nreconfiguration groups (a device is reconfigured when the group of its next point "
         "differs):\n";
  Table table({{"PLATFORM"}, {"CONFIGURATION"}, {"POINTS", Align::kRight}});
  for (const PlanPlatform& platform : view.platforms) {
    const size_t shown = std::min(platform.config_groups.size(), kTextGroupsPerPlatform);
    for (size_t i = 0; i < shown; ++i) {
      const PlanConfigGroup& group = platform.config_groups[i];
      table.AddRow({platform.platform, group.config_key.empty() ? "(none)" : group.config_key,
                    std::to_string(group.points)});
    }
    if (shown < platform.config_groups.size()) {
      int64_t rest = 0;
      for (size_t i = shown; i < platform.config_groups.size(); ++i) {
        rest += platform.config_groups[i].points;
      }
      table.AddRow({platform.platform,
                    fmt::format("... {} more groups", platform.config_groups.size() - shown),
                    std::to_string(rest)});
    }
  }
  table.Render(out);
}

void RenderSample(const PlanView& view, std::ostream& out) {
  size_t per_platform = 0;
  for (const PlanPlatform& platform : view.platforms) {
    per_platform = std::max(per_platform, platform.sample.size());
  }
  out << fmt::format("\nsample (first {} points per platform):\n", per_platform);
  Table table({{"PLATFORM"}, {"POINT KEY"}, {"PARAMETERS"}});
  for (const PlanPlatform& platform : view.platforms) {
    for (const PlanSamplePoint& point : platform.sample) {
      table.AddRow({platform.platform, point.point_key, FormatParameters(point.parameters)});
    }
  }
  table.Render(out);
}

void RenderDropped(const PlanView& view, std::ostream& out) {
  if (!view.prune_invalid) return;
  if (view.dropped.empty()) {
    out << "\ndropped points (--prune-invalid): none\n";
    return;
  }
  out << fmt::format("\ndropped points (--prune-invalid): {}\n", view.dropped.size());
  Table table({{"PLATFORM"}, {"PARAMETERS"}, {"REASON"}});
  for (const PlanDroppedPoint& point : view.dropped) {
    table.AddRow({PlatformOf(point.parameters), FormatParameters(point.parameters), point.reason});
  }
  table.Render(out);
}

void RenderEstimateNotes(const PlanView& view, std::ostream& out) {
  std::map<std::string, int64_t> used;
  for (const PlanPlatform& platform : view.platforms) {
    for (const auto& [name, points] : platform.estimate_sources) used[name] += points;
  }
  out << "\ndevice time: (warmup + iterations, or min_duration) x repeats x the iteration latency "
         "below, summed over platforms; reconfiguration time not included\n";
  const PlanHistory& history = view.history;
  if (used.count("history")) {
    out << fmt::format(
        "  history: mean latency of earlier runs on the same platform and topology "
        "(coordinator {}: {} runs in {} sweeps)\n",
        history.coordinator, history.runs, history.sweeps_read);
  }
  if (used.count("qutibench")) {
    out << "  qutibench: QuTiBench reference latencies (slowest measured mode and precision)\n";
  }
  if (used.count("mcu_tflm")) {
    out << "  mcu_tflm: TFLM study latencies at -Ofast (slower builds take longer)\n";
  }
  if (used.count("default")) {
    out << fmt::format(
        "  default: {} per iteration (no measurement of the platform and topology)\n",
        FormatDuration(RoundMs(view.default_iteration_ms)));
  }
  if (!history.queried) return;
  if (!history.note.empty()) {
    out << fmt::format("  history: {}\n", history.note);
  } else if (history.runs == 0) {
    out << fmt::format("  history: coordinator {} has no runs of these platforms and topologies\n",
                       history.coordinator);
  }
}

nlohmann::ordered_json ParametersJson(const benchd::v1::Parameters& parameters) {
  // ParametersToJson gives a sorted object, so the output is stable. Bytes
  // that are not UTF-8 become U+FFFD rather than an exception.
  return nlohmann::ordered_json::parse(common::ParametersToJson(parameters).dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

void RenderPlanText(const PlanView& view, std::ostream& out) {
  out << fmt::format("sweep {} ({}): {} on {}, about {} of device time\n\n", view.sweep_name,
                     view.file, Plural(static_cast<size_t>(view.total_points), "point"),
                     Plural(view.platforms.size(), "platform"),
                     FormatDuration(RoundMs(view.device_ms)));
  RenderPlatforms(view, out);
  RenderConfigGroups(view, out);
  RenderSample(view, out);
  RenderDropped(view, out);
  RenderEstimateNotes(view, out);
}

void RenderPlanJson(const PlanView& view, std::ostream& out) {
  using Json = nlohmann::ordered_json;
  Json platforms = Json::array();
  for (const PlanPlatform& platform : view.platforms) {
    Json groups = Json::array();
    for (const PlanConfigGroup& group : platform.config_groups) {
      groups.push_back({{"config_key", group.config_key}, {"points", group.points}});
    }
    Json sample = Json::array();
    for (const PlanSamplePoint& point : platform.sample) {
      sample.push_back(
          {{"point_key", point.point_key}, {"parameters", ParametersJson(point.parameters)}});
    }
    Json sources = Json::object();
    for (const auto& [name, points] : platform.estimate_sources) sources[name] = points;
    platforms.push_back({{"platform", platform.platform},
                         {"points", platform.points},
                         {"run",
                          {{"warmup", platform.warmup},
                           {"iterations", platform.iterations},
                           {"repeats", platform.repeats},
                           {"min_duration_ms", platform.min_duration_ms}}},
                         {"config_groups", std::move(groups)},
                         {"sample", std::move(sample)},
                         {"device_time_ms", RoundMs(platform.device_ms)},
                         {"estimate_sources", std::move(sources)}});
  }
  Json dropped = Json::array();
  for (const PlanDroppedPoint& point : view.dropped) {
    dropped.push_back({{"parameters", ParametersJson(point.parameters)}, {"reason", point.reason}});
  }
  const PlanHistory& history = view.history;
  Json object = {{"sweep", view.sweep_name},
                 {"file", view.file},
                 {"total_points", view.total_points},
                 {"device_time_ms", RoundMs(view.device_ms)},
                 {"platforms", std::move(platforms)},
                 {"prune_invalid", view.prune_invalid},
                 {"dropped", std::move(dropped)},
                 {"history",
                  {{"queried", history.queried},
                   {"coordinator", history.coordinator},
                   {"sweeps_read", history.sweeps_read},
                   {"runs", history.runs},
                   {"note", history.note}}},
                 {"default_iteration_ms", view.default_iteration_ms}};
  out << object.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

}  // namespace benchd::cli
