#include "agents/power/hwmon_source.h"

#include <charconv>

#include "common/status_util.h"

namespace benchd::agent::power {
namespace {

struct Channel {
  std::string name;
  std::string first_path;
  std::string second_path;  // empty for a power channel
};

// Channel numbers N of files "<kind><N>_input" in `dir`.
std::vector<int> ChannelNumbers(const std::string& dir, const std::string& kind) {
  std::vector<int> numbers;
  for (const std::string& file : ListDirectory(dir, kind)) {
    const char* begin = file.data() + kind.size();
    const char* end = file.data() + file.size();
    int n = 0;
    const auto [ptr, ec] = std::from_chars(begin, end, n);
    if (ec == std::errc() && ptr != begin && std::string_view(ptr, static_cast<size_t>(end - ptr)) == "_input") {
      numbers.push_back(n);
    }
  }
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

std::string LabelOr(const std::string& dir, std::initializer_list<std::string> label_files, std::string fallback) {
  for (const std::string& file : label_files) {
    absl::StatusOr<std::string> label = ReadTrimmedFile(dir + "/" + file);
    if (label.ok() && !label->empty()) return *label;
  }
  return fallback;
}

std::vector<Channel> ChipChannels(const std::string& dir, const std::string& chip) {
  std::vector<Channel> channels;
  const std::string chip_or_dir = chip.empty() ? dir.substr(dir.rfind('/') + 1) : chip;
  const std::vector<int> power = ChannelNumbers(dir, "power");
  for (int n : power) {
    const std::string id = std::to_string(n);
    channels.push_back({LabelOr(dir, {"power" + id + "_label"}, chip_or_dir + "/power" + id),
                        dir + "/power" + id + "_input", ""});
  }
  if (!power.empty()) return channels;
  for (int n : ChannelNumbers(dir, "curr")) {
    const std::string id = std::to_string(n);
    const std::string voltage = dir + "/in" + id + "_input";
    if (!PathExists(voltage)) continue;
    channels.push_back({LabelOr(dir, {"curr" + id + "_label", "in" + id + "_label"}, chip_or_dir + "/curr" + id),
                        voltage, dir + "/curr" + id + "_input"});
  }
  return channels;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HwmonSource>> HwmonSource::Create(const HwmonOptions& options) {
  std::vector<Channel> channels;
  for (const std::string& entry : ListDirectory(options.dir, "hwmon")) {
    const std::string dir = options.dir + "/" + entry;
    const std::string chip = ReadTrimmedFile(dir + "/name").value_or("");
    if (!options.chip.empty() && chip != options.chip) continue;
    for (Channel& channel : ChipChannels(dir, chip)) channels.push_back(std::move(channel));
  }
  std::vector<std::string> found;
  for (const Channel& channel : channels) found.push_back(channel.name);
  const std::string what =
      "hwmon under '" + options.dir + "'" + (options.chip.empty() ? "" : " (chip '" + options.chip + "')");
  BENCHD_ASSIGN_OR_RETURN(std::vector<size_t> selected, SelectRails(found, options.rails, what));

  auto source = std::unique_ptr<HwmonSource>(new HwmonSource());
  for (size_t index : selected) {
    const Channel& channel = channels[index];
    BENCHD_ASSIGN_OR_RETURN(SysfsAttribute first, SysfsAttribute::Open(channel.first_path));
    std::optional<SysfsAttribute> second;
    if (!channel.second_path.empty()) {
      BENCHD_ASSIGN_OR_RETURN(second, SysfsAttribute::Open(channel.second_path));
    }
    source->names_.push_back(channel.name);
    source->rails_.push_back(Rail{std::move(first), std::move(second)});
  }
  return source;
}

absl::Status HwmonSource::Poll(int64_t t_ns, std::vector<RailValue>& out) {
  out.clear();
  absl::Status first_error;
  for (size_t i = 0; i < rails_.size(); ++i) {
    const Rail& rail = rails_[i];
    absl::StatusOr<int64_t> first = rail.first.ReadInt();
    if (!first.ok()) {
      first_error.Update(first.status());
      continue;
    }
    if (!rail.second) {
      out.push_back(RailValue{i, static_cast<double>(*first) * 1e-6});  // µW
      continue;
    }
    absl::StatusOr<int64_t> current = rail.second->ReadInt();
    if (!current.ok()) {
      first_error.Update(current.status());
      continue;
    }
    out.push_back(RailValue{i, static_cast<double>(*first) * static_cast<double>(*current) * 1e-6});  // mV x mA
  }
  return first_error;
}

}  // namespace benchd::agent::power
