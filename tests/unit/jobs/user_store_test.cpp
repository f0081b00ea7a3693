// Every backend as a UserStore: users added, found by name and by id, changed (each password
// change bumping the token version), listed and removed (their id never coming back), and kept
// across a reopen.
#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

class UserStoreTest : public test_support::StoreTest {};
POLYVOX_ON_EVERY_BACKEND(UserStoreTest);

User user(const std::string& name, bool admin = false) {
  return User{new_uuid4(),       name, "$argon2id$v=19$m=65536,t=2,p=1$" + name, admin,
              1'700'000'000'123, 0};
}

TEST_P(UserStoreTest, AddedUserIsFoundWithEveryField) {
  User admin = user("admin", true);
  admin.token_version = 4;
  ASSERT_TRUE(users_->add_user(admin).ok());
  auto found = users_->find_user("admin");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, admin.id);
  EXPECT_EQ((*found)->name, "admin");
  EXPECT_EQ((*found)->password_hash, admin.password_hash);
  EXPECT_TRUE((*found)->admin);
  EXPECT_EQ((*found)->created_at_ms, 1'700'000'000'123);
  EXPECT_EQ((*found)->token_version, 4);
}

TEST_P(UserStoreTest, UserIsFoundByItsId) {
  const User alice = user("alice"), bob = user("bob");
  ASSERT_TRUE(users_->add_user(alice).ok());
  ASSERT_TRUE(users_->add_user(bob).ok());
  auto found = users_->find_user_by_id(bob.id);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->name, "bob");
  EXPECT_EQ((*found)->id, bob.id);
  EXPECT_FALSE(users_->find_user_by_id(new_uuid4())->has_value());
  EXPECT_FALSE(users_->find_user_by_id("bob")->has_value());  // a name is not an id
}

TEST_P(UserStoreTest, UnknownUserIsNotThere) {
  auto found = users_->find_user("nobody");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  EXPECT_EQ(users_->set_password_hash("nobody", "x").error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(users_->remove_user("nobody").error().kind, ErrorKind::kNotFound);
  EXPECT_FALSE(users_->find_user("nobody")->has_value());  // nothing created on the way
}

TEST_P(UserStoreTest, TakenNameIsInvalidInput) {
  ASSERT_TRUE(users_->add_user(user("alice")).ok());
  Status again = users_->add_user(user("alice", true));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::kInvalidInput);
  EXPECT_FALSE((*users_->find_user("alice"))->admin);  // the first one is untouched
}

TEST_P(UserStoreTest, TakenIdIsInvalidInput) {
  const User alice = user("alice");
  ASSERT_TRUE(users_->add_user(alice).ok());
  User impostor = user("mallory");
  impostor.id = alice.id;
  EXPECT_EQ(users_->add_user(impostor).error().kind, ErrorKind::kInvalidInput);
  EXPECT_FALSE(users_->find_user("mallory")->has_value());
  EXPECT_EQ((*users_->find_user_by_id(alice.id))->name, "alice");
}

TEST_P(UserStoreTest, PasswordChangeReplacesTheHashAndBumpsTheTokenVersion) {
  const User alice = user("alice");
  ASSERT_TRUE(users_->add_user(alice).ok());
  ASSERT_TRUE(users_->set_password_hash("alice", "$argon2id$new").ok());
  auto changed = *users_->find_user("alice");
  EXPECT_EQ(changed->password_hash, "$argon2id$new");
  EXPECT_EQ(changed->token_version, 1);
  EXPECT_EQ(changed->id, alice.id);
  ASSERT_TRUE(users_->set_password_hash("alice", "$argon2id$newer").ok());
  reopen();
  EXPECT_EQ((*users_->find_user_by_id(alice.id))->token_version, 2);
}

TEST_P(UserStoreTest, RemovedUserIsGoneAndOthersStay) {
  const User alice = user("alice");
  ASSERT_TRUE(users_->add_user(alice).ok());
  ASSERT_TRUE(users_->add_user(user("bob")).ok());
  ASSERT_TRUE(users_->remove_user("alice").ok());
  EXPECT_FALSE(users_->find_user("alice")->has_value());
  EXPECT_FALSE(users_->find_user_by_id(alice.id)->has_value());
  EXPECT_TRUE(users_->find_user("bob")->has_value());
}

TEST_P(UserStoreTest, NameTakenAgainAfterARemovalIsANewUser) {
  const User first = user("alice");
  ASSERT_TRUE(users_->add_user(first).ok());
  ASSERT_TRUE(users_->set_password_hash("alice", "$argon2id$changed").ok());
  ASSERT_TRUE(users_->remove_user("alice").ok());
  const User second = user("alice");
  ASSERT_TRUE(users_->add_user(second).ok());
  EXPECT_FALSE(users_->find_user_by_id(first.id)->has_value());
  auto now = *users_->find_user("alice");
  EXPECT_EQ(now->id, second.id);
  EXPECT_EQ(now->token_version, 0);
  EXPECT_EQ((*users_->find_user_by_id(second.id))->name, "alice");
}

TEST_P(UserStoreTest, QuotaOverridesAreKeptAndReplaced) {
  const User alice = user("alice");
  ASSERT_TRUE(users_->add_user(alice).ok());
  EXPECT_EQ((*users_->find_user("alice"))->quotas, QuotaOverrides{});  // the deployment's
  const QuotaOverrides set{{QuotaOverride::Kind::kLimit, 5},
                           {QuotaOverride::Kind::kUnlimited, 0},
                           {QuotaOverride::Kind::kLimit, 0}};
  ASSERT_TRUE(users_->set_quotas("alice", set).ok());
  EXPECT_EQ((*users_->find_user("alice"))->quotas, set);
  reopen();
  EXPECT_EQ((*users_->find_user_by_id(alice.id))->quotas, set);
  ASSERT_TRUE(users_->set_quotas("alice", QuotaOverrides{}).ok());
  EXPECT_EQ((*users_->find_user("alice"))->quotas, QuotaOverrides{});
  EXPECT_EQ(users_->set_quotas("nobody", set).error().kind, ErrorKind::kNotFound);
}

TEST_P(UserStoreTest, ListsUsersByNameAcrossAReopen) {
  std::vector<User> added;
  for (const char* name : {"carol", "alice", "bob"}) {
    added.push_back(user(name));
    ASSERT_TRUE(users_->add_user(added.back()).ok());
  }
  reopen();
  auto all = users_->list_users();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].name, "alice");
  EXPECT_EQ((*all)[0].id, added[1].id);
  EXPECT_EQ((*all)[1].name, "bob");
  EXPECT_EQ((*all)[2].name, "carol");
  EXPECT_EQ((*all)[2].id, added[0].id);
}

}  // namespace
}  // namespace polyvox
