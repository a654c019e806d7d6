#include "agents/sim/common/sim_power.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>

namespace benchd::sim {
namespace {

constexpr double kTx2GpuBaseShare = 0.08;
constexpr double kTx2CpuBaseShare = 0.17;
constexpr double kTx2GpuLoadShare = 0.55;
constexpr double kTx2CpuLoadShare = 0.10;

absl::Status IoError(const std::string& what, const std::string& path, int error) {
  return absl::UnavailableError(what + " '" + path + "': " + std::strerror(error));
}

// "1234" -> "1234" + 11 spaces + "\n".
std::string Record(long long value) {
  constexpr long long kLargest = 999'999'999'999'999;  // 15 digits: a gigawatt in µW
  std::string text = std::to_string(std::clamp(value, 0LL, kLargest));
  text.resize(kValueRecordSize - 1, ' ');
  text.push_back('\n');
  return text;
}

absl::Status WriteAll(int fd, const std::string& text, const std::string& path) {
  ssize_t written;
  do {
    written = ::pwrite(fd, text.data(), text.size(), 0);
  } while (written < 0 && errno == EINTR);
  if (written < 0) return IoError("write", path, errno);
  // Regular files take a pwrite this small whole; a short count means a full disk.
  if (static_cast<size_t>(written) != text.size()) return IoError("write", path, ENOSPC);
  return absl::OkStatus();
}

// Writes `text` under a temporary name beside `path`, then renames it over
// `path`, so a reader finds either no file or the whole text.
absl::Status ReplaceFile(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("create", temporary, errno);
  absl::Status written = WriteAll(fd, text, temporary);
  ::close(fd);
  if (written.ok() && ::rename(temporary.c_str(), path.c_str()) != 0) written = IoError("rename", temporary, errno);
  if (!written.ok()) ::unlink(temporary.c_str());
  return written;
}

absl::Status WriteNameFile(const std::string& path, const std::string& name, bool replace) {
  std::string current;
  if (FILE* file = std::fopen(path.c_str(), "re")) {
    char text[256];
    current.assign(text, std::fread(text, 1, sizeof text, file));
    std::fclose(file);
    if (!replace || current == name + "\n") return absl::OkStatus();
  }
  return ReplaceFile(path, name + "\n");
}

struct RailFiles {
  std::string name_file;  // rail_name_N / power1_label
  std::string name;
  std::string value_file;
  double units_per_watt;
};

}  // namespace

std::optional<PowerLayout> ParsePowerLayout(std::string_view text) {
  if (text == "ina3221") return PowerLayout::kIna3221;
  if (text == "hwmon") return PowerLayout::kHwmon;
  return std::nullopt;
}

Tx2Rails SplitTx2Power(double board_w, double base_w) {
  const double above_base = std::max(board_w - base_w, 0.0);
  const double floor_w = std::min(board_w, base_w);
  return {board_w, kTx2GpuBaseShare * floor_w + kTx2GpuLoadShare * above_base,
          kTx2CpuBaseShare * floor_w + kTx2CpuLoadShare * above_base};
}

absl::StatusOr<PowerTree> PowerTree::Open(const PowerTreeOptions& options) {
  if (options.dir.empty()) return absl::InvalidArgumentError("power tree: empty directory");
  std::string device_dir;
  std::vector<RailFiles> rails;
  if (options.layout == PowerLayout::kIna3221) {
    // One INA3221 at I2C bus 1, address 0x40, as NVIDIA's ina3221x driver
    // names its device; the reader globs, so the numbers are free.
    device_dir = options.dir + "/1-0040/iio:device0";
    const char* names[] = {"VDD_IN", "VDD_SYS_GPU", "VDD_SYS_CPU"};
    for (int n = 0; n < 3; ++n) {
      const std::string id = std::to_string(n);
      rails.push_back({device_dir + "/rail_name_" + id, names[n], device_dir + "/in_power" + id + "_input", 1e3});
    }
  } else {
    if (options.chip.empty()) return absl::InvalidArgumentError("power tree: empty hwmon chip name");
    device_dir = options.dir + "/hwmon0";
    rails.push_back({device_dir + "/power1_label", "board", device_dir + "/power1_input", 1e6});
  }
  std::error_code error;
  std::filesystem::create_directories(device_dir, error);
  if (error) return absl::UnavailableError("create '" + device_dir + "': " + error.message());
  if (options.layout == PowerLayout::kHwmon) {
    absl::Status named = WriteNameFile(device_dir + "/name", options.chip, options.replace_names);
    if (!named.ok()) return named;
  }

  PowerTree tree(options.layout, options.base_w);
  const std::vector<double> initial_w = [&] {
    if (options.layout == PowerLayout::kHwmon) return std::vector<double>{options.base_w};
    const Tx2Rails split = SplitTx2Power(options.base_w, options.base_w);
    return std::vector<double>{split.in_w, split.gpu_w, split.cpu_w};
  }();
  for (size_t i = 0; i < rails.size(); ++i) {
    const RailFiles& rail = rails[i];
    absl::Status named = WriteNameFile(rail.name_file, rail.name, options.replace_names);
    if (!named.ok()) return named;
    struct stat info {};
    if (::stat(rail.value_file.c_str(), &info) != 0) {
      absl::Status created = ReplaceFile(rail.value_file, Record(std::llround(initial_w[i] * rail.units_per_watt)));
      if (!created.ok()) return created;
      info.st_size = kValueRecordSize;
    }
    // Opened for writing without O_TRUNC: readers keep the same inode.
    const int fd = ::open(rail.value_file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return IoError("open", rail.value_file, errno);
    tree.fds_.push_back(fd);
    tree.paths_.push_back(rail.value_file);
    tree.units_per_watt_.push_back(rail.units_per_watt);
    tree.resize_.push_back(info.st_size != static_cast<off_t>(kValueRecordSize));
  }
  return tree;
}

PowerTree::PowerTree(PowerTree&& other) noexcept
    : layout_(other.layout_),
      base_w_(other.base_w_),
      fds_(std::exchange(other.fds_, {})),
      paths_(std::move(other.paths_)),
      units_per_watt_(std::move(other.units_per_watt_)),
      resize_(std::move(other.resize_)) {}

PowerTree& PowerTree::operator=(PowerTree&& other) noexcept {
  if (this != &other) {
    Close();
    layout_ = other.layout_;
    base_w_ = other.base_w_;
    fds_ = std::exchange(other.fds_, {});
    paths_ = std::move(other.paths_);
    units_per_watt_ = std::move(other.units_per_watt_);
    resize_ = std::move(other.resize_);
  }
  return *this;
}

PowerTree::~PowerTree() { Close(); }

void PowerTree::Close() {
  for (int fd : fds_) ::close(fd);
  fds_.clear();
}

absl::Status PowerTree::Write(double board_w) {
  board_w = std::max(board_w, 0.0);
  std::vector<double> watts = {board_w};
  if (layout_ == PowerLayout::kIna3221) {
    const Tx2Rails split = SplitTx2Power(board_w, base_w_);
    watts = {split.in_w, split.gpu_w, split.cpu_w};
  }
  for (size_t i = 0; i < fds_.size(); ++i) {
    absl::Status written = WriteAll(fds_[i], Record(std::llround(watts[i] * units_per_watt_[i])), paths_[i]);
    if (!written.ok()) return written;
    if (resize_[i]) {
      // A file of another size (written by hand or by another tool) gets the
      // record size once; readers may see its old tail until then.
      if (::ftruncate(fds_[i], static_cast<off_t>(kValueRecordSize)) != 0) return IoError("truncate", paths_[i], errno);
      resize_[i] = false;
    }
  }
  return absl::OkStatus();
}

}  // namespace benchd::sim
