#include "agents/power/ina3221_source.h"

#include "common/status_util.h"

namespace benchd::agent::power {

absl::StatusOr<std::unique_ptr<Ina3221Source>> Ina3221Source::Create(const Ina3221Options& options) {
  std::vector<std::string> found;
  std::vector<std::string> power_paths;
  for (const std::string& device : ListDirectory(options.dir, "")) {
    for (const std::string& iio : ListDirectory(options.dir + "/" + device, "iio")) {
      const std::string dir = options.dir + "/" + device + "/" + iio;
      const std::string prefix = "rail_name_";
      for (const std::string& file : ListDirectory(dir, prefix)) {
        absl::StatusOr<std::string> name = ReadTrimmedFile(dir + "/" + file);
        if (!name.ok() || name->empty()) continue;
        found.push_back(*name);
        power_paths.push_back(dir + "/in_power" + file.substr(prefix.size()) + "_input");
      }
    }
  }
  BENCHD_ASSIGN_OR_RETURN(std::vector<size_t> selected,
                          SelectRails(found, options.rails, "ina3221x under '" + options.dir + "'"));
  auto source = std::unique_ptr<Ina3221Source>(new Ina3221Source());
  for (size_t index : selected) {
    BENCHD_ASSIGN_OR_RETURN(SysfsAttribute power, SysfsAttribute::Open(power_paths[index]));
    source->names_.push_back(found[index]);
    source->power_mw_.push_back(std::move(power));
  }
  return source;
}

absl::Status Ina3221Source::Poll(int64_t t_ns, std::vector<RailValue>& out) {
  out.clear();
  absl::Status first_error;
  for (size_t i = 0; i < power_mw_.size(); ++i) {
    absl::StatusOr<int64_t> milliwatts = power_mw_[i].ReadInt();
    if (!milliwatts.ok()) {
      first_error.Update(milliwatts.status());
      continue;
    }
    out.push_back(RailValue{i, static_cast<double>(*milliwatts) * 1e-3});
  }
  return first_error;
}

}  // namespace benchd::agent::power
