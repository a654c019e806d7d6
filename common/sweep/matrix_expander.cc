#include "common/sweep/matrix_expander.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "common/proto_json.h"
#include "common/sweep/sweep_expander.h"

namespace benchd::common {
namespace {

// A parameter of every point: a fixed value, or an axis whose value the
// point's index in `dimension` picks. Rendered once per value.
struct Slot {
  std::string name;
  std::vector<const benchd::v1::ParamValue*> values;  // one for a fixed parameter
  int dimension = -1;                                 // -1: fixed
  std::vector<std::string> canonical;                 // AppendCanonicalText of each value
  std::vector<std::string> json;                      // "\"name\":value", or "" for a null value
  // Per platform candidate: whether the platform accepts each value, and the
  // value's "name=value" for the config key ("" when not a reconfigure key).
  std::vector<std::vector<bool>> accepted;
  std::vector<std::vector<std::string>> config;

  size_t Pick(const std::vector<uint32_t>& index) const { return dimension < 0 ? 0 : index[dimension]; }
};

// Values the reference path would render differently: JSON sanitising
// (non-ASCII, control characters) and non-finite numbers.
bool Plain(const benchd::v1::ParamValue& value) {
  if (value.has_double_value()) return std::isfinite(value.double_value());
  if (!value.has_string_value()) return true;
  for (unsigned char c : value.string_value()) {
    if (c < 0x20 || c >= 0x7f) return false;
  }
  return true;
}

bool PlainName(const std::string& name) {
  benchd::v1::ParamValue value;
  value.set_string_value(name);
  return Plain(value);
}

std::string JsonMember(const std::string& name, const benchd::v1::ParamValue& value) {
  nlohmann::json object = nlohmann::json::object();
  object[name] = ParamValueToJson(value);
  const std::string text = object.dump();
  return text.substr(1, text.size() - 2);  // without the braces
}

// An exclude rule as per-slot tests: it matches a point when every listed
// slot holds a matching value.
struct CompiledRule {
  bool never = false;  // names a parameter no point has
  std::vector<std::pair<const Slot*, std::vector<bool>>> tests;
};

void AppendHex64(std::string& out, uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  char text[16];
  for (int i = 15; i >= 0; --i, value >>= 4) text[i] = kDigits[value & 0xf];
  out.append(text, 16);
}

}  // namespace

std::optional<Expansion> TryExpandMatrix(const SweepSpec& spec, const PlatformCatalog& catalog,
                                         const ExpandOptions& options) {
  if (!options.json_parameters || !spec.include.empty() || !spec.where.empty() || spec.matrix.empty()) {
    return std::nullopt;
  }
  std::vector<Slot> slots;
  std::vector<size_t> dimension_sizes;
  std::set<std::string> names;
  auto add_slot = [&](const std::string& name, std::vector<const benchd::v1::ParamValue*> values,
                      int dimension) {
    if (!names.insert(name).second || !PlainName(name)) return false;
    for (const auto* value : values) {
      if (!Plain(*value)) return false;
    }
    slots.push_back(Slot{name, std::move(values), dimension, {}, {}, {}, {}});
    return true;
  };
  for (const FixedParam& fixed : spec.fixed) {
    if (!add_slot(fixed.name, {&fixed.value.value}, -1)) return std::nullopt;
  }
  auto add_axis = [&](const Axis& axis, int dimension) {
    std::vector<const benchd::v1::ParamValue*> values;
    for (const AxisValue& value : axis.values) values.push_back(&value.value);
    return add_slot(axis.name, std::move(values), dimension);
  };
  for (const Axis& axis : spec.matrix) {
    if (!add_axis(axis, static_cast<int>(dimension_sizes.size()))) return std::nullopt;
    dimension_sizes.push_back(axis.values.size());
  }
  for (const ZipGroup& group : spec.zip) {
    for (const Axis& axis : group.axes) {
      if (!add_axis(axis, static_cast<int>(dimension_sizes.size()))) return std::nullopt;
    }
    dimension_sizes.push_back(group.axes.front().values.size());
  }
  size_t product = 1;
  for (size_t size : dimension_sizes) {
    // Over the cap: the reference path reports it.
    if (size == 0 || product > options.max_points / size) return std::nullopt;
    product *= size;
  }
  std::sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) { return a.name < b.name; });

  // The platform of each point must be a known platform's name; then every
  // (platform, slot, value) is checked once instead of once per point.
  const Slot* platform_slot = nullptr;
  for (const Slot& slot : slots) {
    if (slot.name == "platform") platform_slot = &slot;
  }
  if (platform_slot == nullptr) return std::nullopt;
  std::vector<const PlatformSpec*> platforms;
  for (const auto* value : platform_slot->values) {
    if (!value->has_string_value()) return std::nullopt;
    const PlatformSpec* platform = catalog.Find(value->string_value());
    if (platform == nullptr) return std::nullopt;
    platforms.push_back(platform);
  }
  for (Slot& slot : slots) {
    for (const auto* value : slot.values) {
      slot.canonical.emplace_back();
      slot.json.emplace_back();
      if (value->kind_case() == benchd::v1::ParamValue::KIND_NOT_SET) continue;
      AppendCanonicalText(slot.canonical.back(), slot.name, *value);
      slot.json.back() = JsonMember(slot.name, *value);
    }
    for (const PlatformSpec* platform : platforms) {
      const auto domain = platform->params.find(slot.name);
      const bool reconfigures = std::find(platform->reconfigure.begin(), platform->reconfigure.end(),
                                          slot.name) != platform->reconfigure.end();
      std::vector<bool> accepted;
      std::vector<std::string> config;
      for (const auto* value : slot.values) {
        const bool absent = value->kind_case() == benchd::v1::ParamValue::KIND_NOT_SET;
        accepted.push_back(absent || domain == platform->params.end() || domain->second.Check(*value).empty());
        config.push_back(reconfigures && !absent ? slot.name + "=" + ParamValueToString(*value) : "");
      }
      slot.accepted.push_back(std::move(accepted));
      slot.config.push_back(std::move(config));
    }
  }

  std::vector<CompiledRule> rules;
  for (const ExcludeRule& rule : spec.exclude) {
    CompiledRule compiled;
    for (const auto& [name, value] : rule.match) {
      // clang 14 (the fuzzer build) cannot capture a structured binding.
      const std::string& wanted = name;
      auto slot = std::find_if(slots.begin(), slots.end(), [&](const Slot& s) { return s.name == wanted; });
      if (slot == slots.end()) {
        compiled.never = true;
        break;
      }
      std::vector<bool> matches;
      for (const auto* candidate : slot->values) {
        matches.push_back(candidate->kind_case() != benchd::v1::ParamValue::KIND_NOT_SET &&
                          ParamValuesEqual(*candidate, value));
      }
      compiled.tests.emplace_back(&*slot, std::move(matches));
    }
    if (!compiled.never) rules.push_back(std::move(compiled));
  }

  Expansion expansion;
  expansion.points.reserve(product);
  std::vector<uint64_t> hashes;
  hashes.reserve(product);
  std::vector<uint32_t> index(dimension_sizes.size(), 0);
  for (size_t n = 0; n < product; ++n) {
    bool excluded = false;
    for (const CompiledRule& rule : rules) {
      bool all = true;
      for (const auto& [slot, matches] : rule.tests) all = all && matches[slot->Pick(index)];
      excluded = excluded || all;
    }
    if (!excluded) {
      const size_t platform = platform_slot->Pick(index);
      SweepPoint point;
      point.platform = platforms[platform]->name;
      uint64_t hash = kFnv1aBasis;
      point.parameters_json += '{';
      for (const Slot& slot : slots) {
        const size_t value = slot.Pick(index);
        // A rejected value: the reference path reports or prunes it.
        if (!slot.accepted[platform][value]) return std::nullopt;
        if (slot.json[value].empty()) continue;
        hash = Fnv1a64(hash, slot.canonical[value]);
        if (point.parameters_json.size() > 1) point.parameters_json += ',';
        point.parameters_json += slot.json[value];
        const std::string& config = slot.config[platform][value];
        if (!config.empty()) {
          if (!point.config_key.empty()) point.config_key += ';';
          point.config_key += config;
        }
      }
      point.parameters_json += '}';
      AppendHex64(point.point_key, hash);
      hashes.push_back(hash);
      expansion.points.push_back(std::move(point));
    }
    // Odometer: the last dimension varies fastest.
    for (size_t d = index.size(); d-- > 0;) {
      if (++index[d] < dimension_sizes[d]) break;
      index[d] = 0;
    }
  }
  if (expansion.points.empty()) return std::nullopt;
  // Equal digests may be duplicate points: the reference path tells.
  std::sort(hashes.begin(), hashes.end());
  if (std::adjacent_find(hashes.begin(), hashes.end()) != hashes.end()) return std::nullopt;
  return expansion;
}

}  // namespace benchd::common
