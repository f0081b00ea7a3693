// The token signing key and the data directory that keeps it: a configured key is used as it is;
// a generated one is written once with mode 0600 and read back at the next start; a key file
// others may read is refused, naming the file and the fix; the data directory is private, and
// one open to others is made so only when it is the service's own.
#include "auth/signing_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

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

// The keys that `processes` processes, released at once, got from load_signing_key in `dir`
// ("error: ..." for a failure): each a forked child that waits for the parent's go.
std::vector<std::string> keys_loaded_at_once(const fs::path& dir, int processes) {
  int go[2];
  EXPECT_EQ(::pipe(go), 0);
  std::vector<std::pair<pid_t, int>> children;  // pid, read end of its answer
  for (int i = 0; i < processes; ++i) {
    int answer[2];
    EXPECT_EQ(::pipe(answer), 0);
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(go[1]);
      ::close(answer[0]);
      char byte;
      (void)!::read(go[0], &byte, 1);  // returns when the parent closes its end: all at once
      auto key = load_signing_key("", false, dir);
      const std::string text = key.ok() ? *key : "error: " + key.error().message;
      (void)!::write(answer[1], text.data(), text.size());
      ::_exit(0);
    }
    ::close(answer[1]);
    children.emplace_back(pid, answer[0]);
  }
  ::close(go[0]);
  ::close(go[1]);  // go
  std::vector<std::string> keys;
  for (const auto& [pid, fd] : children) {
    std::string text;
    char buffer[256];
    for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) text.append(buffer, n);
    ::close(fd);
    int status = 0;
    ::waitpid(pid, &status, 0);
    keys.push_back(text);
  }
  return keys;
}

// Processes starting together (serve and a users command, several workers on one directory)
// all end with the one key the file keeps, mode 0600, no temporary file left: whether they
// create the file or replace a key too short to use.
TEST(SigningKeyTest, ProcessesCreatingTheKeyAtOnceAllUseTheKeyTheFileKeeps) {
  for (const bool replacing : {false, true}) {
    for (int round = 0; round < 10; ++round) {
      TempDir dir;
      if (replacing) write_file(dir / "secret_key", "short", 0600);
      const std::vector<std::string> keys = keys_loaded_at_once(dir.path(), 8);
      std::ifstream in(dir / "secret_key");
      std::string kept;
      std::getline(in, kept);
      ASSERT_EQ(kept.size(), 64u) << kept;
      for (const std::string& key : keys) {
        ASSERT_EQ(key, kept) << (replacing ? "replacing" : "creating") << ", round " << round;
      }
      EXPECT_EQ(mode_of(dir / "secret_key"), 0600);
      EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), {}), 1)
          << "a temporary file was left";
    }
  }
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

// A directory shared by everyone (sticky bit, as /tmp) is not the service's to change: refused
// naming its mode and a directory of its own to use instead, and left as it was.
TEST(DataDirTest, SharedDirectoryIsRefusedAndLeftAsItIs) {
  TempDir dir;
  const fs::path shared = dir / "shared";
  fs::create_directory(shared);
  ASSERT_EQ(::chmod(shared.c_str(), 01777), 0);
  Status s = ensure_private_data_dir(shared);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "POLYVOX_DATA_DIR");
  EXPECT_NE(s.error().message.find(shared.string() + " has mode 1777"), std::string::npos)
      << s.error().message;
  EXPECT_NE(s.error().message.find("such as " + (shared / "polyvox").string()), std::string::npos)
      << s.error().message;
  EXPECT_EQ(mode_of(shared), 01777);
  // The directory it suggests is created private.
  ASSERT_TRUE(ensure_private_data_dir(shared / "polyvox").ok());
  EXPECT_EQ(mode_of(shared / "polyvox"), 0700);
}

// Another user's directory (a home the service's user may read) keeps its mode: refused naming
// the owner and the fix. Root can make such a directory; another user cannot.
TEST(DataDirTest, AnotherUsersDirectoryIsRefusedAndLeftAsItIs) {
  if (::geteuid() != 0) GTEST_SKIP() << "only root can give a directory to another user";
  TempDir dir;
  const fs::path theirs = dir / "theirs";
  fs::create_directory(theirs);
  ASSERT_EQ(::chmod(theirs.c_str(), 0755), 0);
  ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);
  Status s = ensure_private_data_dir(theirs);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "POLYVOX_DATA_DIR");
  EXPECT_NE(s.error().message.find(theirs.string() + " has mode 0755 and belongs to user 65534"),
            std::string::npos)
      << s.error().message;
  EXPECT_NE(s.error().message.find("chmod 700 " + theirs.string()), std::string::npos)
      << s.error().message;
  EXPECT_EQ(mode_of(theirs), 0755);
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
