// sim-benchmark_app: acts like OpenVINO's `benchmark_app` with an Intel NCS2
// (MYRIAD) for tests and demos. It accepts benchmark_app's arguments (-m, -d,
// -b, -api sync|async, -niter, -t, -nireq, -nstreams, -latency_percentile;
// others are ignored), checks the device and the model file, and prints the
// Step log and the statistics report with figures from QuTiBench's NCS2
// measurement of the model's topology, batch and pruning (model files are
// `<topology>[-p<pruning>].xml|.onnx`, as the openvino driver names them):
//   sync:  each request takes lat-sys (with noise); FPS = frames / duration.
//   async: the stick serves one request at a time in lat-comp, so with R
//          requests in flight a request's latency is about R x lat-comp.
// `-h` prints the usage and the device list.
//
// No real time passes unless BENCHD_SIM_POWER_DIR is set: then the run takes
// real time (agents/sim/common/power_playback.h) and an hwmon chip "ncs2"
// under that directory follows it: the QuTiBench row's Idle_Pwr_W while the
// model compiles (BENCHD_SIM_LOAD_MS), Full_Pwr_W through the first
// inference (the warm-up, as long as printed) and the measured requests
// (exactly the printed Duration), Base_Pwr_W when the report is printed.
//
// Environment: BENCHD_SIM_OPENVINO_VERSION (default 2022.3.0; 2021.x prints
// the 2021 report, whose sync FPS derives from the median), BENCHD_SIM_
// OPENVINO_DEVICES (default "CPU GNA MYRIAD"; leave MYRIAD out to unplug the
// stick), BENCHD_SIM_NOISE / _SEED, BENCHD_SIM_FAILURE (simulation.h);
// BENCHD_SIM_POWER_DIR, BENCHD_SIM_LOAD_MS.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "agents/sim/common/power_playback.h"
#include "agents/sim/common/reference_data.h"
#include "agents/sim/common/simulation.h"
#include "agents/sim/common/tool_args.h"

namespace {

using benchd::sim::FailureMode;

constexpr int kMyriadOptimalRequests = 4;

std::string Env(const char* name, const char* default_value) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : default_value;
}

std::vector<std::string> Devices() {
  std::vector<std::string> devices;
  std::istringstream in(Env("BENCHD_SIM_OPENVINO_DEVICES", "CPU GNA MYRIAD"));
  for (std::string device; in >> device;) devices.push_back(device);
  return devices;
}

