// Every backend as a WebhookOutbox, and the user store's webhook secrets: the step that gives a
// job with a webhook_url its final state (completed, failed, cancelled, given up as poison)
// writes its delivery; deliveries are leased, fenced and rescheduled; secrets are made once,
// replaced, and go with their user.
#include <optional>

#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

using test_support::make_job;
using Outcome = WebhookAttemptRecord::Outcome;

class WebhookOutboxTest : public test_support::StoreTest {
 protected:
  static constexpr int64_t kWebhookLeaseMs = 20'000;

  NewJob webhook_job(std::size_t blocks = 1) {
    NewJob job = make_job("alice", blocks);
    job.spec.webhook_url = "https://hooks.example.com/polyvox?job=1";
    job.base_url = "https://api.example.com";
    return job;
  }

  std::optional<WebhookDelivery> find(const std::string& job_id) {
    auto found = webhooks_->find_webhook(webhook_delivery_id(job_id));
    EXPECT_TRUE(found.ok()) << found.error().message;
    return found.ok() ? *found : std::nullopt;
  }

  std::vector<WebhookDelivery> claim_webhooks(std::size_t limit = 10) {
    auto claimed = webhooks_->claim_webhooks(kWebhookLeaseMs, limit);
    EXPECT_TRUE(claimed.ok()) << claimed.error().message;
    return claimed.ok() ? *claimed : std::vector<WebhookDelivery>{};
  }

  bool record(const WebhookDelivery& d, WebhookAttemptRecord r) {
    auto recorded = webhooks_->record_webhook_attempt(d, r);
    EXPECT_TRUE(recorded.ok()) << recorded.error().message;
    return recorded.ok() && *recorded;
  }

  User add_user(const std::string& name) {
    User user{new_uuid4(), name, "$argon2id$hash", false, clock_.now_ms(), 0};
    EXPECT_TRUE(users_->add_user(user).ok());
    return user;
  }
};
POLYVOX_ON_EVERY_BACKEND(WebhookOutboxTest);

TEST_P(WebhookOutboxTest, CompletionOfAJobWithAWebhookWritesItsDelivery) {
  const NewJob job = webhook_job(2);
  create(job);
  clock_.advance_ms(1'000);
  EXPECT_FALSE(find(job.id).has_value());
  run_every_due_task();
  ASSERT_EQ(get(job.id).status, JobStatus::kCompleted);

  const auto delivery = find(job.id);
  ASSERT_TRUE(delivery.has_value());
  EXPECT_EQ(delivery->id, "msg_" + job.id);
  EXPECT_EQ(delivery->job_id, job.id);
  EXPECT_EQ(delivery->owner, "alice");
  EXPECT_EQ(delivery->url, job.spec.webhook_url);
  EXPECT_EQ(delivery->base_url, "https://api.example.com");
  EXPECT_EQ(delivery->created_at_ms, clock_.now_ms());
  EXPECT_EQ(delivery->attempts, 0);
  EXPECT_EQ(delivery->body, "");
  const auto claimed = claim_webhooks();
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].id, delivery->id);
}

TEST_P(WebhookOutboxTest, FailureCancellationAndThePoisonLimitWriteDeliveriesToo) {
  const NewJob failed = webhook_job(), cancelled = webhook_job(), poisoned = webhook_job();
  create(failed);
  EXPECT_EQ(fail(claim(), "the provider said no"), ReportOutcome::kAccepted);
  EXPECT_EQ(get(failed.id).status, JobStatus::kFailed);
  EXPECT_TRUE(find(failed.id).has_value());

  create(cancelled);
  ASSERT_TRUE(jobs_->cancel_job(cancelled.id).ok());
  EXPECT_TRUE(find(cancelled.id).has_value());
  ASSERT_TRUE(jobs_->cancel_job(cancelled.id).ok());  // cancelling again writes nothing more

  reopen(/*max_claims=*/1);
  create(poisoned);
  claim();  // the only claim allowed; its holder dies
  clock_.advance_ms(kLeaseMs + 1);
  EXPECT_TRUE(nothing_due());  // the next claim gives the block up: the job fails
  EXPECT_EQ(get(poisoned.id).status, JobStatus::kFailed);
  EXPECT_TRUE(find(poisoned.id).has_value());
  EXPECT_EQ(claim_webhooks().size(), 3u);
}

