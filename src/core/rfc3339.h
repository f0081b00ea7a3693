// Timestamps in RFC 3339 form: written as the API and the CLI show them, read as clients write
// them ("2027-01-31T12:00:00Z", "2027-01-31T14:00:00.5+02:00"), without the C library's time
// zone state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace polyvox {

// "2026-11-25T15:04:05.123Z" (UTC, milliseconds) for Unix epoch milliseconds. Thread-safe.
std::string iso8601(int64_t epoch_ms);

// Unix epoch milliseconds of an RFC 3339 date-time: YYYY-MM-DD, 'T' (or 't' or one space),
// hh:mm:ss, optional fraction (1 to 9 digits, cut to milliseconds), then 'Z' (or 'z') or
// +hh:mm / -hh:mm. nullopt for anything else, a day the month does not have included (a
// second of 60, a leap second, counts as the next minute's 0). Thread-safe.
std::optional<int64_t> parse_rfc3339_ms(std::string_view text);

}  // namespace polyvox
