// REDIS_URL: where the distributed mode's Redis is, as redis://[[user]:password@]host[:port][/db].
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace polyvox::redis {

struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;      // ACL user (Redis 6+); empty: AUTH with the password alone
  std::string password;  // empty: no AUTH
  int db = 0;            // SELECTed after connecting

  // "host:port/db" for messages: never the password.
  std::string display() const;
};

// Parses `url`: scheme redis:// (rediss:// is refused: this build has no TLS), user and password
// percent-decoded, host a name, an IPv4 address or a bracketed IPv6 address, port 1..65535
// (default 6379), db 0..(2^31-1) (default 0). kInvalidInput with field "REDIS_URL" otherwise;
// the message never repeats the password.
Result<Endpoint> parse_redis_url(std::string_view url);

}  // namespace polyvox::redis
