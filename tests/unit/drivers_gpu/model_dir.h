#pragma once

// A model directory for the tool drivers' tests: the drivers check that an
// experiment's model is there before launching the tool, so the files a
// test runs must exist (their content does not matter to a fake tool).

#include <fstream>
#include <initializer_list>
#include <string>

#include "tests/support/temp_dir.h"

namespace benchd::agent::testing {

class ModelDir {
 public:
  explicit ModelDir(std::initializer_list<std::string> files) {
    for (const std::string& file : files) Deploy(file);
  }
  void Deploy(const std::string& file) const { std::ofstream(path() + "/" + file) << "model\n"; }
  const std::string& path() const { return dir_.path(); }
  // The path the driver passes to its tool.
  std::string Of(const std::string& file) const { return path() + "/" + file; }

 private:
  benchd::testing::TempDir dir_{"benchd-models"};
};

}  // namespace benchd::agent::testing
