#pragma once

// The power levels of a simulated device, from QuTiBench's experimental data
// (Base_Pwr_W: the board powered, nothing loaded; Idle_Pwr_W: the model
// loaded, not inferring; Full_Pwr_W: inferring). Some rows lack one (the
// Edge TPU ResNet-50v15 rows give only Full_Pwr_W, the ZCU104-DPU MobileNet
// rows no Base_Pwr_W, its ResNet-50 rows no Idle_Pwr_W): a missing figure
// comes from the nearest row of the same hardware that publishes it, nearest
// meaning the same topology first, then the same datatype, then the closest
// pruning, then the closest batch, the earlier row in file order on a tie.
// Thread-safety: pure functions over the immutable tables.

#include <optional>
#include <string_view>

#include "agents/sim/common/reference_data.h"

namespace benchd::sim {

struct PowerFigures {
  double base_w = 0;
  double idle_w = 0;
  double full_w = 0;
};

// The figures of `row`, completed as above; nullopt when its hardware
// publishes one of them nowhere.
std::optional<PowerFigures> PowerFiguresOf(const QutibenchRow& row);

// A platform's default figures, by the agent's platform id (configs/
// platforms.yaml): those of the first row, in file order, of its QuTiBench
// hardware, completed as above. The hardware per platform: tx2 -> TX2-maxp
// (the mode a TX2 boots in), ncs2 -> NCS2, edgetpu -> EdgeTPU-slow (the
// default libedgetpu), zcu102-dpu, zcu104-dpu, ultra96-dpu, zcu104-finn,
// zcu104-bismo -> the hardware of that name, u96-a53 -> U96-Quadcore-A53.
// nullopt for another platform.
std::optional<PowerFigures> PlatformPowerFigures(std::string_view platform);

// The model column prefix of the Edge TPU supply traces (power_measur_*.csv;
// reference_data.h EdgeTpuPower) for a QuTiBench topology: GoogLeNetv1 goo,
// MobileNetv1 mob, EfficientNet-S / -M / -L es / em / el (the EdgeTPU
// variants), ResNet-50v15 r15; nullopt for a topology without a trace.
std::optional<std::string_view> EdgeTpuTraceModel(std::string_view topology);

}  // namespace benchd::sim
