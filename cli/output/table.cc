#include "cli/output/table.h"

#include <algorithm>
#include <utility>

namespace benchd::cli {

namespace {

std::string Sanitize(std::string cell) {
  for (char& c : cell) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return cell;
}

}  // namespace

size_t DisplayWidth(std::string_view text) {
  // Continuation bytes (10xxxxxx) belong to the code point before them.
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  for (std::string& cell : cells) cell = Sanitize(std::move(cell));
  rows_.push_back(std::move(cells));
}

std::vector<size_t> Table::Widths() const {
  std::vector<size_t> widths(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) {
    widths[i] = std::max(columns_[i].min_width, DisplayWidth(columns_[i].header));
  }
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  return widths;
}

void Table::Render(std::ostream& out) const {
  RenderHeader(out);
  RenderRows(out);
}

void Table::RenderHeader(std::ostream& out) const {
  std::vector<std::string> headers;
  headers.reserve(columns_.size());
  for (const Column& column : columns_) headers.push_back(column.header);
  RenderLine(out, headers, Widths());
}

void Table::RenderRows(std::ostream& out) const {
  const std::vector<size_t> widths = Widths();
  for (const auto& row : rows_) RenderLine(out, row, widths);
}

void Table::RenderLine(std::ostream& out, const std::vector<std::string>& cells,
                       const std::vector<size_t>& widths) const {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) line += "  ";
    const size_t padding = widths[i] - DisplayWidth(cells[i]);
    if (columns_[i].align == Align::kRight) {
      line.append(padding, ' ');
      line += cells[i];
    } else {
      line += cells[i];
      line.append(padding, ' ');
    }
  }
  // Left-aligned last columns pad to the right; a terminal shows no
  // difference, but `diff` and copy-paste do.
  line.erase(line.find_last_not_of(' ') + 1);
  out << line << '\n';
}

}  // namespace benchd::cli
