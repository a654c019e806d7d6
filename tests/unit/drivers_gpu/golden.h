#pragma once

// Reads a golden file of tests/data for the GPU-class driver tests.

#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace benchd::agent::testing {

inline std::string ReadGolden(const std::string& relative) {
  const std::string path = std::string(BENCHD_TEST_DATA_DIR) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace benchd::agent::testing