std::string Fixed2(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

int Error(const std::string& message) {
  std::cout << "[ ERROR ] " << message << std::endl;
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const benchd::sim::ToolArgs args = benchd::sim::ParseSpacedFlags(argc, argv, {"h", "help", "pc", "progress"});
  const std::string version = Env("BENCHD_SIM_OPENVINO_VERSION", "2022.3.0");
  const bool v2022 = !version.starts_with("2021") && !version.starts_with("2020");
  std::string release = version.substr(0, 6);  // "2022.3" -> "2022/3", as the real build string
  std::replace(release.begin(), release.end(), '.', '/');
  const std::string build = version + "-9052-9752fafe8eb-releases/" + release;
  const std::vector<std::string> devices = Devices();
  std::vector<std::string> out;
  auto info = [&](const std::string& text) { out.push_back("[ INFO ] " + text); };

  std::cout << "[Step 1/11] Parsing and validating input arguments\n";
  if (args.Has("h") || args.Has("help")) {
    std::cout << (v2022 ? "[ INFO ] Parsing input parameters\n" : "")
              << "usage: benchmark_app [OPTION]\n\nOptions:\n\n"
                 "    -h, --help                  Print the usage message\n"
                 "    -m  <path>                  Required. Path to an .xml/.onnx file with a trained model.\n"
                 "    -d  <device>                Optional. Specify a target device to infer on.\n"
                 "    -api <sync/async>           Optional. Enable Sync/Async API. Default value is \"async\".\n\n"
                 "Available target devices: ";
    for (const std::string& device : devices) std::cout << " " << device;
    std::cout << std::endl;
    return 0;
  }
  const std::string model = args.Get("m");
  if (model.empty()) return Error("Model is required but not set. Please set -m option.");
  const std::string device = args.Get("d", "CPU");
  const std::string device_type = device.substr(0, device.find('.'));
  if (std::find(devices.begin(), devices.end(), device_type) == devices.end()) {
    return Error("Can not init Myriad device: NC_ERROR (device " + device + " not found)");
  }
  std::optional<benchd::sim::ModelName> name = benchd::sim::ParseModelPath(model, ".xml");
  if (!name) name = benchd::sim::ParseModelPath(model, ".onnx");
  if (!name || !std::filesystem::exists(model)) return Error("Model file " + model + " cannot be opened!");
  const std::string api = args.Get("api", "async");
  const std::optional<long long> batch = args.GetInt("b", 1);
  const std::optional<long long> niter = args.GetInt("niter", 0);
  const std::optional<long long> seconds = args.GetInt("t", 0);
  const std::optional<long long> nireq_arg = args.GetInt("nireq", 0);
  const std::optional<long long> percentile = args.GetInt("latency_percentile", 50);
  if ((api != "sync" && api != "async") || !batch || *batch < 1 || !niter || *niter < 0 || !seconds ||
      !nireq_arg || *nireq_arg < 0 || !percentile || *percentile < 1 || *percentile > 100) {
    return Error("Incorrect API or argument. Please check -api, -b, -niter, -t, -nireq, -latency_percentile.");
  }
  const std::optional<benchd::sim::QutibenchRow> row =
      benchd::sim::FindQutibench("NCS2", name->topology, "FP16", "", static_cast<int>(*batch), name->pruning);
  if (!row || !row->lat_comp_ms) {
    return Error("sim-benchmark_app: no QuTiBench NCS2 measurement of " + name->topology);
  }

  const bool sync = api == "sync";
  const long long nireq = sync ? 1 : (*nireq_arg > 0 ? *nireq_arg : kMyriadOptimalRequests);
  const double lat_sys = row->lat_sys_ms.value_or(*row->lat_comp_ms * 1.2);
  const double lat_comp = *row->lat_comp_ms;
  // Without -niter and -t the tool runs 60 s on MYRIAD; the count follows.
  const double period_ms = sync ? lat_sys : lat_comp;
  long long count = *niter > 0 ? *niter : static_cast<long long>(std::ceil((*seconds > 0 ? *seconds : 60) * 1000 / period_ms));
  std::vector<std::string> steps;
  if (!sync && *niter > 0 && count % nireq != 0) {
    const long long aligned = (count / nireq + 1) * nireq;
    steps.push_back("[ WARNING ] Number of iterations was aligned by request number from " + std::to_string(count) +
                    " to " + std::to_string(aligned) + " using number of requests " + std::to_string(nireq));
    count = aligned;
  }

  benchd::sim::Noise noise;
  std::vector<double> latencies;
  double duration = 0;
  for (long long i = 0; i < count; ++i) {
    latencies.push_back(sync ? noise.Around(lat_sys) : noise.Around(static_cast<double>(nireq) * lat_comp));
    duration += sync ? latencies.back() : noise.Around(lat_comp);
  }
  std::vector<double> sorted = latencies;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  const double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  const double at_percentile = sorted[std::min(n - 1, static_cast<size_t>(*percentile * n / 100))];
  const double average = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(n);
  const double frames = static_cast<double>(count * *batch);
  const double fps = (!v2022 && sync) ? static_cast<double>(*batch) * 1000 / median : frames * 1000 / duration;

  info(v2022 ? "OpenVINO:" : "InferenceEngine:");
  out.push_back(v2022 ? "[ INFO ] Build ................................. " + build
                      : "\tAPI version ............ 2.1\n\tBuild .................. " + build);
  out.push_back("[Step 2/11] Loading OpenVINO Runtime");
  out.push_back("[Step 7/11] Loading the model to the device");
  info("Compile model took " + Fixed2(noise.Around(2200)) + " ms");
  out.insert(out.end(), steps.begin(), steps.end());
  std::string limits = *niter > 0 || *seconds == 0 ? std::to_string(count) + " iterations"
                                                   : std::to_string(*seconds * 1000) + " ms duration";
  out.push_back(std::string("[Step 10/11] Measuring performance (Start inference ") +
                (sync ? "synchronously" : "asynchronously, " + std::to_string(nireq) + " inference requests") +
                (!sync && args.Has("nstreams") && !v2022 ? " using " + args.Get("nstreams") + " streams for MYRIAD" : "") +
                ", limits: " + limits + ")");
  const double first_inference_ms = noise.Around(lat_sys * 6);
  info("First inference took " + Fixed2(first_inference_ms) + " ms");
  out.push_back("[Step 11/11] Dumping statistics report");
  if (v2022) {
    info("Count:            " + std::to_string(count) + " iterations");
    info("Duration:         " + Fixed2(duration) + " ms");
    info("Latency:");
    info((*percentile == 50 ? std::string("   Median:        ") : "   " + std::to_string(*percentile) + " percentile:   ") +
         Fixed2(*percentile == 50 ? median : at_percentile) + " ms");
    info("   Average:       " + Fixed2(average) + " ms");
    info("   Min:           " + Fixed2(sorted.front()) + " ms");
    info("   Max:           " + Fixed2(sorted.back()) + " ms");
    info("Throughput:   " + Fixed2(fps) + " FPS");
  } else {
    out.push_back("Count:      " + std::to_string(count) + " iterations");
    out.push_back("Duration:   " + Fixed2(duration) + " ms");
    out.push_back("Latency:    " + Fixed2(*percentile == 50 ? median : at_percentile) + " ms");
    out.push_back("Throughput: " + Fixed2(fps) + " FPS");
  }

  const benchd::sim::Failure failure = benchd::sim::FailureFromEnvironment();
  // A failure to start (exit:N) runs nothing, so it draws no power.
  const std::optional<benchd::sim::SimPowerSettings> power = benchd::sim::SimPowerFromEnvironment();
  if (power && failure.mode != FailureMode::kExit) {
    const std::optional<benchd::sim::PowerFigures> figures = benchd::sim::PowerFiguresOf(*row);
    if (!figures) return Error("sim-benchmark_app: no QuTiBench power figures for NCS2");
    const absl::Status played =
        benchd::sim::PlayRunPower(*power, benchd::sim::PowerLayout::kHwmon, "ncs2", {*figures, {}},
                                  {benchd::sim::FromMs(first_inference_ms), benchd::sim::FromMs(duration)});
    if (!played.ok()) return Error("sim-benchmark_app: " + std::string(played.message()));
  }
  const size_t shown = failure.mode == FailureMode::kNone ? out.size() : out.size() / 2;
  if (failure.mode == FailureMode::kGarbage) {
    benchd::sim::PrintGarbage(noise.engine(), 1024);
    return 0;
  }
  if (failure.mode == FailureMode::kExit) {
    std::cout << "[ ERROR ] simulated failure (BENCHD_SIM_FAILURE=exit:" << failure.exit_code << ")" << std::endl;
    return failure.exit_code;
  }
  for (size_t i = 0; i < shown; ++i) std::cout << out[i] << "\n";
  std::cout.flush();
  if (failure.mode == FailureMode::kHang) benchd::sim::HangForever();
  if (failure.mode == FailureMode::kCrash) benchd::sim::CrashNow();
  return 0;
}
