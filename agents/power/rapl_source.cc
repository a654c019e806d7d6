#include "agents/power/rapl_source.h"

#include <charconv>

#include "common/status_util.h"

namespace benchd::agent::power {
namespace {

constexpr char kZonePrefix[] = "intel-rapl:";

absl::StatusOr<int64_t> ReadIntFile(const std::string& path) {
  BENCHD_ASSIGN_OR_RETURN(SysfsAttribute file, SysfsAttribute::Open(path));
  return file.ReadInt();
}

}  // namespace

int64_t CounterDelta(int64_t old_uj, int64_t new_uj, int64_t max_range_uj) {
  return new_uj >= old_uj ? new_uj - old_uj : (max_range_uj - old_uj) + new_uj;
}

absl::StatusOr<std::unique_ptr<RaplSource>> RaplSource::Create(const RaplOptions& options) {
  const std::vector<std::string> entries = ListDirectory(options.dir, kZonePrefix);
  std::vector<std::string> found;
  for (const std::string& entry : entries) {
    std::string name = ReadTrimmedFile(options.dir + "/" + entry + "/name").value_or(entry);
    // "intel-rapl:0:1" is a subzone of "intel-rapl:0".
    const size_t last_colon = entry.rfind(':');
    if (last_colon > sizeof kZonePrefix - 2) {
      const std::string parent = entry.substr(0, last_colon);
      name = ReadTrimmedFile(options.dir + "/" + parent + "/name").value_or(parent) + "/" + name;
    }
    found.push_back(std::move(name));
  }
  BENCHD_ASSIGN_OR_RETURN(std::vector<size_t> selected,
                          SelectRails(found, options.rails, "rapl under '" + options.dir + "'"));
  auto source = std::unique_ptr<RaplSource>(new RaplSource());
  for (size_t index : selected) {
    const std::string dir = options.dir + "/" + entries[index];
    BENCHD_ASSIGN_OR_RETURN(SysfsAttribute energy, SysfsAttribute::Open(dir + "/energy_uj"));
    BENCHD_RETURN_IF_ERROR(energy.ReadInt().status());  // root-only counters fail here, not in the loop
    BENCHD_ASSIGN_OR_RETURN(int64_t max_range, ReadIntFile(dir + "/max_energy_range_uj"));
    if (max_range <= 0) {
      return absl::FailedPreconditionError("rapl zone '" + found[index] + "': max_energy_range_uj is " +
                                           std::to_string(max_range));
    }
    source->names_.push_back(found[index]);
    source->zones_.push_back(Zone{std::move(energy), max_range});
  }
  return source;
}

absl::Status RaplSource::Poll(int64_t t_ns, std::vector<RailValue>& out) {
  out.clear();
  absl::Status first_error;
  for (size_t i = 0; i < zones_.size(); ++i) {
    Zone& zone = zones_[i];
    absl::StatusOr<int64_t> now_uj = zone.energy_uj.ReadInt();
    if (!now_uj.ok()) {
      first_error.Update(now_uj.status());
      continue;
    }
    if (!zone.has_last) {
      zone.has_last = true;
      zone.last_uj = *now_uj;
      zone.last_t_ns = t_ns;
      continue;
    }
    if (t_ns <= zone.last_t_ns) continue;
    const int64_t delta_uj = CounterDelta(zone.last_uj, *now_uj, zone.max_range_uj);
    zone.total_uj += delta_uj;
    const double watts = static_cast<double>(delta_uj) * 1e3 / static_cast<double>(t_ns - zone.last_t_ns);
    zone.last_uj = *now_uj;
    zone.last_t_ns = t_ns;
    out.push_back(RailValue{i, watts, static_cast<double>(zone.total_uj) * 1e-6});
  }
  return first_error;
}

}  // namespace benchd::agent::power
