#include "agents/drivers/serial_port.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>

#include "common/raw_terminal.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/drivers_mcu/pty_pair.h"

namespace benchd::agent {
namespace {

using std::chrono::milliseconds;
using testing::PtyPair;
using ::testing::HasSubstr;
using Clock = SerialPort::Clock;

std::unique_ptr<SerialPort> OpenOrDie(const std::string& path) {
  absl::StatusOr<std::unique_ptr<SerialPort>> port = SerialPort::Open(path, 115200);
  EXPECT_TRUE(port.ok()) << port.status();
  return port.ok() ? *std::move(port) : nullptr;
}

TEST(SerialPortTest, ReadsLinesWithoutTheirBreaks) {
  PtyPair pty;
  auto port = OpenOrDie(pty.slave_path());
  ASSERT_NE(port, nullptr);
  pty.Write("first\r\nsecond\nthi");
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  EXPECT_EQ(*port->ReadLine(deadline), "first");
  EXPECT_EQ(*port->ReadLine(deadline), "second");
  pty.Write("rd\r\n");
  EXPECT_EQ(*port->ReadLine(deadline), "third");
}

TEST(SerialPortTest, SilenceEndsAtTheDeadline) {
  PtyPair pty;
  auto port = OpenOrDie(pty.slave_path());
  ASSERT_NE(port, nullptr);
  pty.Write("no line break");
  const auto start = Clock::now();
  absl::StatusOr<std::string> line = port->ReadLine(start + milliseconds(150));
  const auto waited = Clock::now() - start;
  EXPECT_EQ(line.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(line.status().message()), HasSubstr("partial: 'no line break'"));
  EXPECT_GE(waited, milliseconds(150));
  EXPECT_LT(waited, milliseconds(2000));
}

TEST(SerialPortTest, CancelStopsAWait) {
  PtyPair pty;
  auto port = OpenOrDie(pty.slave_path());
  ASSERT_NE(port, nullptr);
  std::atomic<bool> cancel{true};
  const auto start = Clock::now();
  absl::StatusOr<std::string> line = port->ReadLine(start + std::chrono::seconds(30), &cancel);
  EXPECT_EQ(line.status().code(), absl::StatusCode::kCancelled);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST(SerialPortTest, HangUpIsUnavailable) {
  PtyPair pty;
  auto port = OpenOrDie(pty.slave_path());
  ASSERT_NE(port, nullptr);
  pty.CloseMaster();
  absl::StatusOr<std::string> line = port->ReadLine(Clock::now() + std::chrono::seconds(5));
  EXPECT_EQ(line.status().code(), absl::StatusCode::kUnavailable) << line.status();
}

TEST(SerialPortTest, EndlessLineIsDataLoss) {
  PtyPair pty;
  auto port = OpenOrDie(pty.slave_path());
  ASSERT_NE(port, nullptr);
  pty.Write(std::string(SerialPort::kMaxLineBytes + 10, 'x'));
  absl::StatusOr<std::string> line = port->ReadLine(Clock::now() + std::chrono::seconds(5));
  EXPECT_EQ(line.status().code(), absl::StatusCode::kDataLoss) << line.status();
}

TEST(SerialPortTest, DiscardInputDropsWhatWasBuffered) {
  PtyPair pty;
  auto port = OpenOrDie(pty.slave_path());
  ASSERT_NE(port, nullptr);
  // The timed-out read proves the partial line reached the port's own
  // buffer, so the discard has something to drop.
  pty.Write("half");
  ASSERT_EQ(port->ReadLine(Clock::now() + milliseconds(200)).status().code(), absl::StatusCode::kDeadlineExceeded);
  ASSERT_TRUE(port->DiscardInput().ok());
  pty.Write("fresh\n");
  EXPECT_EQ(*port->ReadLine(Clock::now() + std::chrono::seconds(5)), "fresh");
}

TEST(SerialPortTest, WritesReachTheBoard) {
  PtyPair pty;
  auto port = OpenOrDie(pty.slave_path());
  ASSERT_NE(port, nullptr);
  ASSERT_TRUE(port->Write("infer 1 0%", Clock::now() + std::chrono::seconds(5)).ok());
  EXPECT_EQ(pty.Read(10, std::chrono::seconds(5)), "infer 1 0%");
}

TEST(SerialPortTest, OpenIsExclusive) {
  PtyPair pty;
  auto port = OpenOrDie(pty.slave_path());
  ASSERT_NE(port, nullptr);
  if (::geteuid() != 0) {
    absl::StatusOr<std::unique_ptr<SerialPort>> second = SerialPort::Open(pty.slave_path(), 115200);
    EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
    return;
  }
  // Root may open an exclusive terminal anyway; read the flag instead.
  const int fd = ::open(pty.slave_path().c_str(), O_RDWR | O_NOCTTY);
  ASSERT_GE(fd, 0);
  int exclusive = 0;
  ASSERT_EQ(::ioctl(fd, TIOCGEXCL, &exclusive), 0);
  ::close(fd);
  EXPECT_NE(exclusive, 0);
}

TEST(SerialPortTest, MissingPortAndOddBaudAreReported) {
  EXPECT_EQ(SerialPort::Open("/dev/does-not-exist-tty", 115200).status().code(), absl::StatusCode::kUnavailable);
  PtyPair pty;
  EXPECT_EQ(SerialPort::Open(pty.slave_path(), 12345).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(common::IsSupportedBaud(921600));
  EXPECT_FALSE(common::IsSupportedBaud(12345));
}

}  // namespace
}  // namespace benchd::agent
