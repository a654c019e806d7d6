#include "agents/parsers/nvpmodel_parser.h"

#include <string>
#include <vector>

#include "agents/parsers/text_scan.h"
#include "agents/parsers/tool_text.h"

namespace benchd::agent {

absl::StatusOr<NvpmodelMode> ParseNvpmodelQuery(std::string_view text) {
  constexpr std::string_view kTool = "nvpmodel -q";
  const std::vector<TextLine> lines = SplitLines(text);
  if (const TextLine* binary = FindBinaryLine(lines)) {
    return ToolOutputError(kTool, binary->number, "binary data in the output");
  }
  NvpmodelMode mode;
  int name_line = 0;
  for (const TextLine& line : lines) {
    std::string_view body = Trim(line.text);
    if (body.empty()) continue;
    if (name_line == 0) {
      if (!ConsumeTag(&body, "NV Power Mode:")) continue;
      if (body.empty()) return ToolOutputError(kTool, line.number, "empty power mode name");
      mode.name = std::string(body);
      name_line = line.number;
      continue;
    }
    // The id follows the name; on L4T it is alone on its line.
    absl::StatusOr<int64_t> id = ParseInt64(body);
    if (!id.ok() || *id < 0) {
      return ToolOutputError(kTool, line.number,
                             "expected the mode id after 'NV Power Mode: " + mode.name + "', got '" +
                                 std::string(body.substr(0, 40)) + "'");
    }
    mode.id = *id;
    return mode;
  }
  if (name_line == 0) return ToolOutputError(kTool, 0, "no 'NV Power Mode:' line");
  return ToolOutputError(kTool, name_line, "truncated output: no mode id after the mode name");
}

}  // namespace benchd::agent
