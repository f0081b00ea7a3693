// Files of the commands that read a job and write a result: the input read whole (a path, or
// "-" for stdin), and an output written beside its target and renamed into place, so that a
// target is never left half written.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "core/error.h"

namespace polyvox {

// The whole of `path`, or of stdin for "-". kInvalidInput naming `field` when it cannot be read.
Result<std::string> read_input_file(const std::string& path, const std::string& field);

// A file beside the target that becomes the target only on success; removed otherwise (also when
// the object is destroyed uncommitted). Not thread-safe.
class PendingFile {
 public:
  // A new temporary file ".<name>.XXXXXX" in the target's directory, with the mode any new file
  // gets (0666 minus the umask). kInvalidInput naming "output" when it cannot be created.
  static Result<PendingFile> create(const std::filesystem::path& target);

  PendingFile(PendingFile&& other) noexcept;
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;
  PendingFile& operator=(PendingFile&&) = delete;
  ~PendingFile();

  // Where to write. REQUIRES: neither commit has been called.
  std::FILE* file() const { return file_; }

  // Makes `source` (a file on the target's file system) the target instead of what was written
  // here: with the mode a new file gets, synced, renamed into place. kIo naming the target.
  Status commit_from(const std::filesystem::path& source);

  // Makes what was written the target: flushed, synced, renamed into place. kIo naming the
  // target (the temporary file is then removed).
  Status commit();

 private:
  PendingFile(std::filesystem::path target, std::string temp, std::FILE* file, mode_t mode)
      : target_(std::move(target)), temp_(std::move(temp)), file_(file), mode_(mode) {}

  std::filesystem::path target_;
  std::string temp_;
  std::FILE* file_;
  mode_t mode_;
};

}  // namespace polyvox
