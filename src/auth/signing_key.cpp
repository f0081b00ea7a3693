#include "auth/signing_key.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>

#include "core/ids.h"

namespace polyvox {

Result<std::string> load_signing_key(const std::string& configured, bool distributed,
                                     const std::filesystem::path& data_dir) {
  if (configured.empty() && distributed) {
    return invalid_input("SECRET_KEY", "must be set in distributed mode (REDIS_URL)");
  }
  if (!configured.empty()) {
    if (configured.size() < 32) {
      return invalid_input("SECRET_KEY", "must be at least 32 characters");
    }
    return configured;
  }
  const std::filesystem::path path = data_dir / "secret_key";
  std::ifstream in(path);
  std::string key;
  if (in && std::getline(in, key) && key.size() >= 32) return key;
  key = random_hex(32);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::write(fd, key.data(), key.size()) != static_cast<ssize_t>(key.size()) ||
      ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return Error{ErrorKind::kIo, "cannot write " + path.string(), ""};
  }
  ::close(fd);
  return key;
}

}  // namespace polyvox
