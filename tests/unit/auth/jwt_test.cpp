// Access tokens: what JwtSigner issues verifies with its claims (user id, token version) until it
// expires; anything forged, tampered with, signed otherwise or malformed is refused with the
// reason, the signature checked by our own constant-time comparison.
#include "auth/jwt.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace polyvox {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1'700'000'000;
const std::string kKey(32, 'k');

std::string base64url(const std::string& bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::string hmac_sha256(const std::string& key, const std::string& message) {
  crypto_auth_hmacsha256_state state;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return std::string(reinterpret_cast<char*>(mac), sizeof mac);
}

// A compact JWS of `header` and `payload` signed with HMAC-SHA256 under `key`, whatever the
// header says: lets a test forge exactly the token it needs.
std::string forge(const json& header, const json& payload, const std::string& key = kKey) {
  const std::string signing_input = base64url(header.dump()) + "." + base64url(payload.dump());
  return signing_input + "." + base64url(hmac_sha256(key, signing_input));
}

json hs256() { return {{"alg", "HS256"}, {"typ", "JWT"}}; }
const std::string kAlice = "0b6c3f8e-6a5d-4c1e-9f1a-2d3e4f5a6b7c";

json claims(const std::string& sub = kAlice) {
  return {{"sub", sub}, {"ver", 3}, {"iat", kNow}, {"exp", kNow + 600}};
}

class JwtTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GE(sodium_init(), 0); }

  // The reason `token` is refused at kNow, which the test expects it to be.
  std::string refusal(const std::string& token) {
    auto verified = signer_.verify(token, kNow);
    EXPECT_FALSE(verified.ok()) << "accepted: " << token;
    if (verified.ok()) return "";
    EXPECT_EQ(verified.error().kind, ErrorKind::kInvalidInput);
    return verified.error().message;
  }

  JwtSigner signer_{kKey};
};

TEST_F(JwtTest, IssuedTokenVerifiesWithItsClaims) {
  auto token = signer_.issue(kAlice, 7, kNow, 1800);
  ASSERT_TRUE(token.ok());
  auto verified = signer_.verify(*token, kNow + 5);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->user_id, kAlice);
  EXPECT_EQ(verified->token_version, 7);
  EXPECT_EQ(verified->issued_at, kNow);
  EXPECT_EQ(verified->expires_at, kNow + 1800);
}

// Found by tests/fuzz (jwt): a user id of a few hundred control characters (each escaped to six
// bytes) made a token over verify()'s 4 KiB limit, which nobody could then use.
TEST_F(JwtTest, ATokenVerifyWouldRefuseIsNeverIssued) {
  const std::string escaped(700, '\x01');
  auto refused = signer_.issue(escaped, 0, kNow, 1800);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kInvalidInput);
  // Just under the limit still verifies: the two checks agree.
  std::string longest(600, 'a');
  auto token = signer_.issue(longest, 0, kNow, 1800);
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(signer_.verify(*token, kNow).ok());
}

TEST_F(JwtTest, IssuedTokenIsAnHs256Jws) {
  auto token = signer_.issue(kAlice, 0, kNow, 1800);
  ASSERT_TRUE(token.ok());
  const std::string header_part = token->substr(0, token->find('.'));
  EXPECT_EQ(header_part, base64url(json::parse(R"({"alg":"HS256","typ":"JWT"})").dump()));
  EXPECT_EQ(std::count(token->begin(), token->end(), '.'), 2);
}

TEST_F(JwtTest, TokenIsValidUntilItsExpiry) {
  auto token = signer_.issue(kAlice, 0, kNow, 60);
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(signer_.verify(*token, kNow + 59).ok());
  auto expired = signer_.verify(*token, kNow + 60);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().message, "invalid token: expired");
}

TEST_F(JwtTest, TokenSignedWithAnotherKeyIsRefused) {
  JwtSigner other(std::string(32, 'x'));
  auto token = other.issue(kAlice, 0, kNow, 600);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(refusal(*token), "invalid token: bad signature or encoding");
}

TEST_F(JwtTest, TamperedPayloadIsRefused) {
  auto token = signer_.issue(kAlice, 0, kNow, 600);
  ASSERT_TRUE(token.ok());
  const auto first_dot = token->find('.');
  const auto second_dot = token->find('.', first_dot + 1);
  const std::string tampered = token->substr(0, first_dot + 1) + base64url(claims("admin").dump()) +
                               token->substr(second_dot);
  EXPECT_EQ(refusal(tampered), "invalid token: bad signature or encoding");
}

TEST_F(JwtTest, RaisedTokenVersionIsRefused) {
  // A token of an older version cannot be made current by editing its claims.
  auto token = signer_.issue(kAlice, 1, kNow, 600);
  ASSERT_TRUE(token.ok());
  const auto first_dot = token->find('.');
  const auto second_dot = token->find('.', first_dot + 1);
  json payload = claims();
  payload["ver"] = 2;
  const std::string raised =
      token->substr(0, first_dot + 1) + base64url(payload.dump()) + token->substr(second_dot);
  EXPECT_EQ(refusal(raised), "invalid token: bad signature or encoding");
}

TEST_F(JwtTest, TamperedSignatureIsRefused) {
  auto token = signer_.issue(kAlice, 0, kNow, 600);
  ASSERT_TRUE(token.ok());
  std::string tampered = *token;
  char& last = tampered[tampered.size() - 2];
  last = last == 'A' ? 'B' : 'A';
  EXPECT_EQ(refusal(tampered), "invalid token: bad signature or encoding");
  EXPECT_FALSE(signer_.verify(token->substr(0, token->rfind('.') + 1), kNow).ok());  // no sig
}

