// The token signing key and the data directory that keeps it: a configured key is used as it is;
// a generated one is written once with mode 0600 and read back at the next start; a key file
// others may read is refused, naming the file and the fix; the data directory is private.
#include "auth/signing_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "support/audio_fixtures.h"  // TempDir

namespace polyvox {
namespace {

namespace fs = std::filesystem;
using test_support::TempDir;

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

void write_file(const fs::path& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

TEST(SigningKeyTest, ConfiguredKeyIsUsedAsItIs) {
  TempDir dir;
  auto key = load_signing_key(std::string(40, 'c'), /*distributed=*/true, dir.path());
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, std::string(40, 'c'));
  EXPECT_FALSE(fs::exists(dir / "secret_key"));
  auto short_key = load_signing_key("too short", false, dir.path());
  ASSERT_FALSE(short_key.ok());
  EXPECT_EQ(short_key.error().field, "SECRET_KEY");
}

TEST(SigningKeyTest, DistributedModeNeedsAConfiguredKey) {
  TempDir dir;
  auto key = load_signing_key("", /*distributed=*/true, dir.path());
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().field, "SECRET_KEY");
}

TEST(SigningKeyTest, GeneratedKeyIsWrittenOwnerOnlyAndKeptAcrossStarts) {
  TempDir dir;
  ::umask(022);  // what most shells give: without care the file would be 0644
  auto first = load_signing_key("", false, dir.path());
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->size(), 64u);
  EXPECT_EQ(mode_of(dir / "secret_key"), 0600);
  auto second = load_signing_key("", false, dir.path());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, *first);
  // Nothing is left beside it (the temporary file was moved into place).
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(SigningKeyTest, KeyFileOthersMayReadIsRefusedNamingTheFix) {
  TempDir dir;
  const std::string key(64, 'a');
  write_file(dir / "secret_key", key, 0644);
  auto refused = load_signing_key("", false, dir.path());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(refused.error().field, "SECRET_KEY");
  EXPECT_NE(refused.error().message.find("mode 0644"), std::string::npos);
  EXPECT_NE(refused.error().message.find("chmod 600 " + (dir / "secret_key").string()),
            std::string::npos)
      << refused.error().message;
  std::ifstream in(dir / "secret_key");
  std::string kept;
  std::getline(in, kept);
  EXPECT_EQ(kept, key);  // left as it was
  ASSERT_EQ(::chmod((dir / "secret_key").c_str(), 0600), 0);
  EXPECT_EQ(*load_signing_key("", false, dir.path()), key);
}

TEST(SigningKeyTest, KeyTooShortIsReplaced) {
  TempDir dir;
  write_file(dir / "secret_key", "short", 0600);
  auto key = load_signing_key("", false, dir.path());
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(key->size(), 64u);
  EXPECT_EQ(*load_signing_key("", false, dir.path()), *key);
  EXPECT_EQ(mode_of(dir / "secret_key"), 0600);
}

TEST(DataDirTest, CreatedPrivate) {
  TempDir dir;
  ::umask(022);
  const fs::path data = dir / "a/b/var";
  ASSERT_TRUE(ensure_private_data_dir(data).ok());
  EXPECT_TRUE(fs::is_directory(data));
  EXPECT_EQ(mode_of(data), 0700);
}

TEST(DataDirTest, ExistingDirectoryIsMadePrivate) {
  TempDir dir;
  const fs::path data = dir / "var";
  fs::create_directory(data);
  ASSERT_EQ(::chmod(data.c_str(), 0755), 0);
  ASSERT_TRUE(ensure_private_data_dir(data).ok());
  EXPECT_EQ(mode_of(data), 0700);
}

TEST(DataDirTest, FileInTheWayIsNamed) {
  TempDir dir;
  write_file(dir / "var", "not a directory", 0600);
  Status s = ensure_private_data_dir(dir / "var");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "POLYVOX_DATA_DIR");
}

}  // namespace
}  // namespace polyvox
