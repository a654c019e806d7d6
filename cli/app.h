#pragma once

// The whole of `benchctl` except the process edge: parses the command line,
// connects to the coordinator and runs one command. `main` adds only the real
// streams and the last-resort catch, so tests can run the CLI in-process.
//
// Failure modes: returns an exit code from `cli/exit_codes.h` and writes one
// "benchctl: ..." line to `err` for every error. It does not throw for
// expected failures; exceptions from dependencies reach the caller.

#include <ostream>

namespace benchd::cli {

// `argv[0]` is the program name. Results go to `out`, diagnostics to `err`;
// `err_is_tty` picks the progress display of `submit --watch`.
int RunBenchctl(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
                bool err_is_tty);

}  // namespace benchd::cli
