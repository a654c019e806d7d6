// sim-finn-driver: acts like `python3 driver.py ...` for a FINN accelerator
// on a ZCU104, with figures from QuTiBench's ZCU104-FINN measurements.
//
//   sim-finn-driver <driver.py> --exec_mode throughput_test --platform zynq-iodma
//       --batchsize N --bitfile <finn-accel.bit> [--runtime_weight_dir DIR]
//   sim-finn-driver -c <code>    (the agent's probe: prints python and pynq versions)
//
// It takes the interpreter's place: the first argument is the driver script,
// which must exist, then argparse's flags (`--flag value` or `--flag=value`).
// The overlay is the bitfile: like real hardware, its content decides what
// runs. A simulated bitfile is a text file with
//   topology=<MLP|CNV> precision=<INT2|INT4> pruning=<percent>
// throughput_test writes nw_metrics.txt in the working directory (Python's
// str() of the metrics dict, no newline) and prints "Results written to
// nw_metrics.txt", as FINN's driver does; runtime[ms] is QuTiBench's lat-comp
// for the accelerator at the nearest batch size. Errors look like Python's:
// argparse usage errors exit 2, exceptions print a traceback and exit 1.
//
// No real time passes unless BENCHD_SIM_POWER_DIR is set: then the throughput
// test takes real time (agents/sim/common/power_playback.h) and an hwmon chip
// "zcu104-finn" under that directory follows it: the QuTiBench row's
// Idle_Pwr_W while PYNQ downloads the overlay (BENCHD_SIM_LOAD_MS),
// Full_Pwr_W for exactly the printed runtime[ms] (FINN's throughput_test
// times one execution and has no warm-up), Base_Pwr_W when the metrics are
// written. The host-step figures (fold_input[ms], ...) take no real time.
//
// Environment: BENCHD_SIM_FINN_KEYS = current (default), legacy (FINN <= 0.4
// keys) or numpy2 (np.float64(...) bandwidths); BENCHD_SIM_PYNQ (default
// 3.0.1); the common BENCHD_SIM_* variables (simulation.h);
// BENCHD_SIM_POWER_DIR, BENCHD_SIM_LOAD_MS.

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "agents/sim/common/power_playback.h"
#include "agents/sim/common/reference_data.h"
#include "agents/sim/common/simulation.h"

