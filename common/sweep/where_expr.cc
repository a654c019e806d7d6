#include "common/sweep/where_expr.h"

#include <cctype>
#include <charconv>
#include <optional>
#include <variant>
#include <vector>

#include "common/proto_json.h"
#include "spdlog/fmt/fmt.h"

namespace benchd::common {
namespace {

// A value during evaluation. Integers and numbers share `double`: sweep
// values are small enough that the conversion is exact.
struct Value {
  enum class Kind { kNull, kBool, kNumber, kString } kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string text;

  std::string Describe() const {
    switch (kind) {
      case Kind::kNull:
        return "null";
      case Kind::kBool:
        return boolean ? "true" : "false";
      case Kind::kNumber:
        return fmt::format("{}", number);
      case Kind::kString:
        return "'" + text + "'";
    }
    return "";
  }
};

Value FromParam(const benchd::v1::ParamValue* param) {
  Value value;
  if (param == nullptr) return value;
  switch (param->kind_case()) {
    case benchd::v1::ParamValue::kStringValue:
      value.kind = Value::Kind::kString;
      value.text = param->string_value();
      break;
    case benchd::v1::ParamValue::kIntValue:
      value.kind = Value::Kind::kNumber;
      value.number = static_cast<double>(param->int_value());
      break;
    case benchd::v1::ParamValue::kDoubleValue:
      value.kind = Value::Kind::kNumber;
      value.number = param->double_value();
      break;
    case benchd::v1::ParamValue::kBoolValue:
      value.kind = Value::Kind::kBool;
      value.boolean = param->bool_value();
      break;
    case benchd::v1::ParamValue::KIND_NOT_SET:
      break;
  }
  return value;
}

bool Equal(const Value& a, const Value& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Value::Kind::kNull:
      return true;
    case Value::Kind::kBool:
      return a.boolean == b.boolean;
    case Value::Kind::kNumber:
      return a.number == b.number;
    case Value::Kind::kString:
      return a.text == b.text;
  }
  return false;
}

// An operand: a parameter, a literal, or a list of literals.
struct Operand {
  std::optional<std::string> parameter;
  Value literal;
  std::optional<std::vector<Value>> list;

  Value Resolve(const benchd::v1::Parameters& parameters) const {
    return parameter ? FromParam(FindParam(parameters, *parameter)) : literal;
  }
  std::string Describe() const { return parameter ? *parameter : literal.Describe(); }
};

class Comparison final : public WhereExpr {
 public:
  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn, kTruthy };
  Comparison(Operand left, Op op, Operand right) : left_(std::move(left)), op_(op), right_(std::move(right)) {}

  absl::StatusOr<bool> Holds(const benchd::v1::Parameters& parameters) const override {
    const Value left = left_.Resolve(parameters);
    if (op_ == Op::kTruthy) {
      if (left.kind == Value::Kind::kBool) return left.boolean;
      return absl::InvalidArgumentError(
          fmt::format("'{}' is {}, not true or false; compare it (e.g. {} == ...)", left_.Describe(),
                      left.Describe(), left_.Describe()));
    }
    if (op_ == Op::kIn || op_ == Op::kNotIn) {
      bool found = false;
      for (const Value& item : *right_.list) found = found || Equal(left, item);
      return op_ == Op::kIn ? found : !found;
    }
    const Value right = right_.Resolve(parameters);
    if (op_ == Op::kEq) return Equal(left, right);
    if (op_ == Op::kNe) return !Equal(left, right);
    if (left.kind == Value::Kind::kNull || right.kind == Value::Kind::kNull) return false;
    int order = 0;
    if (left.kind == Value::Kind::kNumber && right.kind == Value::Kind::kNumber) {
      order = left.number < right.number ? -1 : (left.number > right.number ? 1 : 0);
    } else if (left.kind == Value::Kind::kString && right.kind == Value::Kind::kString) {
      order = left.text.compare(right.text);
    } else {
      return absl::InvalidArgumentError(fmt::format("cannot order {} ({}) against {} ({})", left_.Describe(),
                                                    left.Describe(), right_.Describe(), right.Describe()));
    }
    switch (op_) {
      case Op::kLt:
        return order < 0;
      case Op::kLe:
        return order <= 0;
      case Op::kGt:
        return order > 0;
      default:
        return order >= 0;
    }
  }

