// Password hashing with argon2id: a hash verifies its own password only, and a malformed stored
// hash verifies nothing.
#include "auth/password.h"

#include <gtest/gtest.h>

#include "unit/auth/auth_stack.h"

namespace polyvox {
namespace {

using test_support::cheap_hash_cost;

std::string hash_of(const std::string& password) {
  auto hash = hash_password(password, cheap_hash_cost());
  EXPECT_TRUE(hash.ok());
  return hash.ok() ? *hash : "";
}

TEST(PasswordTest, HashVerifiesItsPassword) {
  EXPECT_TRUE(verify_password("correct horse", hash_of("correct horse")));
}

TEST(PasswordTest, WrongPasswordDoesNotVerify) {
  const std::string hash = hash_of("correct horse");
  EXPECT_FALSE(verify_password("correct horsE", hash));
  EXPECT_FALSE(verify_password("correct horse ", hash));
  EXPECT_FALSE(verify_password("", hash));
}

TEST(PasswordTest, EveryByteOfThePasswordCounts) {
  const std::string with_nul("pass\0word", 9);
  const std::string hash = hash_of(with_nul);
  EXPECT_TRUE(verify_password(with_nul, hash));
  EXPECT_FALSE(verify_password("pass", hash));
}

TEST(PasswordTest, EmptyPasswordHashesAndVerifies) {
  const std::string hash = hash_of("");
  EXPECT_TRUE(verify_password("", hash));
  EXPECT_FALSE(verify_password("x", hash));
}

TEST(PasswordTest, SamePasswordGetsADifferentSaltEachTime) {
  const std::string a = hash_of("same");
  const std::string b = hash_of("same");
  EXPECT_NE(a, b);
  EXPECT_TRUE(verify_password("same", a));
  EXPECT_TRUE(verify_password("same", b));
}

TEST(PasswordTest, DefaultCostIsOwaspsArgon2idMinimum) {
  auto hash = hash_password("pw");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *hash;
  EXPECT_TRUE(verify_password("pw", *hash));
}

TEST(PasswordTest, MalformedStoredHashVerifiesNothing) {
  const std::string good = hash_of("pw");
  for (const std::string& stored :
       {std::string(), std::string("pw"), std::string("$argon2id$"),
        good.substr(0, good.size() - 5), good.substr(0, good.rfind('$')),
        "$argon2i$" + good.substr(10),
        std::string("$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ012"),
        good + std::string(200, 'A')}) {
    EXPECT_FALSE(verify_password("pw", stored)) << stored;
  }
}

}  // namespace
}  // namespace polyvox
