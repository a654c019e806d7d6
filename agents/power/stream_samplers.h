#pragma once

// Samplers for sources that push lines: a command that streams readings
// (tegrastats, `nvidia-smi ... -lms N`, a meter's logging tool) and a serial
// power meter on a tty. Each line goes through a `LineParser`; every reading
// on it is stamped with the agent clock's time when the line arrived (the
// tools' own timestamps are in other time bases). Unparseable lines are
// counted as errors and skipped.
//
// `CommandSampler` spawns the command in `Start()` and terminates and reaps
// it in `Stop()` (see ChildProcess); a command that exits by itself ends the
// thread with the error recorded. `SerialMeterSampler` opens the port in
// `Start()` (raw mode, 8N1, no flow control, the configured baud rate, input
// flushed) and closes it when the thread ends.
//
// Ownership: borrows the clock, registry and buffer, which must outlive the
// sampler.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agents/power/child_process.h"
#include "agents/power/line_parsers.h"
#include "agents/power/power_sample.h"
#include "agents/power/sampler.h"
#include "agents/power/sampling_clock.h"

namespace benchd::agent::power {

// What both samplers do with a line: parse it, keep the wanted rails, stamp
// them with the clock and push them. Used on the sampler thread only.
struct LineSink {
  LineParser parser;
  std::string rail_prefix;
  std::set<std::string> wanted_rails;  // empty: every rail the parser finds
  SamplingClock* clock = nullptr;
  RailRegistry* registry = nullptr;
  SampleBuffer* buffer = nullptr;
};

class LineHandler {
 public:
  // Registers the wanted rails at once: a stream shows its rails only when
  // it prints them, and a listed rail it never prints must be missed (the
  // agent waits for a sample of every registered rail) rather than forgotten.
  explicit LineHandler(LineSink sink);
  // The number of samples pushed, or the parser's error.
  [[nodiscard]] absl::StatusOr<size_t> Handle(std::string_view line);

 private:
  LineSink sink_;
  std::map<std::string, uint32_t, std::less<>> rail_ids_;
  std::vector<PowerSample> batch_;
};

// What the two line-stream samplers share: parsing each line into samples.
class LineStreamSampler : public Sampler {
 protected:
  LineStreamSampler(std::string name, LineSink sink) : Sampler(std::move(name)), handler_(std::move(sink)) {}
  // Reads `fd` line by line until `stop`, counting each parsed line as a
  // reading and recording parse and read errors; returns the reader's end.
  [[nodiscard]] absl::Status ReadReadings(int fd, const std::string& what, std::stop_token stop);

 private:
  LineHandler handler_;
};

class CommandSampler final : public LineStreamSampler {
 public:
  CommandSampler(std::string name, std::vector<std::string> argv, LineSink sink);
  ~CommandSampler() override;

 protected:
  [[nodiscard]] absl::Status BeforeStart() override;
  void Run(std::stop_token stop) override;

 private:
  const std::vector<std::string> argv_;
  std::unique_ptr<ChildProcess> child_;
};

class SerialMeterSampler final : public LineStreamSampler {
 public:
  SerialMeterSampler(std::string name, std::string port, int64_t baud, LineSink sink);
  ~SerialMeterSampler() override;

 protected:
  [[nodiscard]] absl::Status BeforeStart() override;
  void Run(std::stop_token stop) override;

 private:
  const std::string port_;
  const int64_t baud_;
  int fd_ = -1;
};

}  // namespace benchd::agent::power