namespace benchd::sim {
namespace {

constexpr char kMetricsFile[] = "nw_metrics.txt";

// Python's repr() of a float: the shortest round-trip digits, positional for
// exponents in [-4, 16), scientific with a two-digit exponent otherwise, and
// ".0" on integral values.
std::string PyFloat(double value) {
  char digits[64];
  auto [end, error] = std::to_chars(digits, digits + sizeof(digits), value, std::chars_format::scientific);
  std::string sci(digits, end);  // "3.2752182006835938e+02"
  const size_t e = sci.find('e');
  const int exponent = std::atoi(sci.c_str() + e + 1);
  if (exponent >= -4 && exponent < 16) {
    auto [fixed_end, fixed_error] = std::to_chars(digits, digits + sizeof(digits), value, std::chars_format::fixed);
    std::string fixed(digits, fixed_end);
    if (fixed.find('.') == std::string::npos) fixed += ".0";
    return fixed;
  }
  std::string mantissa = sci.substr(0, e);
  char sign = sci[e + 1];
  std::string exp_digits = sci.substr(e + 2);
  while (exp_digits.size() > 2 && exp_digits[0] == '0') exp_digits.erase(0, 1);
  if (exp_digits.size() < 2) exp_digits = "0" + exp_digits;
  return mantissa + "e" + (sign == '-' ? "-" : "+") + exp_digits;
}

[[noreturn]] void Traceback(const std::string& exception) {
  std::cerr << "Traceback (most recent call last):\n  File \"driver.py\", line 119, in <module>\n"
               "    accel = FINNExampleOverlay(\n"
            << exception << std::endl;
  std::exit(1);
}

[[noreturn]] void UsageError(const std::string& message) {
  std::cerr << "usage: driver.py [-h] [--exec_mode EXEC_MODE] [--platform PLATFORM] [--batchsize BATCHSIZE]\n"
               "                 [--bitfile BITFILE] [--inputfile INPUTFILE [INPUTFILE ...]]\n"
               "                 [--outputfile OUTPUTFILE [OUTPUTFILE ...]] [--runtime_weight_dir RUNTIME_WEIGHT_DIR]\n"
               "driver.py: error: "
            << message << std::endl;
  std::exit(2);
}

struct Overlay {
  std::string topology;
  std::string precision;
  double pruning = 100;
};

Overlay ReadOverlay(const std::string& bitfile) {
  std::ifstream file(bitfile, std::ios::binary);
  if (!file) Traceback("OSError: Bitstream file " + bitfile + " does not exist.");
  std::map<std::string, std::string> fields;
  std::string token;
  while (file >> token) {
    const size_t equals = token.find('=');
    if (equals != std::string::npos) fields[token.substr(0, equals)] = token.substr(equals + 1);
  }
  if (!fields.count("topology") || !fields.count("precision")) {
    Traceback("RuntimeError: " + bitfile + " is no simulated FINN overlay (expected topology=... precision=...)");
  }
  Overlay overlay{fields["topology"], fields["precision"], 100};
  if (fields.count("pruning")) overlay.pruning = std::atof(fields["pruning"].c_str());
  return overlay;
}

// FINN's packed input bytes per image: 28x28 and 32x32x3 UINT8 pixels.
double InputBytes(const std::string& topology) { return topology == "CNV" ? 3072 : 784; }

std::string MetricsDict(const Overlay& overlay, int batch, double runtime_ms, const std::string& keys,
                        Noise& noise) {
  const double runtime_s = runtime_ms / 1000;
  const double in_mb_s = InputBytes(overlay.topology) * batch * 0.000001 / runtime_s;
  const double out_mb_s = 1.0 * batch * 0.000001 / runtime_s;
  std::ostringstream out;
  out << "{'runtime[ms]': " << PyFloat(runtime_ms) << ", 'throughput[images/s]': " << PyFloat(batch / runtime_s);
  if (keys == "legacy") {
    out << ", 'DRAM_in_bandwidth[Mb/s]': " << PyFloat(in_mb_s) << ", 'DRAM_out_bandwidth[Mb/s]': "
        << PyFloat(out_mb_s) << ", 'fclk[mhz]': 100.0, 'N': " << batch << "}";
    return out.str();
  }
  const auto numpy = [&](double value) {
    return keys == "numpy2" ? "np.float64(" + PyFloat(value) + ")" : PyFloat(value);
  };
  out << ", 'DRAM_in_bandwidth[MB/s]': " << numpy(in_mb_s) << ", 'DRAM_out_bandwidth[MB/s]': " << numpy(out_mb_s)
      << ", 'fclk[mhz]': 100.0, 'batch_size': " << batch;
  // Host-side steps grow with the batch; the figures follow a ZCU104's A53.
  const struct {
    const char* key;
    double fixed_ms;
    double per_item_ms;
  } kHostSteps[] = {{"fold_input", 0.02, 0.00002},          {"pack_input", 0.03, 0.00004},
                    {"copy_input_data_to_device", 0.1, 0.0003}, {"copy_output_data_from_device", 0.05, 0.00001},
                    {"unpack_output", 0.2, 0.0005},         {"unfold_output", 0.01, 0.00001}};
  for (const auto& step : kHostSteps) {
    out << ", '" << step.key << "[ms]': " << PyFloat(noise.Around(step.fixed_ms + step.per_item_ms * batch));
  }
  out << "}";
  return out.str();
}

int Main(int argc, char* argv[]) {
  if (argc >= 2 && std::string(argv[1]) == "-c") {
    const char* pynq = std::getenv("BENCHD_SIM_PYNQ");
    std::cout << "python 3.10.12\npynq " << (pynq != nullptr && *pynq != '\0' ? pynq : "3.0.1") << std::endl;
    return 0;
  }
  if (argc < 2) {
    std::cerr << "usage: sim-finn-driver <driver.py> [flags]" << std::endl;
    return 2;
  }
  if (!std::ifstream(argv[1])) {
    std::cerr << "python3: can't open file '" << argv[1] << "': [Errno 2] No such file or directory" << std::endl;
    return 2;
  }
  std::map<std::string, std::string> flags = {{"exec_mode", "execute"}, {"platform", "zynq-iodma"},
                                              {"batchsize", "1"},       {"bitfile", "resizer.bit"},
                                              {"runtime_weight_dir", "runtime_weights/"}};
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (!arg.starts_with("--")) UsageError("unrecognized arguments: " + arg);
    std::string name = arg.substr(2);
    std::string value;
    if (const size_t equals = name.find('='); equals != std::string::npos) {
      value = name.substr(equals + 1);
      name.resize(equals);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      UsageError("argument --" + name + ": expected one argument");
    }
    if (!flags.count(name) && name != "inputfile" && name != "outputfile") UsageError("unrecognized arguments: " + arg);
    flags[name] = value;
  }
  int batch = 0;
  const std::string& batch_text = flags["batchsize"];
  auto [ptr, error] = std::from_chars(batch_text.data(), batch_text.data() + batch_text.size(), batch);
  if (error != std::errc() || ptr != batch_text.data() + batch_text.size()) {
    UsageError("argument --batchsize: invalid int value: '" + batch_text + "'");
  }
  if (flags["exec_mode"] != "throughput_test") {
    Traceback("Exception: the simulator runs --exec_mode throughput_test only, not " + flags["exec_mode"]);
  }
  if (flags["platform"] != "zynq-iodma") Traceback("Exception: Unrecognized platform: " + flags["platform"]);
  if (batch < 1) Traceback("ValueError: negative dimensions are not allowed");

