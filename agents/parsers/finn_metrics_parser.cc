#include "agents/parsers/finn_metrics_parser.h"

#include <cctype>
#include <cmath>
#include <utility>
#include <vector>

#include "agents/parsers/text_scan.h"
#include "agents/parsers/tool_text.h"
#include "common/status_util.h"

namespace benchd::agent {
namespace {

constexpr std::string_view kTool = "FINN nw_metrics";
constexpr double kConsistencyTolerance = 0.01;

struct PyNumber {
  double value = 0;
  bool is_integer = false;  // written without '.', 'e' or 'E'
};

// A cursor over a Python dict literal that knows its line and column, so that
// every syntax error points at the character that broke it.
class DictScanner {
 public:
  explicit DictScanner(std::string_view text) : text_(text) {}

  absl::Status Error(std::string_view message) const {
    int line = 1;
    int column = 1;
    for (size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      column = text_[i] == '\n' ? 1 : column + 1;
      line += text_[i] == '\n' ? 1 : 0;
    }
    return absl::DataLossError("parse " + std::string(kTool) + ": line " + std::to_string(line) + ", column " +
                               std::to_string(column) + ": " + std::string(message));
  }

  bool AtEnd() {
    SkipSpace();
    return pos_ >= text_.size();
  }

  bool Consume(char c) {
    SkipSpace();
    if (pos_ >= text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  absl::Status Expect(char c, std::string_view what) {
    if (Consume(c)) return absl::OkStatus();
    if (pos_ >= text_.size()) return Error("truncated: expected " + std::string(what));
    return Error("expected " + std::string(what) + ", found '" + std::string(1, text_[pos_]) + "'");
  }

  absl::StatusOr<std::string> Key() {
    SkipSpace();
    if (pos_ >= text_.size()) return Error("truncated: expected a quoted key");
    const char quote = text_[pos_];
    if (quote != '\'' && quote != '"') return Error("expected a quoted key");
    std::string value;
    for (++pos_; pos_ < text_.size() && text_[pos_] != '\n'; ++pos_) {
      if (text_[pos_] == quote) {
        ++pos_;
        return value;
      }
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      value += text_[pos_];
    }
    return Error("unterminated key");
  }

  // An int, a float, or a NumPy >= 2 scalar repr such as np.float64(1.5).
  absl::StatusOr<PyNumber> Number() {
    SkipSpace();
    if (text_.substr(pos_).starts_with("np.")) {
      pos_ += 3;
      while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
        ++pos_;
      }
      BENCHD_RETURN_IF_ERROR(Expect('(', "'(' after the NumPy type"));
      BENCHD_ASSIGN_OR_RETURN(PyNumber inner, Number());
      BENCHD_RETURN_IF_ERROR(Expect(')', "')' closing the NumPy scalar"));
      return inner;
    }
    const size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                   text_[pos_] == '.' || text_[pos_] == '-' || text_[pos_] == '+')) {
      ++pos_;
    }
    std::string_view token = text_.substr(start, pos_ - start);
    if (token.empty()) return pos_ >= text_.size() ? Error("truncated: expected a value") : Error("expected a number");
    std::string_view unsigned_token = token;
    ConsumePrefix(&unsigned_token, "-");
    absl::StatusOr<double> value = ParseDouble(token);
    if (!value.ok()) {
      pos_ = start;
      return Error("expected a finite number, found '" + std::string(token.substr(0, 40)) + "'");
    }
    return PyNumber{*value, unsigned_token.find_first_of(".eE") == std::string_view::npos};
  }

