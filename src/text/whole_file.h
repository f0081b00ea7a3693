// Reads the diacritizer's files (weights, lexicon) whole, in a few read calls, into memory on
// huge pages (huge_pages.h): they are megabytes, read once at load.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <new>
#include <optional>
#include <string>
#include <string_view>

#include "text/huge_pages.h"

namespace polyvox {

// The bytes of `path` (a regular file; the bytes present when it is read, should it shrink
// meanwhile); nullopt when it cannot be opened or read, or is not a regular file.
inline std::optional<HugeBytes> read_whole_file(const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is then refused below).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0) return std::nullopt;
  HugeBytes bytes(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  bytes.shrink_to(got);
  return bytes;
}

// parse(bytes) of the bytes of `path`, or fail(why) when it cannot be read or it, or what parse
// builds from it, does not fit in memory (std::bad_alloc).
template <typename Parse, typename Fail>
auto parse_whole_file(const std::string& path, Parse parse, Fail fail)
    -> decltype(parse(std::string_view())) {
  try {
    const auto bytes = read_whole_file(path);
    if (!bytes) return fail("cannot be read");
    return parse(bytes->view());
  } catch (const std::bad_alloc&) {
    return fail("does not fit in memory");
  }
}

}  // namespace polyvox
