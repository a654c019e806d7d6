#include "agents/power/power_monitor.h"

#include <cmath>
#include <set>

#include "agents/power/hwmon_source.h"
#include "agents/power/ina3221_source.h"
#include "agents/power/line_parsers.h"
#include "agents/power/polling_sampler.h"
#include "agents/power/rapl_source.h"
#include "agents/power/stream_samplers.h"
#include "agents/power/sysfs_attribute.h"
#include "common/status_util.h"

namespace benchd::agent::power {
namespace {

std::string DirOr(const PowerMonitorOptions& options, const std::string& configured, const char* default_dir) {
  return UnderRoot(options.fs_root, configured.empty() ? default_dir : configured);
}

absl::StatusOr<std::unique_ptr<PolledSource>> MakePolledSource(const PowerSourceConfig& config,
                                                               const PowerMonitorOptions& options) {
  switch (config.type) {
    case PowerSourceType::kHwmon:
      return HwmonSource::Create(
          HwmonOptions{DirOr(options, config.path, "/sys/class/hwmon"), config.chip, config.rails});
    case PowerSourceType::kIna3221:
      return Ina3221Source::Create(
          Ina3221Options{DirOr(options, config.path, "/sys/bus/i2c/drivers/ina3221x"), config.rails});
    case PowerSourceType::kRapl:
      return RaplSource::Create(RaplOptions{DirOr(options, config.path, "/sys/class/powercap"), config.rails});
    default:
      return absl::InternalError("not a polled source");
  }
}

// "{interval_ms}" in an argument becomes the sampling period in milliseconds.
std::vector<std::string> ExpandCommand(const std::vector<std::string>& argv, double rate_hz) {
  const std::string placeholder = "{interval_ms}";
  const std::string interval = std::to_string(std::max<int64_t>(1, std::llround(1000.0 / rate_hz)));
  std::vector<std::string> expanded;
  for (std::string arg : argv) {
    for (size_t at = arg.find(placeholder); at != std::string::npos; at = arg.find(placeholder, at)) {
      arg.replace(at, placeholder.size(), interval);
    }
    expanded.push_back(std::move(arg));
  }
  return expanded;
}

absl::StatusOr<std::unique_ptr<Sampler>> MakeSampler(const PowerSourceConfig& config, const std::string& name,
                                                     const PowerMonitorOptions& options, SamplingClock& clock,
                                                     RailRegistry& registry, SampleBuffer& buffer) {
  const std::string prefix = config.name.empty() ? "" : config.name + "/";
  if (config.type == PowerSourceType::kCommand || config.type == PowerSourceType::kSerialMeter) {
    const std::string parser_name = config.type == PowerSourceType::kCommand ? config.parser : "meter-csv";
    BENCHD_ASSIGN_OR_RETURN(LineParser parser, FindLineParser(parser_name));
    LineSink sink{std::move(parser), prefix, std::set<std::string>(config.rails.begin(), config.rails.end()),
                  &clock, &registry, &buffer};
    if (config.type == PowerSourceType::kCommand) {
      if (config.command.empty()) return absl::InvalidArgumentError("no command");
      return std::make_unique<CommandSampler>(name, ExpandCommand(config.command, config.rate_hz), std::move(sink));
    }
    return std::make_unique<SerialMeterSampler>(name, config.port, config.baud, std::move(sink));
  }
  if (!(config.rate_hz > 0)) return absl::InvalidArgumentError("rate_hz must be positive");
  BENCHD_ASSIGN_OR_RETURN(std::unique_ptr<PolledSource> source, MakePolledSource(config, options));
  return std::make_unique<PollingSampler>(name, std::move(source), config.rate_hz, prefix, clock, registry, buffer);
}

}  // namespace

absl::StatusOr<std::unique_ptr<PowerMonitor>> PowerMonitor::Create(const std::vector<PowerSourceConfig>& sources,
                                                                   SamplingClock& clock,
                                                                   const PowerMonitorOptions& options) {
  auto monitor = std::unique_ptr<PowerMonitor>(new PowerMonitor(options.buffer_capacity));
  for (size_t i = 0; i < sources.size(); ++i) {
    const PowerSourceConfig& config = sources[i];
    const std::string name = config.name.empty()
                                 ? std::string(PowerSourceTypeName(config.type)) + "#" + std::to_string(i)
                                 : config.name;
    absl::StatusOr<std::unique_ptr<Sampler>> sampler =
        MakeSampler(config, name, options, clock, monitor->registry_, monitor->buffer_);
    if (!sampler.ok()) {
      return common::WithContext(sampler.status(), "power source " + std::to_string(i) + " (" +
                                                       std::string(PowerSourceTypeName(config.type)) + ")");
    }
    monitor->samplers_.push_back(std::move(*sampler));
  }
  return monitor;
}

PowerMonitor::~PowerMonitor() { Stop(); }

absl::Status PowerMonitor::Start() {
  for (auto& sampler : samplers_) {
    absl::Status status = sampler->Start();
    if (!status.ok()) {
      Stop();
      return status;
    }
  }
  return absl::OkStatus();
}

void PowerMonitor::Stop() {
  for (auto& sampler : samplers_) sampler->Stop();
}

std::optional<uint32_t> PowerMonitor::FindRail(const std::string& name) const {
  const std::vector<std::string> names = registry_.Names();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<uint32_t>(i);
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, SamplerStats>> PowerMonitor::stats() const {
  std::vector<std::pair<std::string, SamplerStats>> result;
  for (const auto& sampler : samplers_) result.emplace_back(sampler->name(), sampler->stats());
  return result;
}

}  // namespace benchd::agent::power
