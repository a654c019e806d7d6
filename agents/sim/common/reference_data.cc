#include "agents/sim/common/reference_data.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string_view>

#include "agents/sim/common/csv.h"
#include "agents/sim/common/embedded_data.h"

namespace benchd::sim {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string Trimmed(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

// The compiled-in data is part of the program: a file that does not parse is a
// build defect, so it stops the simulator at once with the reason.
std::vector<CsvRecord> ParseEmbedded(std::string_view text, const char* name) {
  std::string error;
  std::optional<std::vector<CsvRecord>> records = ParseCsv(text, &error);
  if (!records || records->empty()) {
    std::fprintf(stderr, "benchd sim: compiled-in %s is unreadable: %s\n", name, error.c_str());
    std::abort();
  }
  return *std::move(records);
}

// Column index by trimmed header name; the headers are fixed by the data set.
class Columns {
 public:
  Columns(const CsvRecord& header, const char* file) : file_(file) {
    for (size_t i = 0; i < header.size(); ++i) index_[Trimmed(header[i])] = i;
  }
  size_t operator()(const std::string& name) const {
    auto it = index_.find(name);
    if (it == index_.end()) {
      std::fprintf(stderr, "benchd sim: %s has no column '%s'\n", file_, name.c_str());
      std::abort();
    }
    return it->second;
  }
  std::optional<size_t> Find(const std::string& name) const {
    auto it = index_.find(name);
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }

 private:
  const char* file_;
  std::map<std::string, size_t> index_;
};

std::string_view Field(const CsvRecord& record, size_t index) {
  return index < record.size() ? std::string_view(record[index]) : std::string_view();
}

std::vector<QutibenchRow> LoadQutibench() {
  const std::vector<CsvRecord> records = ParseEmbedded(ExperimentalDataCsv(), "experimental_data.csv");
  const Columns col(records.front(), "experimental_data.csv");
  const size_t topology = col("NN_Topology"), hardware = col("HWType"), datatype = col("Datatype"),
               op_mode = col("Op mode"), batch = col("batch/thread/stream"), lat_sys = col("lat-sys"),
               lat_comp = col("lat-comp"), fps_system = col("fps-system"), fps_comp = col("fps-comp"),
               top1 = col("top1"), top5 = col("top5 [%]"), base = col("Base_Pwr_W"),
               idle = col("Idle_Pwr_W"), full = col("Full_Pwr_W"), pruning = col("PruningFactor");
  std::vector<QutibenchRow> rows;
  rows.reserve(records.size() - 1);
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& record = records[r];
    QutibenchRow row;
    row.topology = Trimmed(Field(record, topology));
    row.hardware = Trimmed(Field(record, hardware));
    row.datatype = Trimmed(Field(record, datatype));
    row.op_mode = Trimmed(Field(record, op_mode));
    if (row.topology.empty() || row.hardware.empty()) continue;
    row.batch = static_cast<int>(ParseCsvNumber(Field(record, batch)).value_or(1));
    row.lat_sys_ms = ParseCsvNumber(Field(record, lat_sys));
    row.lat_comp_ms = ParseCsvNumber(Field(record, lat_comp));
    row.fps_system = ParseCsvNumber(Field(record, fps_system));
    row.fps_comp = ParseCsvNumber(Field(record, fps_comp));
    row.top1 = ParseCsvNumber(Field(record, top1));
    row.top5 = ParseCsvNumber(Field(record, top5));
    row.base_power_w = ParseCsvNumber(Field(record, base));
    row.idle_power_w = ParseCsvNumber(Field(record, idle));
    row.full_power_w = ParseCsvNumber(Field(record, full));
    row.pruning = ParseCsvNumber(Field(record, pruning)).value_or(100);
    rows.push_back(std::move(row));
  }
  return rows;
}

bool ParseBool(std::string_view text) {
  const std::string value = Trimmed(text);
  return EqualsIgnoreCase(value, "true") || value == "1";
}

std::vector<McuRow> LoadMcu() {
  const std::vector<CsvRecord> records = ParseEmbedded(McuLatencyCsv(), "mcu_tflm_latency_ms.csv");
  const Columns col(records.front(), "mcu_tflm_latency_ms.csv");
  const size_t model = col("model"), board = col("board"), weights = col("weights"),
               activations = col("activations"), cmsis_nn = col("cmsis_nn"),
               optimization = col("compiler_optimization"), fpu = col("fpu"),
               latency = col("latency_mean_ms");
  std::vector<McuRow> rows;
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& record = records[r];
    std::optional<double> latency_ms = ParseCsvNumber(Field(record, latency));
    if (!latency_ms) continue;
    McuRow row;
    row.model = Trimmed(Field(record, model));
    row.board = Trimmed(Field(record, board));
    row.weights = Trimmed(Field(record, weights));
    row.activations = Trimmed(Field(record, activations));
    row.cmsis_nn = ParseBool(Field(record, cmsis_nn));
    row.optimization = Trimmed(Field(record, optimization));
    row.fpu = ParseBool(Field(record, fpu));
    row.latency_mean_ms = *latency_ms;
    rows.push_back(std::move(row));
  }
  return rows;
}

