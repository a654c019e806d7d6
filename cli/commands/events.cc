#include "cli/commands/events.h"

#include <algorithm>
#include <vector>

#include "cli/output/format.h"
#include "cli/output/table.h"
#include "common/status_util.h"

namespace benchd::cli {

namespace {

std::string IdOrDash(int64_t id) { return id == 0 ? "-" : std::to_string(id); }
std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }

// With `follow`, columns get widths that fit typical cells, so that the rows
// of later polls line up under the header printed with the first.
Table EventsTable(bool follow) {
  auto width = [follow](size_t n) { return follow ? n : size_t{0}; };
  return Table({{"TIME", Align::kLeft, width(20)},
                {"KIND", Align::kLeft, width(19)},
                {"SWEEP", Align::kRight, width(5)},
                {"RUN", Align::kRight, width(6)},
                {"AGENT", Align::kLeft, width(12)},
                {"DEVICE", Align::kLeft, width(10)},
                {"DURATION", Align::kRight, width(8)},
                {"MESSAGE"}});
}

void AddEvents(const std::vector<benchd::v1::Event>& events, Table& table) {
  for (const benchd::v1::Event& event : events) {
    table.AddRow({FormatTimestamp(event.at()), event.kind(), IdOrDash(event.sweep_id()),
                  IdOrDash(event.run_id()), OrDash(event.agent()), OrDash(event.device()),
                  event.duration_ms() > 0 ? FormatDuration(event.duration_ms()) : "-",
                  event.message()});
  }
}

int64_t LastId(const std::vector<benchd::v1::Event>& events, int64_t after_id) {
  for (const benchd::v1::Event& event : events) after_id = std::max(after_id, event.id());
  return after_id;
}

absl::Status Follow(const CommandContext& context, const EventsOptions& options, int64_t after_id,
                    const FollowWait& wait) {
  bool noted_unavailable = false;
  while (wait()) {
    benchd::v1::ListEventsRequest request = EventsRequest(options);
    request.set_after_id(after_id);
    // As many as one call may return: a poll shows everything new.
    request.set_limit(kMaxEventsPerCall);
    absl::StatusOr<std::vector<benchd::v1::Event>> events = context.client.ListEvents(request);
    if (!events.ok()) {
      if (!IsTransient(events.status())) return common::WithContext(events.status(), "events");
      if (!noted_unavailable) {
        context.err << "benchctl: events: " << events.status().message() << "; still trying\n"
                    << std::flush;
        noted_unavailable = true;
      }
      continue;
    }
    noted_unavailable = false;
    if (events->empty()) continue;
    if (events->size() >= static_cast<size_t>(kMaxEventsPerCall)) {
      context.err << "benchctl: events: more than " << kMaxEventsPerCall
                  << " new events since the last poll; older ones were skipped\n";
    }
    Table table = EventsTable(/*follow=*/true);
    AddEvents(*events, table);
    table.RenderRows(context.out);
    context.out.flush();
    after_id = LastId(*events, after_id);
  }
  return absl::OkStatus();
}

}  // namespace

benchd::v1::ListEventsRequest EventsRequest(const EventsOptions& options) {
  benchd::v1::ListEventsRequest request;
  request.set_sweep_id(options.sweep_id);
  request.set_run_id(options.run_id);
  request.set_agent(options.agent);
  request.set_device(options.device);
  request.set_kind(options.kind);
  request.set_limit(options.limit);
  return request;
}

absl::Status RunEvents(const CommandContext& context, const EventsOptions& options,
                       const FollowWait& wait) {
  absl::StatusOr<std::vector<benchd::v1::Event>> events =
      context.client.ListEvents(EventsRequest(options));
  if (!events.ok()) return common::WithContext(events.status(), "events");
  Table table = EventsTable(options.follow);
  AddEvents(*events, table);
  table.Render(context.out);
  context.out.flush();
  if (!options.follow) {
    if (events->empty()) context.err << "no events match\n";
    return absl::OkStatus();
  }
  return Follow(context, options, LastId(*events, 0), wait);
}

}  // namespace benchd::cli
