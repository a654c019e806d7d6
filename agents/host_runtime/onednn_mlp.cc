#include "agents/host_runtime/onednn_mlp.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace benchd::host_runtime {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using Type = memory::data_type;

float MaxAbs(std::span<const float> values) {
  float max = 0.0f;
  for (float v : values) max = std::max(max, std::fabs(v));
  return max;
}

// Scale that maps [0, max] (or [-max, max]) onto `levels`; a degenerate max of
// zero gets scale 1 so nothing divides by zero.
float ScaleFor(float max, float levels) { return max > 0.0f ? levels / max : 1.0f; }

std::vector<int8_t> QuantiseWeights(const std::vector<float>& weights, float scale) {
  std::vector<int8_t> quantised(weights.size());
  for (size_t i = 0; i < weights.size(); ++i) {
    const float q = std::nearbyint(weights[i] * scale);
    quantised[i] = static_cast<int8_t>(std::clamp(q, -127.0f, 127.0f));
  }
  return quantised;
}

}  // namespace

OneDnnMlp::OneDnnMlp(const MlpWeights& weights, Precision precision, int64_t batch,
                     std::span<const float> input)
    : engine_(dnnl::engine::kind::cpu, 0),
      stream_(engine_),
      batch_(batch),
      input_(input.begin(), input.end()) {
  if (precision == Precision::kInt8) {
    BuildInt8(weights);
  } else {
    BuildFp32(weights);
  }
}

dnnl::memory OneDnnMlp::ReorderedOnce(dnnl::memory source, const memory::desc& target_desc) {
  if (source.get_desc() == target_desc) return source;
  memory target(target_desc, engine_);
  dnnl::reorder(source, target).execute(stream_, source, target);
  stream_.wait();
  return target;
}

void OneDnnMlp::BuildFp32(const MlpWeights& weights) {
  const MlpShape& shape = weights.shape;
  memory src({{batch_, shape.widths[0]}, Type::f32, Tag::nc}, engine_, input_.data());
  for (int layer = 0; layer < shape.LayerCount(); ++layer) {
    const int64_t in = shape.widths[layer];
    const int64_t out = shape.widths[layer + 1];
    const bool hidden = layer + 1 < shape.LayerCount();

    const memory::desc weights_any({out, in}, Type::f32, Tag::any);
    const memory::desc bias_desc({out}, Type::f32, Tag::x);
    const memory::desc dst_desc({batch_, out}, Type::f32, Tag::nc);
    dnnl::inner_product_forward::desc desc(dnnl::prop_kind::forward_inference, src.get_desc(),
                                           weights_any, bias_desc, dst_desc);
    dnnl::primitive_attr attr;
    if (hidden) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
      attr.set_post_ops(ops);
    }
    dnnl::inner_product_forward::primitive_desc pd(desc, attr, engine_);

    // Memories made without a handle own their buffers, so no primitive keeps
    // a pointer into `weights`, which the caller may free after construction.
    memory user_weights({{out, in}, Type::f32, Tag::oi}, engine_);
    std::copy(weights.weights[layer].begin(), weights.weights[layer].end(),
              static_cast<float*>(user_weights.get_data_handle()));
    memory layer_weights = ReorderedOnce(user_weights, pd.weights_desc());
    memory bias(bias_desc, engine_);
    std::copy(weights.biases[layer].begin(), weights.biases[layer].end(),
              static_cast<float*>(bias.get_data_handle()));
    memory dst(pd.dst_desc(), engine_);

    steps_.push_back({dnnl::inner_product_forward(pd),
                      {{DNNL_ARG_SRC, src},
                       {DNNL_ARG_WEIGHTS, layer_weights},
                       {DNNL_ARG_BIAS, bias},
                       {DNNL_ARG_DST, dst}}});
    implementations_.emplace_back(pd.impl_info_str());
    keep_alive_.insert(keep_alive_.end(), {layer_weights, bias, dst});
    src = dst;
  }
  output_ = src;
}

