// The webhook sender on every backend, against a real receiver on 127.0.0.1: a finished job's
// webhook arrives signed (checked with libsodium's HMAC-SHA256, not the OpenSSL code that
// signed it), is retried with the same id and body after a failure, never connects where the
// address guard refuses, and is given up when its job or owner is gone or its time is over.
#include "webhooks/webhook_sender.h"

#include <sodium.h>

#include "support/webhook_receiver.h"
#include "unit/jobs/store_fixture.h"
#include "webhooks/webhook_signature.h"

namespace polyvox {
namespace {

using test_support::ReceivedRequest;
using test_support::WebhookReceiver;

// The body builder of these tests: enough of the job to tell which one and in what state.
std::string test_body(const JobRecord& job, const std::string& base_url) {
  return R"({"job_id":")" + job.id + R"(","status":")" + job_status_name(job.status) +
         R"(","result_url":")" + base_url + "/result/" + job.id + R"(/audio"})";
}

// HMAC-SHA256 by libsodium, base64 by libsodium: an implementation independent of ours.
bool signature_verifies(const std::string& secret, const ReceivedRequest& request) {
  const std::string encoded = secret.substr(6);
  std::vector<unsigned char> key(encoded.size());
  std::size_t key_size = 0;
  if (sodium_base642bin(key.data(), key.size(), encoded.data(), encoded.size(), nullptr, &key_size,
                        nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return false;
  }
  const std::string message = request.headers.at("webhook-id") + "." +
                              request.headers.at("webhook-timestamp") + "." + request.body;
  crypto_auth_hmacsha256_state state;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&state, key.data(), key_size);
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, mac);
  char b64[sodium_base64_ENCODED_LEN(sizeof mac, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(b64, sizeof b64, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
  return request.headers.at("webhook-signature") == "v1," + std::string(b64);
}

class WebhookSenderTest : public test_support::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    ASSERT_EQ(sodium_init() >= 0, true);
    alice_ = User{new_uuid4(), "alice", "$argon2id$hash", false, clock_.now_ms(), 0};
    ASSERT_TRUE(users_->add_user(alice_).ok());
  }

  // A job of alice's with a webhook to `url`, run to completion.
  std::string finished_job(const std::string& url) {
    NewJob job = test_support::make_job(alice_.id, 1);
    job.spec.webhook_url = url;
    job.base_url = "https://api.example.com";
    create(job);
    run_every_due_task();
    EXPECT_EQ(get(job.id).status, JobStatus::kCompleted);
    return job.id;
  }

  std::unique_ptr<WebhookSender> sender(const std::string& allowed = "127.0.0.1") {
    http::HttpClientOptions options;
    options.address_policy = std::make_shared<const http::AddressPolicy>(
        *http::AddressPolicy::parse(allowed, "WEBHOOK_ALLOWED_HOSTS"));
    options_.connect_timeout = std::chrono::milliseconds(2'000);
    options_.total_timeout = std::chrono::milliseconds(5'000);
    return std::make_unique<WebhookSender>(*webhooks_, *jobs_, *users_,
                                           std::make_shared<http::HttpClient>(options), clock_,
                                           test_body, options_);
  }

  std::optional<WebhookDelivery> pending(const std::string& job_id) {
    auto found = webhooks_->find_webhook(webhook_delivery_id(job_id));
    EXPECT_TRUE(found.ok());
    return found.ok() ? *found : std::nullopt;
  }

  std::string secret() { return *users_->webhook_secret(alice_.id, "whsec_unused"); }

  User alice_;
  WebhookSenderOptions options_;
};
POLYVOX_ON_EVERY_BACKEND(WebhookSenderTest);

TEST_P(WebhookSenderTest, DeliversTheSignedBodyOnceAndForgetsIt) {
  WebhookReceiver receiver;
  const std::string job_id = finished_job(receiver.url("/hooks/polyvox?source=test"));
  auto s = sender();
  EXPECT_EQ(s->run_once(), 1u);

  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 1u);
  const ReceivedRequest& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/hooks/polyvox?source=test");
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  EXPECT_EQ(r.headers.at("webhook-id"), "msg_" + job_id);
  EXPECT_EQ(r.headers.at("webhook-timestamp"), std::to_string(clock_.now_ms() / 1000));
  EXPECT_EQ(r.body, test_body(get(job_id), "https://api.example.com"));
  EXPECT_TRUE(signature_verifies(secret(), r)) << r.headers.at("webhook-signature");
  EXPECT_FALSE(pending(job_id).has_value());
  EXPECT_EQ(s->run_once(), 0u);
  EXPECT_EQ(receiver.requests().size(), 1u);
}

TEST_P(WebhookSenderTest, RetriesAFailureWithTheSameIdAndBodyAfterTheBackoff) {
  WebhookReceiver receiver({500, 503});
  const std::string job_id = finished_job(receiver.url());
  auto s = sender();
  EXPECT_EQ(s->run_once(), 1u);
  auto stored = pending(job_id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->attempts, 1);
  EXPECT_EQ(stored->last_error, "HTTP 500");
  EXPECT_EQ(s->run_once(), 0u);  // not due before its backoff (10 s, jitter 0.8..1.2)
  clock_.advance_ms(7'999);
  EXPECT_EQ(s->run_once(), 0u);
  clock_.advance_ms(4'001);
  EXPECT_EQ(s->run_once(), 1u);  // 503: the next wait is about 20 s
  EXPECT_EQ(pending(job_id)->attempts, 2);
  clock_.advance_ms(15'999);
  EXPECT_EQ(s->run_once(), 0u);
  clock_.advance_ms(8'001);
  EXPECT_EQ(s->run_once(), 1u);
  EXPECT_FALSE(pending(job_id).has_value());

  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const ReceivedRequest& r : requests) {
    EXPECT_EQ(r.headers.at("webhook-id"), "msg_" + job_id);
    EXPECT_EQ(r.body, requests[0].body);
    EXPECT_TRUE(signature_verifies(secret(), r));
  }
  EXPECT_NE(requests[0].headers.at("webhook-timestamp"),
            requests[2].headers.at("webhook-timestamp"));
}

// A receiver answering 429 or 503 with Retry-After is not tried again sooner than it asked
// (120 s, where the backoff alone would wait about 10 s), and never later than the longest
// backoff however long it asks for.
TEST_P(WebhookSenderTest, WaitsAsLongAsARetryAfterAsksUpToTheLongestBackoff) {
  WebhookReceiver receiver({429}, "slow down", "Retry-After: 120\r\n");
  const std::string job_id = finished_job(receiver.url());
  auto s = sender();
  EXPECT_EQ(s->run_once(), 1u);
  EXPECT_EQ(pending(job_id)->last_error, "HTTP 429");
  clock_.advance_ms(119'000);
  EXPECT_EQ(s->run_once(), 0u);
  clock_.advance_ms(1'000);
  EXPECT_EQ(s->run_once(), 1u);
  EXPECT_FALSE(pending(job_id).has_value());

  WebhookReceiver forever({503}, "down", "Retry-After: 86400\r\n");
  options_.retry_max_ms = 600'000;
  const std::string other = finished_job(forever.url());
  auto capped = sender();
  EXPECT_EQ(capped->run_once(), 1u);
  clock_.advance_ms(599'000);
  EXPECT_EQ(capped->run_once(), 0u);
  clock_.advance_ms(1'000);
  EXPECT_EQ(capped->run_once(), 1u);
  EXPECT_FALSE(pending(other).has_value());
  EXPECT_EQ(forever.requests().size(), 2u);
}

TEST_P(WebhookSenderTest, ARefusedAddressIsRecordedAndNeverConnectedTo) {
  WebhookReceiver receiver;
  // A receiver's token in the path (as Slack's and Discord's URLs carry it) is not recorded.
  const std::string job_id = finished_job(receiver.url("/api/webhooks/1/s3cr3t-t0ken"));
  auto s = sender(/*allowed=*/"");
  EXPECT_EQ(s->run_once(), 1u);
  const auto stored = pending(job_id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->attempts, 1);
  EXPECT_NE(stored->last_error.find("refused by the address guard: 127.0.0.1 is loopback"),
            std::string::npos)
      << stored->last_error;
  EXPECT_EQ(stored->last_error.find("s3cr3t"), std::string::npos) << stored->last_error;
  EXPECT_EQ(receiver.stop_and_count_connections(), 0);
}

TEST_P(WebhookSenderTest, GivesUpWhenNoAttemptFitsInTheRetryWindow) {
  WebhookReceiver receiver(std::vector<int>(50, 500));
  options_.give_up_after_ms = 60'000;
  const std::string job_id = finished_job(receiver.url());
  const int64_t finished_at = clock_.now_ms();
  auto s = sender();
  int attempts = 0;
  for (int second = 0; second < 200 && pending(job_id).has_value(); ++second) {
    attempts += static_cast<int>(s->run_once());
    clock_.advance_ms(1'000);
  }
  EXPECT_FALSE(pending(job_id).has_value());
  // 10 s, 20 s, 40 s apart (each within 0.8..1.2): the fourth would come after 60 s.
  EXPECT_GE(attempts, 3);
  EXPECT_LE(attempts, 4);
  EXPECT_EQ(receiver.requests().size(), static_cast<std::size_t>(attempts));
  EXPECT_LE(clock_.now_ms() - finished_at, 60'000 + 1'000);
}

TEST_P(WebhookSenderTest, GivesUpWhenTheJobWasDeletedBeforeItsFirstAttempt) {
  WebhookReceiver receiver;
  const std::string job_id = finished_job(receiver.url());
  ASSERT_TRUE(jobs_->delete_job(job_id).ok());
  EXPECT_EQ(sender()->run_once(), 1u);
  EXPECT_FALSE(pending(job_id).has_value());
  EXPECT_EQ(receiver.stop_and_count_connections(), 0);
}

TEST_P(WebhookSenderTest, AJobDeletedAfterAFailedAttemptIsStillDeliveredWithItsBody) {
  WebhookReceiver receiver({500});
  const std::string job_id = finished_job(receiver.url());
  auto s = sender();
  EXPECT_EQ(s->run_once(), 1u);
  ASSERT_TRUE(jobs_->delete_job(job_id).ok());
  clock_.advance_ms(12'001);
  EXPECT_EQ(s->run_once(), 1u);
  EXPECT_FALSE(pending(job_id).has_value());
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].body, requests[0].body);
}

TEST_P(WebhookSenderTest, GivesUpWhenTheOwnerWasRemoved) {
  WebhookReceiver receiver;
  const std::string job_id = finished_job(receiver.url());
  ASSERT_TRUE(users_->remove_user("alice").ok());
  EXPECT_EQ(sender()->run_once(), 1u);
  EXPECT_FALSE(pending(job_id).has_value());
  EXPECT_EQ(receiver.stop_and_count_connections(), 0);
}

TEST_P(WebhookSenderTest, SenderThreadsDeliverWithoutBeingAsked) {
  WebhookReceiver receiver;
  options_.poll_ms = 10;
  auto s = sender();
  s->start();
  const std::string job_id = finished_job(receiver.url());
  // Waits for the outcome itself: the delivery leaves the outbox once it was delivered.
  for (int i = 0; i < 1000 && pending(job_id).has_value(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling an outcome
  }
  s->stop();
  EXPECT_FALSE(pending(job_id).has_value());
  EXPECT_EQ(receiver.requests().size(), 1u);
}

TEST(WebhookRetryDelayTest, DoublesFromTheBaseUpToTheCapWithBoundedJitter) {
  const WebhookSenderOptions options;  // 10 s doubling, at most 1 h
  EXPECT_EQ(webhook_retry_delay_ms(1, options, 0.5), 10'000);
  EXPECT_EQ(webhook_retry_delay_ms(2, options, 0.5), 20'000);
  EXPECT_EQ(webhook_retry_delay_ms(3, options, 0.5), 40'000);
  EXPECT_EQ(webhook_retry_delay_ms(9, options, 0.5), 2'560'000);
  EXPECT_EQ(webhook_retry_delay_ms(10, options, 0.5), 3'600'000);
  EXPECT_EQ(webhook_retry_delay_ms(1000, options, 0.5), 3'600'000);
  EXPECT_EQ(webhook_retry_delay_ms(1, options, 0.0), 8'000);
  EXPECT_EQ(webhook_retry_delay_ms(1, options, 0.999999), 11'999);
  EXPECT_EQ(webhook_retry_delay_ms(9, options, 0.999999), 3'071'998);
  EXPECT_EQ(webhook_retry_delay_ms(12, options, 0.0), 2'880'000);
  EXPECT_EQ(webhook_retry_delay_ms(12, options, 0.999999), 3'600'000);  // never past the cap
}

}  // namespace
}  // namespace polyvox