TEST_P(WebhookOutboxTest, AJobWithoutAWebhookWritesNoDelivery) {
  const NewJob job = make_job("alice", 1);
  create(job);
  run_every_due_task();
  EXPECT_EQ(get(job.id).status, JobStatus::kCompleted);
  EXPECT_FALSE(find(job.id).has_value());
  EXPECT_TRUE(claim_webhooks().empty());
}

TEST_P(WebhookOutboxTest, AClaimedDeliveryIsNobodyElsesUntilItsLeaseExpires) {
  const NewJob job = webhook_job();
  create(job);
  run_every_due_task();
  const auto first = claim_webhooks();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(claim_webhooks().empty());
  clock_.advance_ms(kWebhookLeaseMs - 1);
  EXPECT_TRUE(claim_webhooks().empty());
  clock_.advance_ms(1);
  const auto second = claim_webhooks();  // its sender died: claimed again, with a new lease
  ASSERT_EQ(second.size(), 1u);
  EXPECT_GT(second[0].lease, first[0].lease);
  // The first sender comes back: its report is refused, the second one's is recorded.
  EXPECT_FALSE(record(first[0], {Outcome::kDelivered, 0, "", ""}));
  EXPECT_TRUE(find(job.id).has_value());
  EXPECT_TRUE(record(second[0], {Outcome::kDelivered, 0, "", ""}));
  EXPECT_FALSE(find(job.id).has_value());
  EXPECT_FALSE(record(second[0], {Outcome::kDelivered, 0, "", ""}));
}

TEST_P(WebhookOutboxTest, ARetryKeepsTheFirstBodyAndComesDueAtItsTime) {
  const NewJob job = webhook_job();
  create(job);
  run_every_due_task();
  auto claimed = claim_webhooks();
  ASSERT_EQ(claimed.size(), 1u);
  const int64_t retry_at = clock_.now_ms() + 10'000;
  EXPECT_TRUE(record(claimed[0], {Outcome::kRetry, retry_at, R"({"first":1})", "HTTP 500"}));
  auto stored = find(job.id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->attempts, 1);
  EXPECT_EQ(stored->body, R"({"first":1})");
  EXPECT_EQ(stored->last_error, "HTTP 500");

  clock_.advance_ms(9'999);
  EXPECT_TRUE(claim_webhooks().empty());
  clock_.advance_ms(1);
  claimed = claim_webhooks();
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].attempts, 1);
  EXPECT_EQ(claimed[0].body, R"({"first":1})");
  EXPECT_TRUE(record(claimed[0],
                     {Outcome::kRetry, clock_.now_ms() + 20'000, R"({"other":2})", "timed out"}));
  stored = find(job.id);
  EXPECT_EQ(stored->attempts, 2);
  EXPECT_EQ(stored->body, R"({"first":1})");  // every attempt sends the same body
  EXPECT_EQ(stored->last_error, "timed out");

  clock_.advance_ms(20'000);
  claimed = claim_webhooks();
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_TRUE(record(claimed[0], {Outcome::kGaveUp, 0, "", ""}));
  EXPECT_FALSE(find(job.id).has_value());
  clock_.advance_ms(3'600'000);
  EXPECT_TRUE(claim_webhooks().empty());
}

TEST_P(WebhookOutboxTest, ClaimsTakeTheOldestDueFirstUpToTheLimit) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    const NewJob job = webhook_job();
    create(job);
    run_every_due_task();
    ids.push_back(webhook_delivery_id(job.id));
    clock_.advance_ms(10);
  }
  auto claimed = claim_webhooks(2);
  ASSERT_EQ(claimed.size(), 2u);
  EXPECT_EQ(claimed[0].id, ids[0]);
  EXPECT_EQ(claimed[1].id, ids[1]);
  claimed = claim_webhooks(2);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].id, ids[2]);
}