void OneDnnMlp::BuildInt8(const MlpWeights& weights) {
  const MlpShape& shape = weights.shape;

  // Static calibration: activation ranges of a reference pass over the first
  // samples set the u8 scales, as a deployment would from a calibration set.
  const int64_t calibration_samples = std::min<int64_t>(batch_, 16);
  const auto reference = ReferenceForward(weights, input_, calibration_samples);
  std::vector<float> activation_scales;  // scale of each layer's u8 input
  activation_scales.push_back(ScaleFor(
      MaxAbs(std::span<const float>(input_).first(calibration_samples * shape.widths[0])), 255.0f));
  for (int layer = 0; layer + 1 < shape.LayerCount(); ++layer) {
    activation_scales.push_back(ScaleFor(MaxAbs(reference[layer]), 255.0f));
  }

  // Quantising the input is part of every inference: the model is fed f32.
  memory user_input({{batch_, shape.widths[0]}, Type::f32, Tag::nc}, engine_, input_.data());
  memory src({{batch_, shape.widths[0]}, Type::u8, Tag::nc}, engine_);
  dnnl::primitive_attr quantise_attr;
  quantise_attr.set_output_scales(0, {activation_scales[0]});
  dnnl::reorder::primitive_desc quantise_pd(user_input, src, quantise_attr);
  steps_.push_back({dnnl::reorder(quantise_pd), {{DNNL_ARG_FROM, user_input}, {DNNL_ARG_TO, src}}});
  keep_alive_.push_back(src);

  for (int layer = 0; layer < shape.LayerCount(); ++layer) {
    const int64_t in = shape.widths[layer];
    const int64_t out = shape.widths[layer + 1];
    const bool hidden = layer + 1 < shape.LayerCount();
    const float weight_scale = ScaleFor(MaxAbs(weights.weights[layer]), 127.0f);
    const float accumulator_scale = activation_scales[layer] * weight_scale;
    // oneDNN 2.x computes dst = post_ops(output_scale * (acc_s32 + bias)), so
    // the bias lives in the accumulator domain and the output scale maps the
    // accumulator to the next layer's u8 scale (or back to real f32 values).
    const float output_scale = (hidden ? activation_scales[layer + 1] : 1.0f) / accumulator_scale;

    const memory::desc weights_any({out, in}, Type::s8, Tag::any);
    const memory::desc bias_desc({out}, Type::f32, Tag::x);
    const memory::desc dst_desc({batch_, out}, hidden ? Type::u8 : Type::f32, Tag::nc);
    dnnl::inner_product_forward::desc desc(dnnl::prop_kind::forward_inference, src.get_desc(),
                                           weights_any, bias_desc, dst_desc);
    dnnl::primitive_attr attr;
    attr.set_output_scales(0, {output_scale});
    if (hidden) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
      attr.set_post_ops(ops);
    }
    dnnl::inner_product_forward::primitive_desc pd(desc, attr, engine_);

    const std::vector<int8_t> quantised = QuantiseWeights(weights.weights[layer], weight_scale);
    memory user_weights({{out, in}, Type::s8, Tag::oi}, engine_);
    std::copy(quantised.begin(), quantised.end(),
              static_cast<int8_t*>(user_weights.get_data_handle()));
    memory layer_weights = ReorderedOnce(user_weights, pd.weights_desc());
    memory bias(bias_desc, engine_);
    auto* bias_data = static_cast<float*>(bias.get_data_handle());
    for (int64_t o = 0; o < out; ++o) bias_data[o] = weights.biases[layer][o] * accumulator_scale;
    memory dst(pd.dst_desc(), engine_);

    steps_.push_back({dnnl::inner_product_forward(pd),
                      {{DNNL_ARG_SRC, src},
                       {DNNL_ARG_WEIGHTS, layer_weights},
                       {DNNL_ARG_BIAS, bias},
                       {DNNL_ARG_DST, dst}}});
    implementations_.emplace_back(pd.impl_info_str());
    keep_alive_.insert(keep_alive_.end(), {layer_weights, bias, dst});
    src = dst;
  }
  output_ = src;
}

void OneDnnMlp::Infer() {
  for (Step& step : steps_) step.primitive.execute(stream_, step.args);
  stream_.wait();
}

std::span<const float> OneDnnMlp::Output() const {
  return {static_cast<const float*>(output_.get_data_handle()),
          static_cast<size_t>(batch_ * kMlpOutputs)};
}

std::string EffectiveIsaName() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::sse41:
      return "sse41";
    case dnnl::cpu_isa::avx:
      return "avx";
    case dnnl::cpu_isa::avx2:
      return "avx2";
    case dnnl::cpu_isa::avx2_vnni:
      return "avx2_vnni";
    case dnnl::cpu_isa::avx512_mic:
      return "avx512_mic";
    case dnnl::cpu_isa::avx512_mic_4ops:
      return "avx512_mic_4ops";
    case dnnl::cpu_isa::avx512_core:
      return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni:
      return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16:
      return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx:
      return "avx512_core_amx";
    case dnnl::cpu_isa::all:
      return "all";
  }
  return "unknown";
}

std::string OneDnnVersion() {
  const dnnl::version_t* version = dnnl::version();
  return std::to_string(version->major) + "." + std::to_string(version->minor) + "." +
         std::to_string(version->patch);
}

}  // namespace benchd::host_runtime
