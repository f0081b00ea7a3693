#include "app/cli_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace polyvox {
namespace {

namespace fs = std::filesystem;

// The mode of a new file: 0666 minus the umask.
mode_t new_file_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

}  // namespace

Result<std::string> read_input_file(const std::string& path, const std::string& field) {
  std::ostringstream content;
  if (path == "-") {
    content << std::cin.rdbuf();
    return content.str();
  }
  std::error_code ec;
  if (fs::is_directory(path, ec)) return invalid_input(field, "'" + path + "' is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid_input(field, "cannot read '" + path + "': " + std::strerror(errno));
  content << in.rdbuf();
  return content.str();
}

Result<PendingFile> PendingFile::create(const fs::path& target) {
  if (target.empty()) return invalid_input("output", "no output path");
  // Refused now, before any work: the rename that ends the write would fail only then.
  std::error_code ec;
  if (!target.has_filename() || fs::is_directory(target, ec)) {
    return invalid_input("output", "'" + target.string() + "' is a directory: name a file");
  }
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::string pattern = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) {
    return invalid_input("output",
                         "cannot write '" + target.string() + "': " + std::strerror(errno));
  }
  // mkstemp makes the file 0600; the output gets the mode any new file would (0666 - umask).
  const mode_t mode = new_file_mode();
  (void)::fchmod(fd, mode);
  std::FILE* file = ::fdopen(fd, "w+b");
  if (!file) {
    ::close(fd);
    ::unlink(pattern.c_str());
    return Error{ErrorKind::kIo, "cannot open a temporary file", ""};
  }
  return PendingFile(target, pattern, file, mode);
}

PendingFile::PendingFile(PendingFile&& other) noexcept
    : target_(std::move(other.target_)),
      temp_(std::move(other.temp_)),
      file_(other.file_),
      mode_(other.mode_) {
  other.file_ = nullptr;
  other.temp_.clear();
}

PendingFile::~PendingFile() {
  if (file_) std::fclose(file_);
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

Status PendingFile::commit_from(const fs::path& source) {
  std::fclose(file_);
  file_ = nullptr;
  const int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  const bool synced = fd >= 0 && ::fchmod(fd, mode_) == 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!synced || ::rename(source.c_str(), target_.c_str()) != 0) {
    return Error{ErrorKind::kIo, "cannot write '" + target_.string() + "'", "output"};
  }
  ::unlink(temp_.c_str());
  temp_.clear();
  return Status::success();
}

Status PendingFile::commit() {
  const bool synced = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!synced || !closed || ::rename(temp_.c_str(), target_.c_str()) != 0) {
    return Error{ErrorKind::kIo, "cannot write '" + target_.string() + "'", "output"};
  }
  temp_.clear();
  return Status::success();
}

}  // namespace polyvox
