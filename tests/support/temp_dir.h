#pragma once

// A fresh directory under /tmp, removed with everything in it when the
// object is destroyed. It is world-traversable (0755), so that a PostgreSQL
// server running as the `postgres` user can reach a cluster created in it
// when the tests run as root.

#include <string>

namespace benchd::testing {

class TempDir {
 public:
  // Aborts the test program if the directory cannot be created: nothing in
  // a test can go on without it.
  explicit TempDir(const std::string& prefix = "benchd-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace benchd::testing
