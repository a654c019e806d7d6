#pragma once

// The read loop shared by the command and serial-meter samplers: waits with
// poll(2) on a descriptor and on an eventfd that a stop request signals, so
// `Sampler::Stop()` wakes it at once, and hands over each complete line
// (without "\n" or "\r\n"). A line longer than `kMaxLineBytes` is noise or a
// wrong baud rate: it is dropped and reported through `on_error`.
//
// Returns OK when stopped; UNAVAILABLE when the descriptor reached end of
// file or hung up (the command exited, the meter was unplugged) or a read
// failed; INTERNAL when no eventfd could be had.
// Thread-safety: runs on the calling (sampler) thread; borrows `fd`.

#include <functional>
#include <stop_token>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace benchd::agent::power {

inline constexpr size_t kMaxLineBytes = 4096;

[[nodiscard]] absl::Status ReadLinesUntilStopped(int fd, const std::string& what, std::stop_token stop,
                                                 const std::function<void(std::string_view)>& on_line,
                                                 const std::function<void(const absl::Status&)>& on_error);

}  // namespace benchd::agent::power
