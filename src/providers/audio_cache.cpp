#include "providers/audio_cache.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <vector>

#include "core/ids.h"

namespace polyvox {
namespace {

namespace fs = std::filesystem;

// Entry file layout: 1 byte encoding, 4 bytes sample rate (little endian), then the bytes.
constexpr std::size_t kHeader = 5;

std::string to_hex(const unsigned char* bytes, std::size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
  return out;
}

bool is_key(const std::string& name) {
  return name.size() == 64 && name.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

std::string audio_cache_key(const std::string& identity, const std::string& voice_id,
                            const std::string& text, const std::string& neighbours) {
  static const bool sodium_ready = sodium_init() >= 0;
  (void)sodium_ready;
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  // Length-prefixed fields: no two different tuples hash the same input. No neighbours: the
  // key of the three fields alone, as before neighbours were part of it.
  std::vector<const std::string*> fields{&identity, &voice_id, &text};
  if (!neighbours.empty()) fields.push_back(&neighbours);
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
    : dir_(std::move(dir)), max_bytes_(max_bytes) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  struct Found {
    std::string key;
    uint64_t bytes;
    int64_t accessed;
  };
  std::vector<Found> found;
  for (auto it = fs::recursive_directory_iterator(dir_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    struct stat st {};
    if (!is_key(name) || ::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    found.push_back({name, static_cast<uint64_t>(st.st_size), int64_t{st.st_atim.tv_sec}});
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.accessed > b.accessed; });
  for (const auto& f : found) {
    lru_.push_back(f.key);
    index_[f.key] = Entry{f.bytes, std::prev(lru_.end())};
    total_bytes_ += f.bytes;
  }
  std::lock_guard lock(mutex_);
  evict_locked();
  if (metrics) {
    hits_ = &metrics->counter("polyvox_audio_cache_hits_total", "Audio cache hits").with({});
    misses_ = &metrics->counter("polyvox_audio_cache_misses_total", "Audio cache misses").with({});
  }
}

fs::path DiskAudioCache::path_of(const std::string& key) const {
  return dir_ / key.substr(0, 2) / key;
}

std::optional<audio::EncodedAudio> DiskAudioCache::get(const std::string& key) {
  {
    std::lock_guard lock(mutex_);
    auto it = index_.find(key);
    if (it == index_.end()) {
      if (misses_) misses_->add();
      return std::nullopt;
    }
    lru_.splice(lru_.begin(), lru_, it->second.position);  // most recently used
  }
  std::ifstream in(path_of(key), std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), {});
  if (content.size() < kHeader) {
    if (misses_) misses_->add();
    return std::nullopt;  // evicted meanwhile or damaged
  }
  audio::EncodedAudio audio;
  audio.encoding = static_cast<audio::AudioEncoding>(content[0]);
  audio.sample_rate =
      static_cast<int>(static_cast<uint8_t>(content[1]) | (static_cast<uint8_t>(content[2]) << 8) |
                       (static_cast<uint8_t>(content[3]) << 16) |
                       (static_cast<uint32_t>(static_cast<uint8_t>(content[4])) << 24));
  audio.bytes = content.substr(kHeader);
  if (hits_) hits_->add();
  return audio;
}

void DiskAudioCache::put(const std::string& key, const audio::EncodedAudio& audio) {
  if (!is_key(key) || audio.bytes.size() + kHeader > max_bytes_) return;
  const fs::path path = path_of(key);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  const std::string temp = path.string() + ".tmp-" + random_hex(4);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    const auto rate = static_cast<uint32_t>(audio.sample_rate);
    const char header[kHeader] = {static_cast<char>(audio.encoding), static_cast<char>(rate & 0xFF),
                                  static_cast<char>((rate >> 8) & 0xFF),
                                  static_cast<char>((rate >> 16) & 0xFF),
                                  static_cast<char>((rate >> 24) & 0xFF)};
    out.write(header, kHeader);
    out.write(audio.bytes.data(), static_cast<std::streamsize>(audio.bytes.size()));
    if (!out.flush()) {
      fs::remove(temp, ec);
      return;
    }
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    fs::remove(temp, ec);
    return;
  }
  std::lock_guard lock(mutex_);
  const uint64_t bytes = audio.bytes.size() + kHeader;
  auto it = index_.find(key);
  if (it != index_.end()) {
    total_bytes_ -= it->second.bytes;
    lru_.erase(it->second.position);
    index_.erase(it);
  }
  lru_.push_front(key);
  index_[key] = Entry{bytes, lru_.begin()};
  total_bytes_ += bytes;
  evict_locked();
}

void DiskAudioCache::evict_locked() {
  while (total_bytes_ > max_bytes_ && !lru_.empty()) {
    const std::string victim = lru_.back();
    lru_.pop_back();
    auto it = index_.find(victim);
    if (it != index_.end()) {
      total_bytes_ -= it->second.bytes;
      index_.erase(it);
    }
    std::error_code ec;
    fs::remove(path_of(victim), ec);
  }
}

uint64_t DiskAudioCache::size_bytes() const {
  std::lock_guard lock(mutex_);
  return total_bytes_;
}

std::size_t DiskAudioCache::entries() const {
  std::lock_guard lock(mutex_);
  return index_.size();
}

}  // namespace polyvox
