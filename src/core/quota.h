// Per-user quotas: how much one user may have queued and submit per UTC day. The deployment's
// defaults come from the environment (unset = unlimited); a user may have overrides (polyvox
// users set); admins have none. The JobStore enforces them in the step that stores a job, so
// that they hold across API nodes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/job.h"

namespace polyvox {

// Each limit: nullopt = unlimited.
struct QuotaLimits {
  std::optional<int64_t> max_queued_jobs;    // jobs not finished yet (queued or processing)
  std::optional<int64_t> max_queued_blocks;  // blocks of those jobs not done yet
  std::optional<int64_t> max_chars_per_day;  // characters submitted per UTC day (code points);
                                             // counted when a job is accepted, so cache hits
                                             // count and retries do not
  bool operator==(const QuotaLimits&) const = default;
};

// One user's override of one limit.
struct QuotaOverride {
  enum class Kind { kDefault, kUnlimited, kLimit };
  Kind kind = Kind::kDefault;  // kDefault: the deployment's limit applies
  int64_t limit = 0;           // for kLimit, >= 0
  bool operator==(const QuotaOverride&) const = default;
};

// A user's overrides, stored with the user (UserStore::set_quotas).
struct QuotaOverrides {
  QuotaOverride max_queued_jobs;
  QuotaOverride max_queued_blocks;
  QuotaOverride max_chars_per_day;
  bool operator==(const QuotaOverrides&) const = default;
};

// As stored by every UserStore: NULL/absent = kDefault, -1 = kUnlimited, n >= 0 = kLimit n.
std::optional<int64_t> stored_override(const QuotaOverride& o);
QuotaOverride override_from_stored(std::optional<int64_t> stored);

// "N" (a limit), "unlimited" or "default"; nullopt for anything else.
std::optional<QuotaOverride> parse_quota_override(const std::string& text);

// The limits that apply to a user: none for an admin, else each override over `defaults`.
QuotaLimits effective_quotas(bool admin, const QuotaOverrides& overrides,
                             const QuotaLimits& defaults);

// Characters a job submits: the code points of its blocks' texts.
int64_t job_characters(const JobSpec& spec);

// The UTC day of `now_ms` (days since the epoch), and the seconds until the next one begins.
int64_t utc_day(int64_t now_ms);
int seconds_to_next_utc_day(int64_t now_ms);

// The refusal of a job that would take its owner past `quota` ("max_queued_jobs", ...):
// kQuotaExceeded with field `quota`, a message naming the quota, its limit and what the job
// would make it, and when to try again.
Error quota_exceeded(const std::string& quota, int64_t limit, int64_t would_be, int retry_after_s);

// Retry-After of a queued-work quota: work finishes at its own pace; look again in a while.
inline constexpr int kQueuedQuotaRetryAfterS = 30;

}  // namespace polyvox