 private:
  Operand left_;
  Op op_;
  Operand right_;
};

class Logical final : public WhereExpr {
 public:
  enum class Op { kAnd, kOr, kNot };
  Logical(Op op, std::shared_ptr<const WhereExpr> left, std::shared_ptr<const WhereExpr> right = nullptr)
      : op_(op), left_(std::move(left)), right_(std::move(right)) {}

  absl::StatusOr<bool> Holds(const benchd::v1::Parameters& parameters) const override {
    absl::StatusOr<bool> left = left_->Holds(parameters);
    if (!left.ok()) return left;
    if (op_ == Op::kNot) return !*left;
    // Short-circuit, so `x == null or x > 3` never orders a null.
    if (op_ == Op::kAnd && !*left) return false;
    if (op_ == Op::kOr && *left) return true;
    return right_->Holds(parameters);
  }

 private:
  Op op_;
  std::shared_ptr<const WhereExpr> left_;
  std::shared_ptr<const WhereExpr> right_;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  absl::StatusOr<std::shared_ptr<const WhereExpr>> ParseAll() {
    auto expr = ParseOr();
    if (!expr.ok()) return expr;
    SkipSpace();
    if (pos_ < text_.size()) return Error("unexpected '" + std::string(text_.substr(pos_, 1)) + "'");
    return expr;
  }

