#include "agents/power/stream_samplers.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "agents/power/line_reader.h"
#include "common/raw_terminal.h"

namespace benchd::agent::power {
LineHandler::LineHandler(LineSink sink) : sink_(std::move(sink)) {
  for (const std::string& rail : sink_.wanted_rails) {
    rail_ids_.emplace(rail, sink_.registry->Intern(sink_.rail_prefix + rail));
  }
}

absl::StatusOr<size_t> LineHandler::Handle(std::string_view line) {
  absl::StatusOr<std::vector<LineReading>> readings = sink_.parser(line);
  if (!readings.ok()) return readings.status();
  const int64_t t_ns = sink_.clock->NowNs();
  batch_.clear();
  for (const LineReading& reading : *readings) {
    if (!sink_.wanted_rails.empty() && !sink_.wanted_rails.contains(reading.rail)) continue;
    auto it = rail_ids_.find(reading.rail);
    if (it == rail_ids_.end()) {
      it = rail_ids_.emplace(reading.rail, sink_.registry->Intern(sink_.rail_prefix + reading.rail)).first;
    }
    batch_.push_back(PowerSample{it->second, t_ns, reading.watts});
  }
  sink_.buffer->Push(batch_);
  return batch_.size();
}

absl::Status LineStreamSampler::ReadReadings(int fd, const std::string& what, std::stop_token stop) {
  return ReadLinesUntilStopped(
      fd, what, stop,
      [&](std::string_view line) {
        absl::StatusOr<size_t> pushed = handler_.Handle(line);
        if (pushed.ok()) {
          // A line with none of the wanted rails is no reading.
          if (*pushed > 0) CountReading();
        } else {
          RecordError(pushed.status());
        }
      },
      [&](const absl::Status& error) { RecordError(error); });
}

CommandSampler::CommandSampler(std::string name, std::vector<std::string> argv, LineSink sink)
    : LineStreamSampler(std::move(name), std::move(sink)), argv_(std::move(argv)) {}

CommandSampler::~CommandSampler() { Stop(); }

absl::Status CommandSampler::BeforeStart() {
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Spawn(argv_);
  if (!child.ok()) {
    return absl::Status(child.status().code(), "power sampler '" + name() + "': " +
                                                   std::string(child.status().message()));
  }
  child_ = std::move(*child);
  return absl::OkStatus();
}

void CommandSampler::Run(std::stop_token stop) {
  const absl::Status status = ReadReadings(child_->stdout_fd(), "power command '" + argv_[0] + "'", stop);
  child_->Terminate();
  child_.reset();
  if (!status.ok()) RecordError(status);
}

SerialMeterSampler::SerialMeterSampler(std::string name, std::string port, int64_t baud, LineSink sink)
    : LineStreamSampler(std::move(name), std::move(sink)), port_(std::move(port)), baud_(baud) {}

SerialMeterSampler::~SerialMeterSampler() {
  Stop();
  if (fd_ >= 0) ::close(fd_);
}

absl::Status SerialMeterSampler::BeforeStart() {
  if (!common::IsSupportedBaud(baud_)) {
    return absl::InvalidArgumentError("power meter '" + port_ + "': unsupported baud rate " + std::to_string(baud_));
  }
  // O_NOCTTY: a meter must never become the agent's controlling terminal.
  const int fd = ::open(port_.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return absl::UnavailableError("open power meter '" + port_ + "': " + std::strerror(errno));
  }
  if (absl::Status raw = common::MakeRawTerminal(fd, baud_, "power meter '" + port_ + "'"); !raw.ok()) {
    ::close(fd);
    return raw;
  }
  // Lines buffered before the start are stale and may begin mid-line.
  ::tcflush(fd, TCIFLUSH);
  fd_ = fd;
  return absl::OkStatus();
}

void SerialMeterSampler::Run(std::stop_token stop) {
  const absl::Status status = ReadReadings(fd_, "power meter '" + port_ + "'", stop);
  ::close(fd_);
  fd_ = -1;
  if (!status.ok()) RecordError(status);
}

}  // namespace benchd::agent::power
