#pragma once

// A plain-text table for terminals: a header row, then one line per row,
// columns separated by two spaces and padded to the widest cell. Numbers read
// best right-aligned, text left-aligned; the caller says which per column.
//
// Thread-compatible: build and render from one thread.

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace benchd::cli {

enum class Align { kLeft, kRight };

struct Column {
  std::string header;
  Align align = Align::kLeft;
  // The column is at least this wide, so that tables rendered batch by batch
  // (`RenderRows`) line up as long as their cells fit.
  size_t min_width = 0;
};

class Table {
 public:
  explicit Table(std::vector<Column> columns);

  // A row with fewer cells than columns is padded with empty cells; cells
  // past the last column are dropped. Control characters (a newline in an
  // error message) become spaces, so that one cell cannot break the layout.
  void AddRow(std::vector<std::string> cells);

  size_t row_count() const { return rows_.size(); }

  // Writes the header and the rows. Lines carry no trailing spaces.
  void Render(std::ostream& out) const;
  // Writes the header alone, or the rows alone, each padded as `Render` would.
  void RenderHeader(std::ostream& out) const;
  void RenderRows(std::ostream& out) const;

 private:
  std::vector<size_t> Widths() const;
  void RenderLine(std::ostream& out, const std::vector<std::string>& cells,
                  const std::vector<size_t>& widths) const;

  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// The number of terminal columns `text` takes, counting UTF-8 code points,
// which is right for the Latin, Greek and symbol text benchd prints (µs, ±).
size_t DisplayWidth(std::string_view text);

}  // namespace benchd::cli