 private:
  absl::Status Error(const std::string& message) const {
    return absl::InvalidArgumentError(fmt::format("column {}: {}", pos_ + 1, message));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  // Consumes `word` if it is next as a whole word (keywords) or symbol.
  bool Accept(std::string_view word) {
    SkipSpace();
    if (text_.substr(pos_, word.size()) != word) return false;
    const size_t end = pos_ + word.size();
    if (std::isalpha(static_cast<unsigned char>(word[0])) && end < text_.size() &&
        (std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_')) {
      return false;
    }
    pos_ = end;
    return true;
  }

  absl::StatusOr<std::shared_ptr<const WhereExpr>> ParseOr() {
    auto left = ParseAnd();
    while (left.ok() && Accept("or")) {
      auto right = ParseAnd();
      if (!right.ok()) return right;
      left = std::make_shared<Logical>(Logical::Op::kOr, *left, *right);
    }
    return left;
  }

  absl::StatusOr<std::shared_ptr<const WhereExpr>> ParseAnd() {
    auto left = ParseNot();
    while (left.ok() && Accept("and")) {
      auto right = ParseNot();
      if (!right.ok()) return right;
      left = std::make_shared<Logical>(Logical::Op::kAnd, *left, *right);
    }
    return left;
  }

  absl::StatusOr<std::shared_ptr<const WhereExpr>> ParseNot() {
    if (++depth_ > 64) return Error("expression nested too deeply");
    absl::StatusOr<std::shared_ptr<const WhereExpr>> result;
    if (Accept("not")) {
      auto inner = ParseNot();
      result = inner.ok() ? absl::StatusOr<std::shared_ptr<const WhereExpr>>(
                                std::make_shared<Logical>(Logical::Op::kNot, *inner))
                          : inner;
    } else if (Accept("(")) {
      result = ParseOr();
      if (result.ok() && !Accept(")")) result = Error("expected ')'");
    } else {
      result = ParseComparison();
    }
    --depth_;
    return result;
  }

  absl::StatusOr<std::shared_ptr<const WhereExpr>> ParseComparison() {
    auto left = ParseOperand();
    if (!left.ok()) return left.status();
    static const std::pair<std::string_view, Comparison::Op> kOps[] = {
        {"==", Comparison::Op::kEq}, {"!=", Comparison::Op::kNe}, {"<=", Comparison::Op::kLe},
        {">=", Comparison::Op::kGe}, {"<", Comparison::Op::kLt},  {">", Comparison::Op::kGt}};
    for (const auto& [symbol, op] : kOps) {
      if (Accept(symbol)) {
        auto right = ParseOperand();
        if (!right.ok()) return right.status();
        return std::make_shared<Comparison>(std::move(*left), op, std::move(*right));
      }
    }
    const size_t before_not = pos_;
    const bool negated = Accept("not");
    if (Accept("in")) {
      SkipSpace();
      auto list = ParseList();
      if (!list.ok()) return list.status();
      return std::make_shared<Comparison>(std::move(*left), negated ? Comparison::Op::kNotIn : Comparison::Op::kIn,
                                          std::move(*list));
    }
    if (negated) {
      pos_ = before_not;
      return Error("expected 'in' after 'not'");
    }
    // A bare operand: a boolean parameter, like `cmsis_nn`.
    if (left->parameter || left->literal.kind == Value::Kind::kBool) {
      return std::make_shared<Comparison>(std::move(*left), Comparison::Op::kTruthy, Operand{});
    }
    return Error("expected a comparison (==, !=, <, <=, >, >=, in)");
  }

  absl::StatusOr<Operand> ParseList() {
    if (!Accept("[")) return Error("expected a list, e.g. ['FP16', 'FP32']");
    Operand operand;
    operand.list.emplace();
    if (Accept("]")) return operand;
    do {
      auto item = ParseOperand();
      if (!item.ok()) return item.status();
      if (item->parameter) return Error("lists hold values, not parameter names");
      operand.list->push_back(item->literal);
    } while (Accept(","));
    if (!Accept("]")) return Error("expected ',' or ']'");
    return operand;
  }

  absl::StatusOr<Operand> ParseOperand() {
    SkipSpace();
    if (pos_ >= text_.size()) return Error("unexpected end of expression");
    Operand operand;
    const char c = text_[pos_];
    if (c == '\'' || c == '"') {
      const size_t close = text_.find(c, pos_ + 1);
      if (close == std::string_view::npos) return Error("unterminated string");
      operand.literal.kind = Value::Kind::kString;
      operand.literal.text = std::string(text_.substr(pos_ + 1, close - pos_ - 1));
      pos_ = close + 1;
      return operand;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.') {
      size_t end = pos_ + 1;
      while (end < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '.' ||
                                    ((text_[end] == '-' || text_[end] == '+') &&
                                     (text_[end - 1] == 'e' || text_[end - 1] == 'E')))) {
        ++end;
      }
      const char* begin = text_.data() + pos_ + (c == '+' ? 1 : 0);
      auto [ptr, ec] = std::from_chars(begin, text_.data() + end, operand.literal.number);
      if (ec != std::errc() || ptr != text_.data() + end) return Error("invalid number");
      operand.literal.kind = Value::Kind::kNumber;
      pos_ = end;
      return operand;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t end = pos_;
      while (end < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_')) ++end;
      const std::string word(text_.substr(pos_, end - pos_));
      if (word == "and" || word == "or" || word == "not" || word == "in") {
        return Error("expected a value or parameter name, got '" + word + "'");
      }
      pos_ = end;
      if (word == "true" || word == "false") {
        operand.literal.kind = Value::Kind::kBool;
        operand.literal.boolean = word == "true";
      } else if (word != "null") {
        operand.parameter = word;
      }
      return operand;
    }
    return Error("unexpected '" + std::string(1, c) + "'");
  }

  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const WhereExpr>> WhereExpr::Parse(std::string_view text) {
  if (text.size() > 4096) return absl::InvalidArgumentError("column 1: expression longer than 4096 characters");
  Parser parser(text);
  return parser.ParseAll();
}

}  // namespace benchd::common
