#pragma once

// Waiting for SIGINT or SIGTERM in `main`. The handlers only write to a pipe;
// the signals stay unblocked, so child processes (benchmarks, PostgreSQL)
// inherit a clean signal mask and can still be stopped with SIGTERM.

namespace benchd::common {

// Installs the handlers; call once, early in `main`, before starting threads.
void InstallStopSignalHandlers();
// Blocks until SIGINT or SIGTERM arrives; returns the signal number.
int WaitForStopSignal();

}  // namespace benchd::common
