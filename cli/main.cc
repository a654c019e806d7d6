// benchctl: the command-line client of the benchd coordinator. Everything but
// the process edge lives in `benchd_cli` (see `cli/app.h`).

#include <unistd.h>

#include <exception>
#include <iostream>

#include "cli/app.h"
#include "cli/exit_codes.h"

int main(int argc, char** argv) {
  try {
    return benchd::cli::RunBenchctl(argc, argv, std::cout, std::cerr, isatty(STDERR_FILENO) == 1);
  } catch (const std::exception& error) {
    // Expected failures are values; anything thrown is a bug or a library
    // surprise, reported once here instead of as std::terminate's abort.
    std::cerr << "benchctl: internal error: " << error.what() << '\n';
    return benchd::cli::ToInt(benchd::cli::ExitCode::kInternal);
  }
}