// Distance between batch sizes on a log scale: the published batches are
// powers of two, so 3 is nearer to 4 than to 2, and 100 nearer to 128 than to 64.
double BatchDistance(int a, int b) {
  return std::abs(std::log(static_cast<double>(std::max(a, 1))) -
                  std::log(static_cast<double>(std::max(b, 1))));
}

}  // namespace

const std::vector<QutibenchRow>& QutibenchRows() {
  static const std::vector<QutibenchRow> rows = LoadQutibench();
  return rows;
}

std::optional<QutibenchRow> FindQutibench(const std::string& hardware, const std::string& topology,
                                          const std::string& datatype, const std::string& op_mode, int batch,
                                          double pruning) {
  const QutibenchRow* best = nullptr;
  for (const QutibenchRow& row : QutibenchRows()) {
    if (!EqualsIgnoreCase(row.hardware, hardware) || !EqualsIgnoreCase(row.topology, topology) ||
        !EqualsIgnoreCase(row.datatype, datatype)) {
      continue;
    }
    if (!op_mode.empty() && !EqualsIgnoreCase(row.op_mode, op_mode)) continue;
    if (best == nullptr) {
      best = &row;
      continue;
    }
    // Pruning first, then batch; on a tie the earlier row (file order) stays,
    // so repeated measurements resolve to the first one published.
    const double pruning_now = std::abs(row.pruning - pruning);
    const double pruning_best = std::abs(best->pruning - pruning);
    if (pruning_now < pruning_best ||
        (pruning_now == pruning_best && BatchDistance(row.batch, batch) < BatchDistance(best->batch, batch))) {
      best = &row;
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

const std::vector<McuRow>& McuRows() {
  static const std::vector<McuRow> rows = LoadMcu();
  return rows;
}

std::optional<McuRow> FindMcu(const std::string& model, const std::string& board, const std::string& dtype,
                              bool cmsis_nn) {
  for (const McuRow& row : McuRows()) {
    if (EqualsIgnoreCase(row.model, model) && EqualsIgnoreCase(row.board, board) &&
        EqualsIgnoreCase(row.weights, dtype) && row.cmsis_nn == cmsis_nn) {
      return row;
    }
  }
  return std::nullopt;
}

std::optional<EdgeTpuTrace> EdgeTpuPower(const std::string& clock, const std::string& model) {
  std::string_view text;
  if (EqualsIgnoreCase(clock, "fast")) {
    text = EdgeTpuPowerFastCsv();
  } else if (EqualsIgnoreCase(clock, "slow")) {
    text = EdgeTpuPowerSlowCsv();
  } else {
    return std::nullopt;
  }
  const std::string lower_clock = EqualsIgnoreCase(clock, "fast") ? "fast" : "slow";
  const std::vector<CsvRecord> records = ParseEmbedded(text, "power_measur_*.csv");
  const Columns col(records.front(), "power_measur_*.csv");
  // The first volt column of each file lacks the clock prefix ("goo_volt"),
  // the others have it ("fast_mob_volt"): accept both spellings.
  std::optional<size_t> volt = col.Find(lower_clock + "_" + model + "_volt");
  if (!volt) volt = col.Find(model + "_volt");
  std::optional<size_t> amp = col.Find(lower_clock + "_" + model + "_amp");
  if (!amp) amp = col.Find(model + "_amp");
  if (!volt || !amp) return std::nullopt;
  const size_t idle = col("Idle");

  EdgeTpuTrace trace;
  std::vector<double> idle_samples;
  for (size_t r = 1; r < records.size(); ++r) {
    const std::optional<double> v = ParseCsvNumber(Field(records[r], *volt));
    const std::optional<double> a = ParseCsvNumber(Field(records[r], *amp));
    if (v && a) trace.watts.push_back(*v * *a);
    if (std::optional<double> w = ParseCsvNumber(Field(records[r], idle))) idle_samples.push_back(*w);
  }
  if (trace.watts.empty()) return std::nullopt;
  // The idle column is sparse and holds a few outliers (0.0471 W in the fast
  // file); its median is the robust idle figure.
  if (!idle_samples.empty()) {
    std::sort(idle_samples.begin(), idle_samples.end());
    const size_t n = idle_samples.size();
    trace.idle_w = n % 2 == 1 ? idle_samples[n / 2] : (idle_samples[n / 2 - 1] + idle_samples[n / 2]) / 2;
  }
  return trace;
}

}  // namespace benchd::sim
