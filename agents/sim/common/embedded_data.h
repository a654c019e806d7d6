#pragma once

// The CSV files of agents/sim/data, compiled in byte for byte by CMake
// (agents/sim/common/CMakeLists.txt generates the definitions).
// Thread-safety: immutable static data.

#include <string_view>

namespace benchd::sim {

std::string_view ExperimentalDataCsv();  // experimental_data.csv (QuTiBench)
std::string_view McuLatencyCsv();        // mcu_tflm_latency_ms.csv
std::string_view EdgeTpuPowerFastCsv();  // power_measur_fast.csv
std::string_view EdgeTpuPowerSlowCsv();  // power_measur_slow.csv

}  // namespace benchd::sim