TEST_F(JwtTest, SignatureOfTheWrongLengthIsRefused) {
  // Our comparison covers exactly the 32 bytes of an HMAC-SHA256: a prefix or an extension of
  // the right signature is not it.
  const std::string token = forge(hs256(), claims());
  const std::string signing_input = token.substr(0, token.rfind('.'));
  const std::string mac = hmac_sha256(kKey, signing_input);
  for (const std::string& signature : {mac.substr(0, 16), mac.substr(0, 31), mac + "x"}) {
    EXPECT_EQ(refusal(signing_input + "." + base64url(signature)),
              "invalid token: bad signature or encoding");
  }
}

TEST_F(JwtTest, SignatureIsComparedAsBytesNotAsText) {
  // Base64url that decodes to the right bytes but is not their encoding (padding, a stray
  // character) is refused: the token is exactly what was signed.
  const std::string token = forge(hs256(), claims());
  EXPECT_FALSE(signer_.verify(token + "=", kNow).ok());
  EXPECT_FALSE(signer_.verify(token + "+", kNow).ok());
  EXPECT_TRUE(signer_.verify(token, kNow).ok());
}

TEST_F(JwtTest, AlgorithmNoneIsRefused) {
  const std::string unsigned_token = base64url(json{{"alg", "none"}, {"typ", "JWT"}}.dump()) + "." +
                                     base64url(claims().dump()) + ".";
  EXPECT_EQ(refusal(unsigned_token), "invalid token: algorithm must be HS256");
  // Even with a valid HMAC over it, "none" is not HS256.
  EXPECT_EQ(refusal(forge({{"alg", "none"}}, claims())), "invalid token: algorithm must be HS256");
}

TEST_F(JwtTest, EveryOtherAlgorithmIsRefused) {
  for (const json& alg : {json("HS512"), json("RS256"), json("hs256"), json(256), json(nullptr)}) {
    EXPECT_EQ(refusal(forge({{"alg", alg}, {"typ", "JWT"}}, claims())),
              "invalid token: algorithm must be HS256")
        << alg;
  }
  EXPECT_EQ(refusal(forge({{"typ", "JWT"}}, claims())), "invalid token: algorithm must be HS256");
}

TEST_F(JwtTest, ForgedTokenWithTheRightKeyVerifies) {
  // The forging helper itself is sound: with the signer's key and HS256, the token is accepted.
  auto verified = signer_.verify(forge(hs256(), claims("bob-id")), kNow);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->user_id, "bob-id");
  EXPECT_EQ(verified->token_version, 3);
}

TEST_F(JwtTest, SignedTokenWithoutSubjectIsRefused) {
  EXPECT_EQ(refusal(forge(hs256(), {{"ver", 0}, {"iat", kNow}, {"exp", kNow + 600}})),
            "invalid token: no subject");
  EXPECT_EQ(refusal(forge(hs256(), claims(""))), "invalid token: no subject");
}

TEST_F(JwtTest, SignedTokenWithoutTokenVersionIsRefused) {
  // Tokens of before token versions (the user's name as subject) all stop working.
  EXPECT_EQ(refusal(forge(hs256(), {{"sub", "alice"}, {"exp", kNow + 600}})),
            "invalid token: no token version");
  for (const json& version : {json(-1), json("3"), json(1.5), json(nullptr)}) {
    EXPECT_EQ(refusal(forge(hs256(), {{"sub", kAlice}, {"ver", version}, {"exp", kNow + 600}})),
              "invalid token: no token version")
        << version;
  }
}

TEST_F(JwtTest, SignedTokenWithoutExpiryIsRefused) {
  EXPECT_EQ(refusal(forge(hs256(), {{"sub", kAlice}, {"ver", 0}, {"iat", kNow}})),
            "invalid token: no expiry");
}

TEST_F(JwtTest, SignedTokenWithExpiryInThePastIsRefused) {
  EXPECT_EQ(refusal(forge(hs256(), {{"sub", kAlice}, {"ver", 0}, {"exp", kNow - 1}})),
            "invalid token: expired");
}

TEST_F(JwtTest, MalformedTokensAreRefused) {
  const std::string good = *signer_.issue(kAlice, 0, kNow, 600);
  for (const std::string& token :
       {std::string(), std::string("abc"), std::string("."), std::string(".."), std::string("a.b"),
        std::string("a.b.c"), std::string("!!!.x.y"),
        base64url("not json") + "." + base64url(claims().dump()) + ".sig",
        base64url("[1,2]") + "." + base64url(claims().dump()) + ".sig",
        "." + good.substr(good.find('.') + 1), " " + good, good + " ", good + ".extra",
        good.substr(0, good.find('.')), std::string(5000, 'a')}) {
    EXPECT_NE(refusal(token).find("invalid token: "), std::string::npos) << token;
  }
}

TEST_F(JwtTest, OverlongTokenIsRefusedBeforeDecoding) {
  const std::string padded =
      forge(hs256(), {{"sub", std::string(4100, 'a')}, {"ver", 0}, {"exp", kNow + 60}});
  EXPECT_EQ(refusal(padded), "invalid token: malformed");
}

TEST(JwtSignerTest, KeyShorterThan32BytesIsAConfigurationError) {
  EXPECT_THROW(JwtSigner(std::string(31, 'k')), std::invalid_argument);
  EXPECT_NO_THROW(JwtSigner(std::string(32, 'k')));
}

}  // namespace
}  // namespace polyvox