TEST_P(WebhookOutboxTest, DeliveriesSurviveAReopen) {
  const NewJob job = webhook_job();
  create(job);
  run_every_due_task();
  reopen();
  const auto claimed = claim_webhooks();
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].url, job.spec.webhook_url);
}

TEST_P(WebhookOutboxTest, DeletingAFinishedJobKeepsItsPendingDelivery) {
  const NewJob job = webhook_job();
  create(job);
  run_every_due_task();
  ASSERT_TRUE(jobs_->delete_job(job.id).ok());
  EXPECT_TRUE(find(job.id).has_value());  // the sender gives it up when it finds no job
}

TEST_P(WebhookOutboxTest, WebhookSecretIsMadeOnceAndKept) {
  const User alice = add_user("alice");
  auto first = users_->webhook_secret(alice.id, "whsec_first");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, "whsec_first");
  auto again = users_->webhook_secret(alice.id, "whsec_second");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, "whsec_first");
  reopen();
  EXPECT_EQ(*users_->webhook_secret(alice.id, "whsec_third"), "whsec_first");
}

TEST_P(WebhookOutboxTest, ReplacedSecretIsTheOneFromThenOn) {
  const User alice = add_user("alice"), bob = add_user("bob");
  ASSERT_TRUE(users_->webhook_secret(alice.id, "whsec_a1").ok());
  ASSERT_TRUE(users_->webhook_secret(bob.id, "whsec_b1").ok());
  ASSERT_TRUE(users_->replace_webhook_secret(alice.id, "whsec_a2").ok());
  EXPECT_EQ(*users_->webhook_secret(alice.id, "whsec_x"), "whsec_a2");
  EXPECT_EQ(*users_->webhook_secret(bob.id, "whsec_x"), "whsec_b1");
  const User carol = add_user("carol");  // replacing a secret never made makes it
  ASSERT_TRUE(users_->replace_webhook_secret(carol.id, "whsec_c1").ok());
  EXPECT_EQ(*users_->webhook_secret(carol.id, "whsec_x"), "whsec_c1");
}

TEST_P(WebhookOutboxTest, SecretOfAnUnknownOrRemovedUserIsNotFound) {
  const std::string nobody = new_uuid4();
  EXPECT_EQ(users_->webhook_secret(nobody, "whsec_x").error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(users_->replace_webhook_secret(nobody, "whsec_x").error().kind, ErrorKind::kNotFound);
  const User alice = add_user("alice");
  ASSERT_TRUE(users_->webhook_secret(alice.id, "whsec_old").ok());
  ASSERT_TRUE(users_->remove_user("alice").ok());
  EXPECT_EQ(users_->webhook_secret(alice.id, "whsec_x").error().kind, ErrorKind::kNotFound);
  const User again = add_user("alice");  // someone new: a secret of their own
  EXPECT_EQ(*users_->webhook_secret(again.id, "whsec_new"), "whsec_new");
}

// Embedded mode: the one serving process that opens the database finds the leases of a dead
// one, whose deliveries are due at once.
TEST_P(WebhookOutboxTest, ServingProcessTakesADeadProcesssLeasesBackAtOnce) {
  if (is_redis()) GTEST_SKIP() << "Redis leases expire on their clock, across nodes";
  const NewJob job = webhook_job();
  create(job);
  run_every_due_task();
  ASSERT_EQ(claim_webhooks().size(), 1u);  // then the process dies
  reopen(10, nullptr, /*serving=*/true);
  EXPECT_EQ(claim_webhooks().size(), 1u);
}

}  // namespace
}  // namespace polyvox
