#include "providers/audio_cache.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <vector>

#include "core/ids.h"

namespace polyvox {
namespace {

namespace fs = std::filesystem;

// Entry file layout (DiskAudioCache::kEntryHeaderBytes, then the audio):
//   0  "PVAC"     magic
//   4  1          layout version
//   5  encoding   audio::AudioEncoding
//   6  0 0       reserved
//   8  u32 LE     sample rate
//   12 u64 LE     audio length
//   20 16 bytes   BLAKE2b-128 of bytes 0..19 and the audio
constexpr std::size_t kHeader = DiskAudioCache::kEntryHeaderBytes;
constexpr std::size_t kDigestAt = 20;
constexpr std::size_t kDigestBytes = kHeader - kDigestAt;
static_assert(kDigestBytes == crypto_generichash_BYTES_MIN);
constexpr char kMagic[] = {'P', 'V', 'A', 'C', 1};

void put_le(char* out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
}

uint64_t get_le(const char* in, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= uint64_t{static_cast<uint8_t>(in[i])} << (8 * i);
  return value;
}

void digest(const char* header, const std::string_view audio, unsigned char* out) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, kDigestBytes);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(header), kDigestAt);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(audio.data()),
                            audio.size());
  crypto_generichash_final(&state, out, kDigestBytes);
}

std::string entry_header(const audio::EncodedAudio& audio) {
  std::string header(kHeader, '\0');
  std::memcpy(header.data(), kMagic, sizeof kMagic);
  header[5] = static_cast<char>(audio.encoding);
  put_le(header.data() + 8, static_cast<uint32_t>(audio.sample_rate), 4);
  put_le(header.data() + 12, audio.bytes.size(), 8);
  digest(header.data(), audio.bytes, reinterpret_cast<unsigned char*>(header.data() + kDigestAt));
  return header;
}

// The audio of a whole entry file, or nullopt when it is truncated, damaged or of another layout.
std::optional<audio::EncodedAudio> parse_entry(const std::string& content) {
  if (content.size() < kHeader || std::memcmp(content.data(), kMagic, sizeof kMagic) != 0 ||
      get_le(content.data() + 12, 8) != content.size() - kHeader) {
    return std::nullopt;
  }
  const std::string_view audio_bytes = std::string_view(content).substr(kHeader);
  unsigned char expected[kDigestBytes];
  digest(content.data(), audio_bytes, expected);
  if (std::memcmp(expected, content.data() + kDigestAt, kDigestBytes) != 0) return std::nullopt;
  audio::EncodedAudio audio;
  audio.encoding = static_cast<audio::AudioEncoding>(content[5]);
  audio.sample_rate = static_cast<int>(get_le(content.data() + 8, 4));
  audio.bytes = std::string(audio_bytes);
  return audio;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A file's access and modification times both at `ns`: its last use.
std::array<timespec, 2> used_at(int64_t ns) {
  const timespec at{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  return {at, at};
}

int64_t mtime_ns(const struct stat& st) {
  return int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// The whole content of the open file `fd` of `size` bytes; nullopt when it reads short.
std::optional<std::string> read_all(int fd, std::size_t size) {
  std::string content(size, '\0');
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, content.data() + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    done += static_cast<std::size_t>(n);
  }
  return content;
}

std::string to_hex(const unsigned char* bytes, std::size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
  return out;
}

void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  (void)ready;
}

bool is_key(const std::string& name) {
  return name.size() == 64 && name.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

std::string audio_cache_key(const std::string& identity, const std::string& voice_id,
                            const std::string& text, const std::string& neighbours, double speed,
                            const std::string& instructions) {
  ensure_sodium();
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  // Length-prefixed fields: no two different tuples hash the same input. No neighbours: the
  // key of the three fields alone, as before neighbours were part of it. A speed field is told
  // from a neighbours field by its prefix, which no neighbours field has (they start with a
  // length: worker/block_renderer.cpp); so is an instructions field.
  std::vector<const std::string*> fields{&identity, &voice_id, &text};
  if (!neighbours.empty()) fields.push_back(&neighbours);
  std::string speed_field;
  if (speed != 1.0) {
    char digits[32];
    const auto [end, error] = std::to_chars(digits, digits + sizeof digits, speed);
    speed_field = "speed=" + std::string(digits, end);
    fields.push_back(&speed_field);
  }
  std::string instructions_field;
  if (!instructions.empty()) {
    instructions_field = "instructions=" + instructions;
    fields.push_back(&instructions_field);
  }
  for (const std::string* field : fields) {
    const uint64_t size = field->size();
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(&size), sizeof size);
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(field->data()),
                              field->size());
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  return to_hex(digest, sizeof digest);
}

DiskAudioCache::DiskAudioCache(fs::path dir, uint64_t max_bytes, MetricsRegistry* metrics)
    : dir_(std::move(dir)),
      max_bytes_(max_bytes),
      relist_after_bytes_(std::max<uint64_t>(1, max_bytes / 20)) {
  ensure_sodium();
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (metrics) {
    hits_ = &metrics->counter("polyvox_audio_cache_hits_total", "Audio cache hits").with({});
    misses_ = &metrics->counter("polyvox_audio_cache_misses_total", "Audio cache misses").with({});
  }
  std::lock_guard lock(mutex_);
  relist_locked();
  evict_locked();
}

fs::path DiskAudioCache::path_of(const std::string& key) const {
  return dir_ / key.substr(0, 2) / key;
}

void DiskAudioCache::note_locked(const std::string& key, uint64_t bytes, int64_t used_ns) {
  forget_locked(key);
  seen_.emplace(key, Seen{bytes, used_ns});
  by_use_.emplace(used_ns, key);
  total_bytes_ += bytes;
}

void DiskAudioCache::forget_locked(const std::string& key) {
  auto it = seen_.find(key);
  if (it == seen_.end()) return;
  total_bytes_ -= it->second.bytes;
  by_use_.erase({it->second.used_ns, key});
  seen_.erase(it);
}

void DiskAudioCache::relist_locked() {
  seen_.clear();
  by_use_.clear();
  total_bytes_ = 0;
  written_since_listing_ = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    struct stat st {};
    if (!is_key(name) || ::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    note_locked(name, static_cast<uint64_t>(st.st_size), mtime_ns(st));
  }
}

void DiskAudioCache::evict_locked() {
  // Each entry is looked at again at most once per call (another process used it meanwhile).
  std::size_t rechecks = seen_.size();
  while (total_bytes_ > max_bytes_ && !by_use_.empty()) {
    const auto [used_ns, key] = *by_use_.begin();
    const fs::path path = path_of(key);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
      forget_locked(key);  // evicted or discarded by another process
      continue;
    }
    if (mtime_ns(st) > used_ns && rechecks > 0) {
      --rechecks;
      note_locked(key, static_cast<uint64_t>(st.st_size), mtime_ns(st));
      continue;
    }
    ::unlink(path.c_str());
    forget_locked(key);
  }
}

