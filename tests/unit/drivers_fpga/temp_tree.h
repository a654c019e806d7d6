#pragma once

// A fresh directory under the test's temporary directory, and files in it,
// for driver tests that need a run directory, a model tree or FINN packages.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace benchd::agent::testing {

// Removes and recreates TempDir()/`name`-PID; returns its path.
inline std::string FreshDir(const std::string& name) {
  // ctest runs each test in its own process, two at a time: a directory
  // shared between tests would be emptied under another test's feet.
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / (name + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

// Writes `text` to `path`, creating its parent directories.
inline void WriteFile(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  EXPECT_TRUE(file) << "cannot write " << path;
}

inline std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

}  // namespace benchd::agent::testing
