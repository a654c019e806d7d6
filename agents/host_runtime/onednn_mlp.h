#pragma once

// The MLP as a chain of oneDNN 2.6 inner-product primitives on the CPU engine.
//
// FP32: f32 activations and weights, ReLU as a post-op.
// INT8: the f32 input is quantised to u8 by a reorder that is part of every
// inference; hidden layers take u8 activations and s8 weights, add an f32 bias
// in the accumulator domain and re-quantise to u8 through an output scale and
// a ReLU post-op; the last layer writes f32. Activation scales come from a
// static calibration: a reference f32 pass over the batch's first samples.
// Weights are reordered once, into the layout the primitives choose, at
// construction; that reorder is not part of an inference.
//
// Errors: the constructor throws `dnnl::error` when oneDNN cannot build a
// primitive (callers run at the process edge and report it).
// Thread-safety: none; one `Infer` at a time. oneDNN parallelises internally.

#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "agents/host_runtime/mlp_model.h"
#include "dnnl.hpp"

namespace benchd::host_runtime {

class OneDnnMlp {
 public:
  // `input` is batch x kMlpInputs f32 and is copied.
  OneDnnMlp(const MlpWeights& weights, Precision precision, int64_t batch,
            std::span<const float> input);

  // Runs one inference of the whole batch and returns when it has completed.
  void Infer();

  // batch x kMlpOutputs, valid after `Infer`.
  std::span<const float> Output() const;

  // The implementation oneDNN picked for each layer, e.g. "brgemm:avx512_core".
  const std::vector<std::string>& LayerImplementations() const { return implementations_; }

 private:
  struct Step {
    dnnl::primitive primitive;
    std::unordered_map<int, dnnl::memory> args;
  };

  void BuildFp32(const MlpWeights& weights);
  void BuildInt8(const MlpWeights& weights);
  // Reorders `source` into a new memory of `target_desc` once, at build time.
  dnnl::memory ReorderedOnce(dnnl::memory source, const dnnl::memory::desc& target_desc);

  dnnl::engine engine_;
  dnnl::stream stream_;
  int64_t batch_;
  std::vector<float> input_;
  std::vector<Step> steps_;
  std::vector<dnnl::memory> keep_alive_;  // weights, biases, activations
  dnnl::memory output_;
  std::vector<std::string> implementations_;
};

// The ISA oneDNN dispatches to on this CPU, e.g. "avx512_core_vnni".
std::string EffectiveIsaName();
// "2.6.3"
std::string OneDnnVersion();

}  // namespace benchd::host_runtime
