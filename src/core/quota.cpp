#include "core/quota.h"

#include "core/utf8.h"

namespace polyvox {
namespace {

constexpr int64_t kMsPerDay = int64_t{86400} * 1000;

std::optional<int64_t> apply(const QuotaOverride& o, std::optional<int64_t> fallback) {
  switch (o.kind) {
    case QuotaOverride::Kind::kUnlimited:
      return std::nullopt;
    case QuotaOverride::Kind::kLimit:
      return o.limit;
    case QuotaOverride::Kind::kDefault:
      break;
  }
  return fallback;
}

}  // namespace

std::optional<int64_t> stored_override(const QuotaOverride& o) {
  switch (o.kind) {
    case QuotaOverride::Kind::kUnlimited:
      return -1;
    case QuotaOverride::Kind::kLimit:
      return o.limit;
    case QuotaOverride::Kind::kDefault:
      break;
  }
  return std::nullopt;
}

QuotaOverride override_from_stored(std::optional<int64_t> stored) {
  if (!stored) return {};
  if (*stored < 0) return {QuotaOverride::Kind::kUnlimited, 0};
  return {QuotaOverride::Kind::kLimit, *stored};
}

std::optional<QuotaOverride> parse_quota_override(const std::string& text) {
  if (text == "default") return QuotaOverride{};
  if (text == "unlimited") return QuotaOverride{QuotaOverride::Kind::kUnlimited, 0};
  if (text.empty() || text.size() > 15 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return QuotaOverride{QuotaOverride::Kind::kLimit, std::stoll(text)};
}

QuotaLimits effective_quotas(bool admin, const QuotaOverrides& overrides,
                             const QuotaLimits& defaults) {
  if (admin) return {};
  return {apply(overrides.max_queued_jobs, defaults.max_queued_jobs),
          apply(overrides.max_queued_blocks, defaults.max_queued_blocks),
          apply(overrides.max_chars_per_day, defaults.max_chars_per_day)};
}

int64_t job_characters(const JobSpec& spec) {
  int64_t total = 0;
  for (const BlockSpec& b : spec.blocks) total += static_cast<int64_t>(utf8_length(b.text));
  return total;
}

int64_t utc_day(int64_t now_ms) { return now_ms / kMsPerDay; }

int seconds_to_next_utc_day(int64_t now_ms) {
  const int64_t left_ms = (utc_day(now_ms) + 1) * kMsPerDay - now_ms;
  return static_cast<int>((left_ms + 999) / 1000);
}

Error quota_exceeded(const std::string& quota, int64_t limit, int64_t would_be, int retry_after_s) {
  Error e{ErrorKind::kQuotaExceeded,
          "quota " + quota + " exceeded: the limit is " + std::to_string(limit) +
              " and this job would make it " + std::to_string(would_be),
          quota};
  e.retry_after_s = retry_after_s;
  return e;
}

}  // namespace polyvox
