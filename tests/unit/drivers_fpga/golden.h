#pragma once

// Reads a golden file from tests/data/<tool>/ for the FPGA parser and driver
// tests. A missing file fails the calling test.

#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace benchd::agent::testing {

inline std::string ReadGolden(const std::string& tool, const std::string& name) {
  const std::string path = std::string(BENCHD_TEST_DATA_DIR) + "/" + tool + "/" + name;
  std::ifstream file(path, std::ios::binary);
  EXPECT_TRUE(file) << "cannot open " << path;
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace benchd::agent::testing
