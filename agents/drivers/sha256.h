#pragma once

// SHA-256 (FIPS 180-4) of a byte string or a file, as lower-case hex. Used to
// record which firmware image was on a board when it was measured; a small
// self-contained implementation keeps the agent free of a crypto library.
// Thread-safety: pure functions.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace benchd::agent {

std::string Sha256Hex(std::string_view data);

// Errors: NOT_FOUND when the file does not exist, UNAVAILABLE when it cannot
// be read.
[[nodiscard]] absl::StatusOr<std::string> Sha256HexOfFile(const std::string& path);

}  // namespace benchd::agent
