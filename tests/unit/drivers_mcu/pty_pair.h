#pragma once

// A pseudo-terminal for serial tests: the test plays the board on the master
// side; code under test opens `slave_path()` as its serial port.

#include <chrono>
#include <string>
#include <string_view>

namespace benchd::agent::testing {

class PtyPair {
 public:
  // Aborts the test program when no pseudo-terminal can be had.
  PtyPair();
  ~PtyPair();
  PtyPair(const PtyPair&) = delete;
  PtyPair& operator=(const PtyPair&) = delete;

  const std::string& slave_path() const { return slave_path_; }
  // What the board sends.
  void Write(std::string_view bytes);
  // What the host sent, read until `expected` bytes arrived or `timeout`.
  std::string Read(size_t expected, std::chrono::milliseconds timeout);
  // The board goes away: the slave side reads EIO from now on.
  void CloseMaster();

 private:
  int master_ = -1;
  std::string slave_path_;
};

}  // namespace benchd::agent::testing
