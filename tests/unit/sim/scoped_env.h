#pragma once

// Sets an environment variable for one scope. setenv is safe only while no
// other thread runs: the sim tests that use it start none.

#include <cstdlib>
#include <string>

namespace benchd::sim::test_support {

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~ScopedEnv() { unsetenv(name_.c_str()); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
};

}  // namespace benchd::sim::test_support
