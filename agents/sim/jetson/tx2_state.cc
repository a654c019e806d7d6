#include "agents/sim/jetson/tx2_state.h"

#include <array>
#include <charconv>

#include "agents/sim/common/tool_args.h"

namespace benchd::sim {
namespace {

constexpr int kDefaultMode = 3;
constexpr std::array<Tx2Mode, 5> kModes = {{
    {0, "MAXN", "maxn", 2035200, 1300500000, "0-5"},
    {1, "MAXQ", "maxq", 1200000, 850000000, "0,3-5"},
    {2, "MAXP_CORE_ALL", "maxp", 1400000, 1120000000, "0-5"},
    // QuTiBench measured MAXN, MAXQ and MAXP_CORE_ALL only; the two other
    // MAXP modes fall back to MAXP_CORE_ALL's figures.
    {3, "MAXP_CORE_ARM", "maxp", 2000000, 1120000000, "0,3-5"},
    {4, "MAXP_CORE_DENVER", "maxp", 2035200, 1120000000, "0-1"},
}};

}  // namespace

std::optional<Tx2Mode> Tx2ModeById(int id) {
  for (const Tx2Mode& mode : kModes) {
    if (mode.id == id) return mode;
  }
  return std::nullopt;
}

Tx2Mode CurrentTx2Mode() {
  const std::string text = ReadState("nvpmodel", std::to_string(kDefaultMode));
  int id = kDefaultMode;
  std::from_chars(text.data(), text.data() + text.size(), id);
  return Tx2ModeById(id).value_or(kModes[kDefaultMode]);
}

bool SetTx2Mode(int id) { return WriteState("nvpmodel", std::to_string(id)); }

bool ClocksPinned() { return ReadState("jetson_clocks", "off") == "on"; }

bool SetClocksPinned(bool pinned) { return WriteState("jetson_clocks", pinned ? "on" : "off"); }

}  // namespace benchd::sim
