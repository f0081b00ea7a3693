// Every backend as a UserStore: users added, found, changed, listed and removed, and kept across a
// reopen.
#include "unit/jobs/store_fixture.h"

namespace polyvox {
namespace {

class UserStoreTest : public test_support::StoreTest {};
POLYVOX_ON_EVERY_BACKEND(UserStoreTest);

User user(const std::string& name, bool admin = false) {
  return User{name, "$argon2id$v=19$m=65536,t=2,p=1$" + name, admin, 1'700'000'000'123};
}

TEST_P(UserStoreTest, AddedUserIsFoundWithEveryField) {
  ASSERT_TRUE(users_->add_user(user("admin", true)).ok());
  auto found = users_->find_user("admin");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->name, "admin");
  EXPECT_EQ((*found)->password_hash, user("admin").password_hash);
  EXPECT_TRUE((*found)->admin);
  EXPECT_EQ((*found)->created_at_ms, 1'700'000'000'123);
}

TEST_P(UserStoreTest, UnknownUserIsNotThere) {
  auto found = users_->find_user("nobody");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  EXPECT_EQ(users_->set_password_hash("nobody", "x").error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(users_->remove_user("nobody").error().kind, ErrorKind::kNotFound);
}

TEST_P(UserStoreTest, TakenNameIsInvalidInput) {
  ASSERT_TRUE(users_->add_user(user("alice")).ok());
  Status again = users_->add_user(user("alice", true));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::kInvalidInput);
  EXPECT_FALSE((*users_->find_user("alice"))->admin);  // the first one is untouched
}

TEST_P(UserStoreTest, PasswordHashIsReplaced) {
  ASSERT_TRUE(users_->add_user(user("alice")).ok());
  ASSERT_TRUE(users_->set_password_hash("alice", "$argon2id$new").ok());
  EXPECT_EQ((*users_->find_user("alice"))->password_hash, "$argon2id$new");
}

TEST_P(UserStoreTest, RemovedUserIsGoneAndOthersStay) {
  ASSERT_TRUE(users_->add_user(user("alice")).ok());
  ASSERT_TRUE(users_->add_user(user("bob")).ok());
  ASSERT_TRUE(users_->remove_user("alice").ok());
  EXPECT_FALSE(users_->find_user("alice")->has_value());
  EXPECT_TRUE(users_->find_user("bob")->has_value());
}

TEST_P(UserStoreTest, ListsUsersByNameAcrossAReopen) {
  for (const char* name : {"carol", "alice", "bob"}) ASSERT_TRUE(users_->add_user(user(name)).ok());
  reopen();
  auto all = users_->list_users();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].name, "alice");
  EXPECT_EQ((*all)[1].name, "bob");
  EXPECT_EQ((*all)[2].name, "carol");
}

}  // namespace
}  // namespace polyvox