 private:
  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

absl::Status Invalid(std::string_view message) {
  return absl::DataLossError("parse " + std::string(kTool) + ": " + std::string(message));
}

// Reads `{'key': number, ...}` into (key, number) pairs in order.
absl::StatusOr<std::vector<std::pair<std::string, PyNumber>>> ReadDict(std::string_view text) {
  DictScanner scanner(text);
  if (scanner.AtEnd()) return Invalid("empty file");
  BENCHD_RETURN_IF_ERROR(scanner.Expect('{', "'{' starting the metrics dict"));
  std::vector<std::pair<std::string, PyNumber>> items;
  if (!scanner.Consume('}')) {
    while (true) {
      BENCHD_ASSIGN_OR_RETURN(std::string key, scanner.Key());
      BENCHD_RETURN_IF_ERROR(scanner.Expect(':', "':' after the key"));
      absl::StatusOr<PyNumber> number = scanner.Number();
      if (!number.ok()) {
        return absl::DataLossError(std::string(number.status().message()) + " (value of '" + key + "')");
      }
      for (const auto& [seen, unused] : items) {
        if (seen == key) return Invalid("key '" + key + "' given twice");
      }
      items.emplace_back(std::move(key), *number);
      if (scanner.Consume('}')) break;
      BENCHD_RETURN_IF_ERROR(scanner.Expect(',', "',' or '}' after the value"));
    }
  }
  if (!scanner.AtEnd()) return scanner.Error("unexpected text after the metrics dict");
  return items;
}

// "fold_input[ms]" -> "fold_input"; empty when `key` does not end in `unit`.
std::string StripUnit(const std::string& key, std::string_view unit) {
  if (key.size() <= unit.size() || !std::string_view(key).ends_with(unit)) return "";
  return key.substr(0, key.size() - unit.size());
}

}  // namespace

absl::StatusOr<FinnMetrics> ParseFinnMetrics(std::string_view text) {
  // Quoting a corrupted byte in an error would put invalid UTF-8 into the
  // stored error text.
  const std::vector<TextLine> lines = SplitLines(text);
  if (const TextLine* binary = FindBinaryLine(lines)) {
    return Invalid("line " + std::to_string(binary->number) + ": binary garbage, not a metrics dict");
  }
  BENCHD_ASSIGN_OR_RETURN(auto items, ReadDict(text));
  FinnMetrics metrics;
  std::optional<double> runtime_ms;
  std::optional<double> throughput;
  std::optional<PyNumber> batch;
  bool legacy_keys = false;
  for (const auto& [key, number] : items) {
    const double value = number.value;
    if (key == "runtime[ms]") {
      runtime_ms = value;
    } else if (key == "throughput[images/s]") {
      throughput = value;
    } else if (key == "batch_size" || key == "N") {
      if (batch.has_value()) return Invalid("both batch_size and N given");
      batch = number;
      legacy_keys = legacy_keys || key == "N";
    } else if (key == "fclk[mhz]") {
      metrics.fclk_mhz = value;
    } else if (key == "DRAM_in_bandwidth[MB/s]" || key == "DRAM_in_bandwidth[Mb/s]") {
      metrics.dram_in_mb_s = value;
      legacy_keys = legacy_keys || key.ends_with("[Mb/s]");
    } else if (key == "DRAM_out_bandwidth[MB/s]" || key == "DRAM_out_bandwidth[Mb/s]") {
      metrics.dram_out_mb_s = value;
      legacy_keys = legacy_keys || key.ends_with("[Mb/s]");
    } else if (key.starts_with("DRAM_extw_") && key.ends_with("_bandwidth[MB/s]")) {
      constexpr size_t kPrefix = std::string_view("DRAM_extw_").size();
      constexpr size_t kSuffix = std::string_view("_bandwidth[MB/s]").size();
      metrics.dram_extw_mb_s[key.substr(kPrefix, key.size() - kPrefix - kSuffix)] = value;
    } else if (std::string host = StripUnit(key, "[ms]"); !host.empty()) {
      metrics.host_us[host] = value * 1000;
    } else {
      metrics.other[key] = value;
    }
  }
  if (!runtime_ms) return Invalid("no 'runtime[ms]' (truncated or not a throughput_test result)");
  if (!throughput) return Invalid("no 'throughput[images/s]'");
  if (!batch) return Invalid("no 'batch_size' (or legacy 'N')");
  if (!batch->is_integer || batch->value < 1 || batch->value > 1e12) {
    return Invalid("batch size must be a positive integer");
  }
  if (*runtime_ms <= 0) return Invalid("'runtime[ms]' must be positive");
  metrics.batch_size = static_cast<int64_t>(batch->value);
  const double expected = static_cast<double>(metrics.batch_size) / (*runtime_ms / 1000);
  if (std::abs(*throughput - expected) > kConsistencyTolerance * expected) {
    return Invalid("'throughput[images/s]' " + std::to_string(*throughput) + " disagrees with batch " +
                   std::to_string(metrics.batch_size) + " / runtime " + std::to_string(*runtime_ms) + " ms");
  }
  metrics.key_style = legacy_keys ? FinnMetrics::KeyStyle::kLegacy : FinnMetrics::KeyStyle::kCurrent;
  metrics.runtime = MakeFigures("runtime[ms]", LatencyScope::kCompute);
  metrics.runtime.count = 1;
  metrics.runtime.mean_us = *runtime_ms * 1000;
  metrics.throughput_items_per_s = *throughput;
  return metrics;
}

absl::StatusOr<FinnRuntimeInfo> ParseFinnProbe(std::string_view text) {
  FinnRuntimeInfo info;
  for (const TextLine& line : SplitLines(text)) {
    const std::vector<std::string_view> tokens = SplitWhitespace(line.text);
    if (tokens.size() != 2) continue;
    if (tokens[0] == "python") info.python_version = tokens[1];
    if (tokens[0] == "pynq") info.pynq_version = tokens[1];
  }
  if (info.pynq_version.empty()) {
    return absl::DataLossError("parse FINN probe output: no 'pynq <version>' line (is PYNQ installed?)");
  }
  return info;
}

}  // namespace benchd::agent
