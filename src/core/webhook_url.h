// What a webhook URL may be (a job's "webhook_url", WEBHOOK_URL): checked when it is given, so
// that a job never carries a URL its webhook could not be sent to. Pure: no I/O, no DNS (where
// the URL leads is checked when it is connected to: http/address_guard.h).
#pragma once

#include <cstddef>
#include <string_view>

#include "core/error.h"

namespace polyvox {

// Longest webhook URL accepted, in bytes.
inline constexpr std::size_t kMaxWebhookUrlBytes = 2048;

// OK when `url` is an absolute http:// or https:// URL (scheme in any case) of at most
// kMaxWebhookUrlBytes printable ASCII characters, with a host (a name, an IPv4 address or a
// bracketed IPv6 address), an optional port from 1 to 65535, and no user info ("user:pass@"):
// credentials in a URL end up in logs and proxies. Otherwise kInvalidInput naming `field`,
// saying what is wrong. Thread-safe.
Status check_webhook_url(std::string_view url, std::string_view field);

}  // namespace polyvox
