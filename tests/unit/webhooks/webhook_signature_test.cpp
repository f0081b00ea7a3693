// Standard Webhooks signatures: the specification's own example, secrets made from 32 random
// bytes, keys decoded and malformed secrets refused without echoing them.
#include "webhooks/webhook_signature.h"

#include <gtest/gtest.h>

#include <set>

namespace polyvox {
namespace {

// The example of the Standard Webhooks specification and its reference libraries.
TEST(WebhookSignatureTest, SignsTheSpecificationsExampleAsItSays) {
  auto signature =
      sign_webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                   1614265330, R"({"test": 2432232314})");
  ASSERT_TRUE(signature.ok()) << signature.error().message;
  EXPECT_EQ(*signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(WebhookSignatureTest, EveryPartOfTheMessageChangesTheSignature) {
  const std::string secret = new_webhook_secret();
  const std::string base = *sign_webhook(secret, "msg_1", 1700000000, "{}");
  EXPECT_NE(*sign_webhook(secret, "msg_2", 1700000000, "{}"), base);
  EXPECT_NE(*sign_webhook(secret, "msg_1", 1700000001, "{}"), base);
  EXPECT_NE(*sign_webhook(secret, "msg_1", 1700000000, "{ }"), base);
  EXPECT_NE(*sign_webhook(new_webhook_secret(), "msg_1", 1700000000, "{}"), base);
  EXPECT_EQ(*sign_webhook(secret, "msg_1", 1700000000, "{}"), base);
}

TEST(WebhookSignatureTest, NewSecretsAreWhsecAndTheBase64Of32RandomBytes) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string secret = new_webhook_secret();
    EXPECT_TRUE(secret.starts_with("whsec_")) << secret;
    EXPECT_EQ(secret.size(), 6u + 44u);
    auto key = webhook_key(secret);
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(key->size(), 32u);
    seen.insert(secret);
  }
  EXPECT_EQ(seen.size(), 50u);
}

TEST(WebhookSignatureTest, MalformedSecretsAreRefusedWithoutBeingEchoed) {
  for (const char* secret :
       {"", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_c2hvcnQ=",  // 5 bytes
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La!aSw",
        "whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}) {
    auto key = webhook_key(secret);
    ASSERT_FALSE(key.ok()) << secret;
    EXPECT_EQ(key.error().kind, ErrorKind::kInvalidInput);
    if (std::string(secret).size() > 6) {
      EXPECT_EQ(key.error().message.find(std::string(secret).substr(6)), std::string::npos);
    }
    EXPECT_FALSE(sign_webhook(secret, "msg_1", 1, "{}").ok());
  }
  // Padding is taken off the key: 25 bytes (two '=') and 26 (one '=').
  EXPECT_EQ(
      webhook_key("whsec_" + std::string("QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ==")).value().size(),
      25u);
  EXPECT_EQ(
      webhook_key("whsec_" + std::string("QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=")).value().size(),
      26u);
}

}  // namespace
}  // namespace polyvox
