#include "agents/drivers/sha256.h"

#include <fstream>

#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace benchd::agent {
namespace {

// FIPS 180-4 / NIST CSHA256 example vectors.
TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // 56 bytes: the length no longer fits in the first block's padding.
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1'000'000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, FileHashEqualsDataHash) {
  benchd::testing::TempDir dir;
  std::string data;
  for (int i = 0; i < 200'000; ++i) data.push_back(static_cast<char>(i * 7));
  const std::string path = dir.path() + "/firmware.bin";
  std::ofstream(path, std::ios::binary) << data;
  absl::StatusOr<std::string> hash = Sha256HexOfFile(path);
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(*hash, Sha256Hex(data));
  EXPECT_EQ(Sha256HexOfFile(dir.path() + "/missing.bin").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace benchd::agent
