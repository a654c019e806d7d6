// sim-power-rails: creates a simulated device's sysfs-like power tree
// (agents/sim/common/sim_power.h) at base power, so an agent can discover
// the rails before the first simulated run writes them:
//
//   sim-power-rails --dir D --layout ina3221|hwmon --platform NAME [--watts W]
//
// NAME is the agent's platform id (tx2, ncs2, edgetpu, ...): it names the
// hwmon chip and, without --watts, picks the base power from QuTiBench
// (power_figures.h PlatformPowerFigures). Name and label files are rewritten;
// value files are rewritten in place, so an agent that has them open keeps
// reading them. Prints the value files, one per line.
// Exit status: 0 done, 1 the tree could not be written, 2 bad arguments
// (with the reason on stderr).

#include <cmath>
#include <iostream>
#include <optional>
#include <string>

#include "agents/sim/common/power_figures.h"
#include "agents/sim/common/sim_power.h"
#include "agents/sim/common/tool_args.h"

namespace {

constexpr const char* kUsage = "usage: sim-power-rails --dir D --layout ina3221|hwmon --platform NAME [--watts W]\n";

int BadArguments(const std::string& message) {
  std::cerr << "sim-power-rails: " << message << "\n" << kUsage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const benchd::sim::ToolArgs args = benchd::sim::ParseSpacedFlags(argc, argv, {"h", "help"});
  if (args.Has("h") || args.Has("help")) {
    std::cout << kUsage;
    return 0;
  }
  if (!args.positional.empty()) return BadArguments("unexpected argument '" + args.positional.front() + "'");
  for (const auto& [name, value] : args.values) {
    if (name != "dir" && name != "layout" && name != "platform" && name != "watts") {
      return BadArguments("unknown flag --" + name);
    }
    if (value.empty()) return BadArguments("--" + name + " needs a value");
  }
  for (const char* required : {"dir", "layout", "platform"}) {
    if (!args.Has(required)) return BadArguments(std::string("--") + required + " is required");
  }
  const std::optional<benchd::sim::PowerLayout> layout = benchd::sim::ParsePowerLayout(args.Get("layout"));
  if (!layout) return BadArguments("--layout must be ina3221 or hwmon, not '" + args.Get("layout") + "'");
  const std::string platform = args.Get("platform");
  double watts = 0;
  if (args.Has("watts")) {
    const std::optional<double> given = args.GetDouble("watts", 0);
    if (!given || !std::isfinite(*given) || *given < 0) {
      return BadArguments("--watts must be a number of watts >= 0, not '" + args.Get("watts") + "'");
    }
    watts = *given;
  } else if (const std::optional<benchd::sim::PowerFigures> figures = benchd::sim::PlatformPowerFigures(platform)) {
    watts = figures->base_w;
  } else {
    return BadArguments("no published base power for platform '" + platform + "': give --watts");
  }

  benchd::sim::PowerTreeOptions options;
  options.dir = args.Get("dir");
  options.layout = *layout;
  options.chip = platform;
  options.base_w = watts;
  options.replace_names = true;
  absl::StatusOr<benchd::sim::PowerTree> tree = benchd::sim::PowerTree::Open(options);
  absl::Status status = tree.ok() ? tree->Write(watts) : tree.status();
  if (!status.ok()) {
    std::cerr << "sim-power-rails: " << status.message() << "\n";
    return 1;
  }
  for (const std::string& path : tree->value_paths()) std::cout << path << "\n";
  return 0;
}