  const Failure failure = FailureFromEnvironment();
  if (failure.mode == FailureMode::kExit) {
    std::cerr << "Traceback (most recent call last):\n  File \"driver_base.py\", line 361, in wait_until_finished\n"
                 "AssertionError: Output DMA 0 is not idle"
              << std::endl;
    return failure.exit_code;
  }
  const Overlay overlay = ReadOverlay(flags["bitfile"]);
  const std::optional<QutibenchRow> row =
      FindQutibench("ZCU104-FINN", overlay.topology, overlay.precision, "", batch, overlay.pruning);
  if (!row || !row->lat_comp_ms) {
    Traceback("ValueError: no ZCU104-FINN figures for " + overlay.topology + " " + overlay.precision);
  }
  if (failure.mode == FailureMode::kHang) HangForever();  // a DMA that never finishes
  if (failure.mode == FailureMode::kCrash) CrashNow();
  std::remove(kMetricsFile);
  Noise noise;
  const char* keys_env = std::getenv("BENCHD_SIM_FINN_KEYS");
  const std::string keys = keys_env != nullptr && *keys_env != '\0' ? keys_env : "current";
  const double runtime_ms = noise.Around(*row->lat_comp_ms);
  std::string dict = MetricsDict(overlay, batch, runtime_ms, keys, noise);
  if (const std::optional<SimPowerSettings> power = SimPowerFromEnvironment()) {
    const std::optional<PowerFigures> figures = PowerFiguresOf(*row);
    if (!figures) Traceback("RuntimeError: no QuTiBench power figures for ZCU104-FINN");
    const absl::Status played =
        PlayRunPower(*power, PowerLayout::kHwmon, "zcu104-finn", {*figures, {}}, {{}, FromMs(runtime_ms)});
    if (!played.ok()) Traceback("OSError: sim-finn-driver: " + std::string(played.message()));
  }
  std::ofstream file(kMetricsFile, std::ios::binary | std::ios::trunc);
  if (failure.mode == FailureMode::kGarbage) {
    std::uniform_int_distribution<int> byte(0x80, 0xff);
    for (int i = 0; i < 300; ++i) file << static_cast<char>(byte(noise.engine()));
    return 0;
  }
  if (failure.mode == FailureMode::kTruncate) dict.resize(dict.size() / 2);
  file << dict;
  file.close();
  std::cout << "Results written to " << kMetricsFile << std::endl;
  return 0;
}

}  // namespace
}  // namespace benchd::sim

int main(int argc, char* argv[]) { return benchd::sim::Main(argc, argv); }
