#include "cli/output/progress_reporter.h"

#include <algorithm>
#include <string>
#include <vector>

#include "cli/output/format.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::cli {

namespace {

constexpr int kBarWidth = 30;
// Moves to the start of the line and, after the text, clears what a longer
// previous line left behind.
constexpr char kReturn[] = "\r";
constexpr char kClearToEnd[] = "\x1b[K";

int64_t Percent(const benchd::v1::SweepProgress& progress) {
  if (progress.total() <= 0) return 100;
  // Rounded down, so that 100% means every experiment has finished.
  return std::clamp<int64_t>(FinishedCount(progress) * 100 / progress.total(), 0, 100);
}

// The coordinator keeps such a sweep open: its experiments run as soon as a
// device that can take them registers or comes back into service.
bool OnlyWaitingLeft(const benchd::v1::SweepProgress& progress) {
  return progress.running() == 0 && progress.pending() > 0 &&
         progress.unschedulable() + progress.blocked() >= progress.pending();
}

// Why nothing runs, once only waiting work is left.
std::string WaitingText(const benchd::v1::SweepProgress& progress) {
  return progress.blocked() > 0 ? "waiting for a device to return to service (benchctl devices)"
                                : "waiting for a device that can run them";
}

std::string EtaText(const benchd::v1::SweepProgress& progress) {
  if (FinishedCount(progress) >= progress.total()) return "";
  // The coordinator sends zero until a run has finished and it has a mean.
  return progress.eta_ms() > 0 ? "ETA " + FormatDuration(progress.eta_ms()) : "ETA --";
}

// "3.5/min" while the sweep runs; empty before the first finished run and
// after the last, when a rate says nothing about what is left.
std::string ThroughputText(const benchd::v1::SweepProgress& progress) {
  const double rate = progress.throughput_per_min();
  if (!(rate > 0) || FinishedCount(progress) >= progress.total()) return "";
  if (rate >= 10) return fmt::format("{:.0f}/min", rate);
  if (rate >= 0.1) return fmt::format("{:.1f}/min", rate);
  return "<0.1/min";
}

bool SameCounts(const benchd::v1::SweepProgress& a, const benchd::v1::SweepProgress& b) {
  return a.total() == b.total() && a.pending() == b.pending() && a.running() == b.running() &&
         a.succeeded() == b.succeeded() && a.failed() == b.failed() &&
         a.cancelled() == b.cancelled() && a.unschedulable() == b.unschedulable() &&
         a.blocked() == b.blocked();
}

}  // namespace

int64_t FinishedCount(const benchd::v1::SweepProgress& progress) {
  return progress.succeeded() + progress.failed() + progress.cancelled();
}

std::string ProgressBarText(const benchd::v1::SweepProgress& progress, int bar_width) {
  const int64_t percent = Percent(progress);
  const int filled = static_cast<int>(percent * bar_width / 100);
  std::string text = "[" + std::string(filled, '#') + std::string(bar_width - filled, '-') + "]";
  text += fmt::format(" {:3}%  {}/{} done  {} ok  {} failed  {} running", percent,
                      FinishedCount(progress), progress.total(), progress.succeeded(),
                      progress.failed(), progress.running());
  if (progress.cancelled() > 0) text += fmt::format("  {} cancelled", progress.cancelled());
  if (progress.unschedulable() > 0) {
    text += fmt::format("  {} unschedulable", progress.unschedulable());
  }
  if (progress.blocked() > 0) text += fmt::format("  {} blocked", progress.blocked());
  if (OnlyWaitingLeft(progress)) return text + "  waiting for a device";
  const std::string throughput = ThroughputText(progress);
  if (!throughput.empty()) text += "  " + throughput;
  const std::string eta = EtaText(progress);
  if (!eta.empty()) text += "  " + eta;
  return text;
}

std::string ProgressSummaryText(const benchd::v1::SweepProgress& progress) {
  std::string text =
      fmt::format("{}/{} done ({}%): {} succeeded, {} failed, {} running, {} pending",
                  FinishedCount(progress), progress.total(), Percent(progress),
                  progress.succeeded(), progress.failed(), progress.running(), progress.pending());
  std::vector<std::string> waiting;
  if (progress.unschedulable() > 0) waiting.push_back(fmt::format("{} unschedulable", progress.unschedulable()));
  if (progress.blocked() > 0) waiting.push_back(fmt::format("{} blocked: no device in service", progress.blocked()));
  if (!waiting.empty()) text += fmt::format(" ({})", fmt::join(waiting, ", "));
  if (progress.cancelled() > 0) text += fmt::format(", {} cancelled", progress.cancelled());
  if (OnlyWaitingLeft(progress)) return text + ", " + WaitingText(progress);
  const std::string throughput = ThroughputText(progress);
  if (!throughput.empty()) text += ", " + throughput;
  const std::string eta = EtaText(progress);
  if (!eta.empty()) text += ", " + eta;
  return text;
}

std::string ProgressLineText(int64_t sweep_id, const benchd::v1::SweepProgress& progress) {
  return fmt::format("sweep {}: {}", sweep_id, ProgressSummaryText(progress));
}

ProgressReporter::ProgressReporter(std::ostream& out, Mode mode, int64_t sweep_id)
    : out_(out), mode_(mode), sweep_id_(sweep_id) {}

void ProgressReporter::Update(const benchd::v1::SweepProgress& progress) {
  if (mode_ == Mode::kLines) {
    if (last_counts_.has_value() && SameCounts(*last_counts_, progress)) return;
    last_counts_ = progress;
    out_ << ProgressLineText(sweep_id_, progress) << '\n' << std::flush;
    return;
  }
  std::string text = ProgressBarText(progress, kBarWidth);
  if (text == last_drawn_) return;
  out_ << kReturn << text << kClearToEnd << std::flush;
  last_drawn_ = std::move(text);
}

void ProgressReporter::Note(const std::string& line) {
  if (mode_ == Mode::kBar && !last_drawn_.empty()) out_ << '\n';
  out_ << line << '\n' << std::flush;
  last_drawn_.clear();
}

void ProgressReporter::Finish() {
  if (mode_ == Mode::kBar && !last_drawn_.empty()) out_ << '\n' << std::flush;
}

}  // namespace benchd::cli
