// TrustedProxies (api/client_address.h) on arbitrary bytes: as a TRUSTED_PROXIES list, and as an
// X-Forwarded-For value behind a trusted peer. Properties: a list either parses or is refused
// naming the variable; the client found is the peer or the canonical text of an address written
// in the header; behind an untrusted peer (or with no proxies) the header is never read.
#include <cstdint>
#include <string>
#include <string_view>

#include "api/client_address.h"
#include "fuzz_check.h"
#include "http/address_guard.h"

using polyvox::TrustedProxies;
using polyvox::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = TrustedProxies::parse(text, "TRUSTED_PROXIES");
  if (!parsed) check(parsed.error().field == "TRUSTED_PROXIES", "the error names the variable");

  static const TrustedProxies proxies =
      *TrustedProxies::parse("127.0.0.1, 10.0.0.0/8, fd00::/8", "TRUSTED_PROXIES");
  const std::string client = proxies.client_of("127.0.0.1", text);
  if (client != "127.0.0.1") {
    const auto address = polyvox::http::parse_ip_address(client);
    check(address.has_value() && polyvox::http::to_string(*address) == client,
          "the client is an address in canonical text");
  }
  check(proxies.client_of("198.51.100.2", text) == "198.51.100.2",
        "an untrusted peer's header is not read");
  check(TrustedProxies().client_of("127.0.0.1", text) == "127.0.0.1",
        "without trusted proxies the header is not read");
  if (parsed) (void)parsed->client_of("127.0.0.1", text);
  return 0;
}
