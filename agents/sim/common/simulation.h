#pragma once

// What every simulator shares: seeded noise around a published figure, and
// the failure modes a test selects.
//
// Failure modes come from the environment variable BENCHD_SIM_FAILURE (tests
// set it on the agent process, or on one device through driver options that
// the driver passes on as the variable), with values:
//   none       behave (default)
//   hang       print the start of the output, then never finish
//   crash      print part of the output, then die from SIGSEGV
//   truncate   stop printing half-way and exit 0
//   garbage    print random bytes instead of the report, exit 0
//   exit:N     print an error on stderr and exit with status N
//   no-answer  (serial devices) stop answering after the handshake
//   no-fit     (MCU) the model does not fit: the build/flash step reports it
// BENCHD_SIM_SEED seeds the noise (default: random); BENCHD_SIM_NOISE is the
// relative standard deviation of per-inference noise (default 0.02).

#include <random>
#include <string>

namespace benchd::sim {

enum class FailureMode { kNone, kHang, kCrash, kTruncate, kGarbage, kExit, kNoAnswer, kNoFit };

struct Failure {
  FailureMode mode = FailureMode::kNone;
  int exit_code = 0;  // for kExit
};

// Reads BENCHD_SIM_FAILURE; an unknown value is reported on stderr and
// treated as kNone.
Failure FailureFromEnvironment();

class Noise {
 public:
  // Seed and relative spread from BENCHD_SIM_SEED / BENCHD_SIM_NOISE.
  Noise();
  Noise(uint64_t seed, double relative_std);
  // `mean` with multiplicative Gaussian noise, never below 5 % of `mean`.
  double Around(double mean);
  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
  double relative_std_;
};

// Blocks forever (the `hang` failure mode); the process is killed by its caller.
[[noreturn]] void HangForever();
// Dies from SIGSEGV after flushing stdout (the `crash` failure mode).
[[noreturn]] void CrashNow();
// Writes `bytes` random non-text bytes to stdout (the `garbage` failure mode).
void PrintGarbage(std::mt19937_64& engine, size_t bytes);

}  // namespace benchd::sim