void DiskAudioCache::discard(const std::string& key, const fs::path& path, int fd) {
  struct stat open_file {
  }, named{};
  // Only the file read: a writer may have renamed a good entry over it since it was opened.
  if (::fstat(fd, &open_file) == 0 && ::lstat(path.c_str(), &named) == 0 &&
      open_file.st_ino == named.st_ino && open_file.st_dev == named.st_dev) {
    ::unlink(path.c_str());
  }
  std::lock_guard lock(mutex_);
  forget_locked(key);
}

std::optional<audio::EncodedAudio> DiskAudioCache::get(const std::string& key) {
  const auto miss = [this]() -> std::optional<audio::EncodedAudio> {
    if (misses_) misses_->add();
    return std::nullopt;
  };
  if (!is_key(key)) return miss();
  const fs::path path = path_of(key);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::lock_guard lock(mutex_);
    forget_locked(key);
    return miss();
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<uint64_t>(st.st_size) > max_bytes_ + kHeader) {
    ::close(fd);  // not read: an entry of a process configured with a larger bound
    return miss();
  }
  std::optional<audio::EncodedAudio> audio;
  if (auto content = read_all(fd, static_cast<std::size_t>(st.st_size))) {
    audio = parse_entry(*content);
  }
  if (!audio) {
    discard(key, path, fd);
    ::close(fd);
    return miss();
  }
  const int64_t used = now_ns();
  (void)::futimens(fd, used_at(used).data());
  ::close(fd);
  {
    std::lock_guard lock(mutex_);
    note_locked(key, static_cast<uint64_t>(st.st_size), used);
  }
  if (hits_) hits_->add();
  return audio;
}

void DiskAudioCache::put(const std::string& key, const audio::EncodedAudio& audio) {
  const uint64_t bytes = audio.bytes.size() + kHeader;
  if (!is_key(key) || bytes > max_bytes_) return;
  const fs::path path = path_of(key);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  const std::string temp = path.string() + ".tmp-" + random_hex(6);
  const int64_t used = now_ns();
  bool written;
  {
    // No fsync: a cache entry may be lost; one damaged by a crash is found out by its digest.
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << entry_header(audio);
    out.write(audio.bytes.data(), static_cast<std::streamsize>(audio.bytes.size()));
    written = static_cast<bool>(out.flush());
  }
  if (written) (void)::utimensat(AT_FDCWD, temp.c_str(), used_at(used).data(), 0);
  if (!written || ::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    return;
  }
  std::lock_guard lock(mutex_);
  note_locked(key, bytes, used);
  written_since_listing_ += bytes;
  if (written_since_listing_ >= relist_after_bytes_) relist_locked();
  evict_locked();
}

uint64_t DiskAudioCache::size_bytes() const {
  std::lock_guard lock(mutex_);
  return total_bytes_;
}

std::size_t DiskAudioCache::entries() const {
  std::lock_guard lock(mutex_);
  return seen_.size();
}

}  // namespace polyvox
