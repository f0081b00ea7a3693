#include "auth/signing_key.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>

#include "core/ids.h"

namespace polyvox {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMinKeyLength = 32;

Error io_error(const std::string& what, const fs::path& path) {
  return Error{ErrorKind::kIo, "cannot " + what + " " + path.string() + ": " + std::strerror(errno),
               ""};
}

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Writes `key` to a new file beside `path` (mode 0600, fsynced) and returns its name.
Result<fs::path> write_temporary(const fs::path& path, const std::string& key) {
  const fs::path temporary = path.string() + ".tmp-" + random_hex(6);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("create", temporary);
  const bool written = ::fchmod(fd, 0600) == 0 &&
                       ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) &&
                       ::fsync(fd) == 0;
  const Error failure = io_error("write", temporary);
  ::close(fd);
  if (!written) {
    ::unlink(temporary.c_str());
    return failure;
  }
  return temporary;
}

// Makes the directory entry of a file just moved into `dir` durable.
void sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// An exclusive lock on directory `dir` (flock on the directory itself) while it lives: processes
// that find the key missing or too short take turns to create it, so that the next one finds the
// first one's key instead of replacing it (without it, one that read no key, then saw the file
// another had just linked into place, took it for a short key and renamed its own over it).
class DirectoryLock {
 public:
  explicit DirectoryLock(const fs::path& dir)
      : fd_(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    while (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  ~DirectoryLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  int fd_;
};

// The key in `path` when it has one (nullopt when the file is missing or its key is too short);
// kInvalidInput when the file's mode lets its group or others in.
Result<std::optional<std::string>> read_key_file(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return io_error("read", path);
  }
  if ((st.st_mode & 077) != 0) {
    return invalid_input("SECRET_KEY", path.string() + " has mode " + octal_mode(st.st_mode) +
                                           ": its group and others may read the token signing "
                                           "key; run chmod 600 " +
                                           path.string() + " (or set SECRET_KEY)");
  }
  std::ifstream in(path);
  std::string key;
  if (!in) return io_error("read", path);
  if (std::getline(in, key) && key.size() >= kMinKeyLength) return std::optional<std::string>(key);
  return std::optional<std::string>();
}

}  // namespace

Status ensure_private_data_dir(const fs::path& data_dir) {
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) {
    return invalid_input("POLYVOX_DATA_DIR",
                         "cannot create " + data_dir.string() + ": " + ec.message());
  }
  struct stat st {};
  if (::stat(data_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return invalid_input("POLYVOX_DATA_DIR", data_dir.string() + " is not a directory");
  }
  if ((st.st_mode & 077) == 0) return Status::success();
  // Made private only when it is the service's own: a directory shared by everyone (sticky bit,
  // as /tmp) or another user's keeps its mode, and the service does not start in it.
  const std::string dir = data_dir.string();
  const std::string own = "choose a directory of its own, such as " +
                          (data_dir / "polyvox").string() + " (created with mode 0700)";
  if ((st.st_mode & S_ISVTX) != 0) {
    return invalid_input("POLYVOX_DATA_DIR", dir + " has mode " + octal_mode(st.st_mode) +
                                                 ": a directory shared by everyone (sticky bit) "
                                                 "is not made private and is left as it is; " +
                                                 own);
  }
  if (st.st_uid != ::geteuid()) {
    return invalid_input("POLYVOX_DATA_DIR",
                         dir + " has mode " + octal_mode(st.st_mode) + " and belongs to user " +
                             std::to_string(st.st_uid) + ", not to this process's user (" +
                             std::to_string(::geteuid()) +
                             "): it is left as it is; if it is meant for the service alone, "
                             "chown it to that user and chmod 700 " +
                             dir + ", or " + own);
  }
  if (::chmod(data_dir.c_str(), st.st_mode & 07700) != 0) {
    return invalid_input("POLYVOX_DATA_DIR", dir + " has mode " + octal_mode(st.st_mode) +
                                                 " and cannot be made private (0700): " +
                                                 std::strerror(errno) + "; " + own);
  }
  return Status::success();
}

Result<std::string> load_signing_key(const std::string& configured, bool distributed,
                                     const fs::path& data_dir) {
  if (configured.empty() && distributed) {
    return invalid_input("SECRET_KEY", "must be set in distributed mode (REDIS_URL)");
  }
  if (!configured.empty()) {
    if (configured.size() < kMinKeyLength) {
      return invalid_input("SECRET_KEY", "must be at least 32 characters");
    }
    return configured;
  }
  const fs::path path = data_dir / "secret_key";
  const DirectoryLock lock(data_dir);  // released on return: the key is in place by then
  auto existing = read_key_file(path);
  if (!existing) return existing.take_error();
  if (*existing) return **existing;
  const bool replacing = fs::exists(path);  // a key too short to use
  const std::string key = random_hex(32);
  auto temporary = write_temporary(path, key);
  if (!temporary) return temporary.take_error();
  // link() creates `path` only if it does not exist: of two processes creating the key at
  // once, the second finds the first one's. rename() replaces a key that was too short.
  const int moved = replacing ? ::rename(temporary->c_str(), path.c_str())
                              : ::link(temporary->c_str(), path.c_str());
  const int error = errno;
  ::unlink(temporary->c_str());
  if (moved != 0) {
    errno = error;
    if (error != EEXIST) return io_error("write", path);
    auto theirs = read_key_file(path);
    if (!theirs) return theirs.take_error();
    if (!*theirs) return Error{ErrorKind::kIo, "another process is writing " + path.string(), ""};
    return **theirs;
  }
  sync_directory(data_dir);
  return key;
}

}  // namespace polyvox
