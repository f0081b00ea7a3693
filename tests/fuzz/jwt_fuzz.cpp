// The JWT verifier (auth/jwt.h) on arbitrary tokens, and issue/verify round trips on arbitrary
// subjects. The first byte chooses: even, the rest is a token to verify; odd, the rest is a
// subject to issue a token for, which must verify to the same subject and must stop verifying
// once one character of its signature changes.
#include <cstdint>
#include <string>

#include "auth/jwt.h"
#include "fuzz_check.h"

using polyvox::fuzz::check;

namespace {

constexpr int64_t kNow = 1'700'000'000;

void verify_arbitrary(const polyvox::JwtSigner& signer, const std::string& token) {
  const auto claims = signer.verify(token, kNow);
  if (!claims.ok()) {
    check(claims.error().kind == polyvox::ErrorKind::kInvalidInput, "a bad token is invalid input");
    return;
  }
  check(!claims->user_id.empty(), "a valid token has a subject");
  check(claims->expires_at > kNow, "a valid token has not expired");
}

void round_trip(const polyvox::JwtSigner& signer, const std::string& subject) {
  const auto token = signer.issue(subject, 7, kNow, 3600);
  if (!token.ok()) return;
  const auto claims = signer.verify(*token, kNow);
  if (subject.empty() || subject.find('\0') != std::string::npos) return;
  check(claims.ok(), "an issued token verifies");
  check(claims->user_id == subject, "an issued token carries its subject");
  check(claims->token_version == 7, "an issued token carries its version");
  check(claims->expires_at == kNow + 3600, "an issued token carries its expiry");
  check(!signer.verify(*token, kNow + 3600).ok(), "an issued token expires");
  const auto dot = token->rfind('.');
  check(dot != std::string::npos && dot + 1 < token->size(), "an issued token is signed");
  std::string tampered = *token;
  char& c = tampered[dot + 1];
  c = c == 'A' ? 'B' : 'A';
  check(!signer.verify(tampered, kNow).ok(), "a tampered signature does not verify");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static const polyvox::JwtSigner signer("fuzz-signing-key-0123456789abcdef0123456789");
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    verify_arbitrary(signer, rest);
  } else {
    round_trip(signer, rest);
  }
  return 0;
}
