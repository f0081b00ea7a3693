#include "api/range.h"

#include <charconv>

namespace polyvox {
namespace {

std::optional<uint64_t> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

RangeDecision decide_range(std::string_view header, uint64_t size) {
  RangeDecision whole;
  header = trim(header);
  if (header.substr(0, 6) != "bytes=") return whole;
  std::string_view spec = trim(header.substr(6));
  if (spec.find(',') != std::string_view::npos) return whole;  // multiple ranges: ignored
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  const std::string_view first = trim(spec.substr(0, dash));
  const std::string_view last = trim(spec.substr(dash + 1));
  RangeDecision d;
  d.kind = RangeKind::kPartial;
  if (first.empty()) {  // suffix: the last N bytes
    auto n = parse_number(last);
    if (!n) return whole;
    if (*n == 0 || size == 0) return {RangeKind::kUnsatisfiable, {}};
    const uint64_t length = std::min(*n, size);
    d.range = {size - length, length};
    return d;
  }
  auto start = parse_number(first);
  if (!start) return whole;
  std::optional<uint64_t> end;
  if (!last.empty()) {
    end = parse_number(last);
    if (!end || *end < *start) return whole;
  }
  if (*start >= size) return {RangeKind::kUnsatisfiable, {}};
  const uint64_t stop = end ? std::min(*end, size - 1) : size - 1;
  d.range = {*start, stop - *start + 1};
  return d;
}

}  // namespace polyvox
