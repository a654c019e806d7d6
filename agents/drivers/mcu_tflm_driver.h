#pragma once

// The `mcu-tflm` driver: TensorFlow Lite Micro on an STM32 board (NUCLEO-
// L496ZG, DISCO-F469NI, NUCLEO-F767ZI, or any board given a clock). Prepare
// builds benchmark firmware for the experiment's configuration, flashes it
// and waits for the board to come up; Run reads per-inference latencies over
// the board's serial port (agents/drivers/mcu_serial_session.h has the two
// protocols, agents/drivers/mcu_firmware.h the build report and flash
// presets).
//
// Options (the device's `options:` map; all strings):
//   build_command  required. JSON argv template; placeholders {board},
//                  {model}, {dtype}, {cmsis_nn}, {opt}, {fpu}, {out_dir}. It
//                  must write {out_dir}/build-info.json.
//   flash_command  required. st-flash | openocd | pyocd, or a JSON argv
//                  template with {binary} (and {board}, {out_dir}).
//   serial_port    required. e.g. /dev/serial/by-id/usb-STMicroelectronics_...
//   baud           default 115200
//   protocol       tflm | energyrunner; default tflm
//   board          the board name for {board} and the clock table; default:
//                  the experiment's `platform` in upper case (NUCLEO-F767ZI)
//   clock_hz       core clock for ticks -> us; default: build-info.json's
//                  clock_hz, else the table (L496ZG 80 MHz, F469NI 180 MHz,
//                  F767ZI 216 MHz)
//   ready_banner   tflm: text of the ready line; default "TFLM benchmark ready"
//   ready_timeout  wait for the board after flashing; default 30s
//   read_timeout   longest silence per inference during a run; default 5m
//                  (soft-float ResNet20 at -O0 takes minutes per inference).
//                  Firmware that prints one line per N inferences needs N
//                  times the latency.
//   build_timeout  default 30m;  flash_timeout  default 2m
//   sim_failure    passed to the build and flash commands as
//                  BENCHD_SIM_FAILURE (simulators only, agents/sim/mcu)
// Parameters of a run:
//   model     string; else `topology` and `dataset` joined with '-'
//             (LeNet + MNIST -> LeNet-MNIST). Required one way or the other.
//   dtype     string, required: int8 | float32
//   cmsis_nn  bool, default true;  opt  string, default -Ofast;
//   fpu       bool, default true
// RunSettings: warmup 0 means 10, iterations 0 means 50 (the study's count),
// repeats 0 means 1; timeout_ms > 0 bounds the run (all repeats), else 30 m.
//
// Prepare is called by the agent when the configuration key changes; Run
// also checks that the firmware on the board is the one the experiment
// needs and prepares itself when it is not (the key may be computed from
// fewer parameters than the firmware depends on, and after an infrastructure
// failure the board's state is unknown).
//
// Result: per-inference latencies, kind COMPUTE (timed on the board around
// the interpreter only). Summary: statistics, fps = 1e6 / mean, gops when
// the build reported ops_per_inference, extras binary_size_bytes,
// arena_size_bytes, model_size_bytes (and flash_used_bytes, ram_used_bytes
// when reported). Environment: firmware_sha256, the sizes, board, clock_hz,
// protocol, build options, toolchain, firmware facts from the ready banner.
//
// Failure codes: FAILED_PRECONDITION when the model does not fit (linker
// overflow, build-info "fits": false, TFLM allocation failure on the board);
// INVALID_ARGUMENT for missing or malformed parameters. Infrastructure:
// DEADLINE_EXCEEDED when the board stops answering; UNAVAILABLE (port,
// tools, board reset), DATA_LOSS (garbage on the line), INTERNAL, CANCELLED.
// Thread-safety: as Driver. The ProcessRunner must outlive the driver.

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "agents/drivers/driver.h"
#include "agents/drivers/mcu_firmware.h"
#include "agents/drivers/mcu_serial_session.h"
#include "agents/drivers/serial_port.h"
#include "common/process_runner.h"

namespace benchd::agent {

class McuTflmDriver final : public Driver {
 public:
  static constexpr const char* kName = "mcu-tflm";

  struct Options {
    McuFirmwareBuilder::Commands commands;
    std::string serial_port;
    int64_t baud = 115200;
    McuProtocol protocol = McuProtocol::kTflm;
    std::string board;
    uint64_t clock_hz = 0;
    std::string ready_banner = "TFLM benchmark ready";
    std::chrono::milliseconds ready_timeout{std::chrono::seconds(30)};
    std::chrono::milliseconds read_timeout{std::chrono::minutes(5)};
  };

  // Errors: INVALID_ARGUMENT for a missing or unknown option or a bad value.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Driver>> Create(const DriverOptions& options,
                                                                      common::ProcessRunner& runner);

  McuTflmDriver(Options options, common::ProcessRunner& runner);

  const std::string& Name() const override { return name_; }
  // The model is named by `model` or by `topology`: neither alone is required.
  std::vector<std::string> RequiredParameters() const override { return {"dtype"}; }
  [[nodiscard]] absl::StatusOr<benchd::v1::Environment> Probe() override;
  [[nodiscard]] absl::StatusOr<benchd::v1::Environment> Prepare(const RunRequest& request,
                                                                const std::atomic<bool>& cancel) override;
  [[nodiscard]] absl::StatusOr<RunResult> Run(const RunRequest& request, const std::atomic<bool>& cancel) override;
  [[nodiscard]] absl::Status Teardown() override;

 private:
  // What Prepare left on the board.
  struct Prepared {
    std::string identity;
    BuiltFirmware firmware;
    uint64_t clock_hz = 0;
    benchd::v1::Environment environment;
  };

  [[nodiscard]] absl::StatusOr<McuBuildConfig> ConfigFor(const RunRequest& request) const;
  [[nodiscard]] absl::Status EnsurePortOpen();
  [[nodiscard]] absl::StatusOr<uint64_t> ClockFor(const McuBuildConfig& config, const BuildInfo& info) const;
  [[nodiscard]] absl::StatusOr<benchd::v1::Environment> PrepareConfig(const RunRequest& request,
                                                                      const McuBuildConfig& config,
                                                                      const std::atomic<bool>& cancel);
  [[nodiscard]] absl::StatusOr<RunResult> Measure(const RunRequest& request, const std::atomic<bool>& cancel);

  const std::string name_ = kName;
  Options options_;
  McuFirmwareBuilder builder_;
  std::unique_ptr<SerialPort> port_;
  std::optional<Prepared> prepared_;
};

}  // namespace benchd::agent
