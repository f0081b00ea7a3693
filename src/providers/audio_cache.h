// The content-addressed audio cache: a provider's answer stored under a hash of everything that
// determined it (Provider::cache_identity, the voice, the exact text sent), so that a repeated
// block costs no provider call, in the same job or any later one, in any process sharing the
// cache directory. On local disk, bounded in bytes, least recently used first out.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "audio/pcm.h"
#include "core/metrics.h"

namespace polyvox {

class AudioCache {
 public:
  virtual ~AudioCache() = default;
  // The cached answer for `key`, or nullopt. Thread-safe.
  virtual std::optional<audio::EncodedAudio> get(const std::string& key) = 0;
  // Stores an answer (best effort: a failure to store is not an error). Thread-safe.
  virtual void put(const std::string& key, const audio::EncodedAudio& audio) = 0;
};

// The key for an answer: SHA-256 of the identity, voice and text, hex. `neighbours`: the
// neighbouring text a provider that uses it was sent (Provider::uses_neighbour_text), which
// changes its answer; empty = none (the key is then the same as without it). `speed`: the
// SynthesisRequest::speed the provider was asked for; 1.0 adds nothing to the key (the key of
// an answer at the normal pace is the same as before speeds existed). `instructions`: the
// SynthesisRequest::instructions the provider was sent; empty adds nothing.
std::string audio_cache_key(const std::string& identity, const std::string& voice_id,
                            const std::string& text, const std::string& neighbours = {},
                            double speed = 1.0, const std::string& instructions = {});

// One file per entry, `<dir>/<first two hex digits>/<key>`, shared by every process given the
// same directory (serve and workers). The directory is the truth; each instance keeps a view of
// it (sizes and last uses) to choose what to evict without listing it on every write.
//
// ACROSS PROCESSES
//   - A write goes to a temporary file beside the entry, renamed over it: a reader opens the old
//     entry or the new one, never a part. A temporary left by a crash is not an entry (cleanup
//     reclaims it after TEMP_RETENTION_SECONDS).
//   - Each entry carries its length and a digest (BLAKE2b) of its header and audio: a truncated
//     or corrupted file (a crash without fsync, a full disk, a hand edit) is a miss, and removed.
//   - Last use is the file's mtime, set on write and on every hit (whichever process reads it).
//   - Eviction unlinks files; a reader that opened one before keeps reading it (POSIX).
//   - The byte bound holds approximately: an instance counts its own writes and relists the
//     directory after writing max_bytes / 20 since its last listing (learning the others'
//     writes and evictions), then evicts the least recently used entries it knows of until its
//     count is under max_bytes, checking each file's mtime first (one another process used
//     since is kept). With P processes writing, the directory exceeds max_bytes by at most about
//     P * max_bytes / 20 between listings.
class DiskAudioCache : public AudioCache {
 public:
  // Bytes an entry's file holds besides the audio.
  static constexpr std::size_t kEntryHeaderBytes = 36;

  // Files live under `dir` (created), listed now. `max_bytes` bounds the total size of the entry
  // files (AUDIO_CACHE_MAX_BYTES); an answer larger than that is not stored.
  DiskAudioCache(std::filesystem::path dir, uint64_t max_bytes, MetricsRegistry* metrics = nullptr);

  std::optional<audio::EncodedAudio> get(const std::string& key) override;
  void put(const std::string& key, const audio::EncodedAudio& audio) override;

  // The entries and their bytes as this instance sees the directory: its last listing, with what
  // it did and found since. Thread-safe.
  uint64_t size_bytes() const;
  std::size_t entries() const;

 private:
  struct Seen {
    uint64_t bytes = 0;
    int64_t used_ns = 0;  // the file's mtime as last seen or set
  };
  std::filesystem::path path_of(const std::string& key) const;
  // Records that `key`'s file is `bytes` long and was used at `used_ns` (replacing what was
  // known of it); forget() drops it.
  void note_locked(const std::string& key, uint64_t bytes, int64_t used_ns);
  void forget_locked(const std::string& key);
  // Replaces the view with a listing of the directory.
  void relist_locked();
  // Evicts least recently used entries until the view is under max_bytes_.
  void evict_locked();
  // Removes the damaged file open as `fd` at `path` (unless another writer replaced it meanwhile)
  // and forgets it.
  void discard(const std::string& key, const std::filesystem::path& path, int fd);

  std::filesystem::path dir_;
  uint64_t max_bytes_;
  uint64_t relist_after_bytes_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Seen> seen_;
  std::set<std::pair<int64_t, std::string>> by_use_;  // (used_ns, key), least recent first
  uint64_t total_bytes_ = 0;
  uint64_t written_since_listing_ = 0;
  Counter* hits_ = nullptr;
  Counter* misses_ = nullptr;
};

}  // namespace polyvox
