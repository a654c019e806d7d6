#include "agents/drivers/host_info.h"

#include <sys/utsname.h>

#include <fstream>
#include <string_view>

#include "agents/parsers/text_scan.h"

namespace benchd::agent {
namespace {

std::string ReadCpuModel() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    std::string_view text = line;
    if (!ConsumePrefix(&text, "model name")) continue;
    const size_t colon = text.find(':');
    if (colon != std::string_view::npos) return std::string(Trim(text.substr(colon + 1)));
  }
  // Some architectures (arm64) have no "model name"; the environment still
  // needs a value so that queries can group by it.
  return "unknown";
}

}  // namespace

HostInfo ReadHostInfo() {
  HostInfo info;
  info.cpu_model = ReadCpuModel();
  struct utsname name {};
  if (uname(&name) == 0) {
    info.hostname = name.nodename;
    info.kernel = std::string(name.sysname) + " " + name.release;
  } else {
    info.hostname = "unknown";
    info.kernel = "unknown";
  }
  return info;
}

void AddHostInfo(const HostInfo& info, benchd::v1::Environment& environment) {
  auto& entries = *environment.mutable_entries();
  entries["cpu_model"] = info.cpu_model;
  entries["hostname"] = info.hostname;
  entries["kernel"] = info.kernel;
}

}  // namespace benchd::agent
