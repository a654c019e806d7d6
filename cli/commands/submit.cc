#include "cli/commands/submit.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/commands/watch.h"
#include "common/status_util.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::cli {

absl::StatusOr<std::string> ReadSweepFile(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return absl::InvalidArgumentError("cannot read the file: it is a directory");
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::InvalidArgumentError(std::string("cannot read the file: ") + std::strerror(errno));
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) {
    return absl::InvalidArgumentError(std::string("cannot read the file: ") + std::strerror(errno));
  }
  return text.str();
}

absl::StatusOr<ExitCode> RunSubmit(const CommandContext& context, const SubmitOptions& options,
                                   const FollowWait& retry_wait) {
  const std::string operation = "submit " + options.file;
  absl::StatusOr<std::string> yaml = ReadSweepFile(options.file);
  if (!yaml.ok()) return common::WithContext(yaml.status(), operation);

  // The path as the user typed it is what they will look for in the
  // coordinator's file:line:column messages.
  benchd::v1::SubmitSweepRequest request;
  request.set_yaml(*yaml);
  request.set_file_name(options.file);
  request.set_resume_sweep_id(options.resume);
  request.set_prune_invalid(options.prune_invalid);
  absl::StatusOr<benchd::v1::SubmitSweepResponse> response = context.client.SubmitSweep(request);
  if (!response.ok()) {
    // The coordinator's message already names the file; repeating the
    // operation would only print the path twice.
    if (response.status().code() == absl::StatusCode::kInvalidArgument) return response.status();
    return common::WithContext(response.status(), operation);
  }
  const benchd::v1::Sweep* sweep = &response->sweep();
  context.out << fmt::format("sweep {} submitted ({}): {} experiments\n", sweep->id(),
                             sweep->name(), sweep->progress().total());
  if (options.resume != 0) {
    context.out << fmt::format("{} points already measured in sweep {} were left out\n",
                               response->already_measured(), options.resume);
  }
  for (const std::string& dropped : response->dropped()) context.out << "dropped " << dropped << "\n";
  // Said now, so that nobody waits on work that cannot start.
  const benchd::v1::SweepProgress& progress = sweep->progress();
  if (progress.unschedulable() > 0) {
    context.out << fmt::format("{} of them no registered device can run: 'benchctl show {}' says why\n",
                               progress.unschedulable(), sweep->id());
  }
  if (progress.blocked() > 0) {
    context.out << fmt::format("{} of them wait for a device to return to service: see 'benchctl devices'\n",
                               progress.blocked());
  }
  context.out.flush();
  if (!options.watch) return ExitCode::kOk;
  return RunWatch(context, sweep->id(), retry_wait);
}

}  // namespace benchd::cli
