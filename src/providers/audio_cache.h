// The content-addressed audio cache: a provider's answer stored under a hash of everything that
// determined it (Provider::cache_identity, the voice, the exact text sent), so that a repeated
// block costs no provider call, in the same job or any later one. On local disk, bounded in size
// with least-recently-used eviction.
#pragma once

#include <cstdint>
#include <filesystem>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

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
// changes its answer; empty = none (the key is then the same as without it).
std::string audio_cache_key(const std::string& identity, const std::string& voice_id,
                            const std::string& text, const std::string& neighbours = {});

class DiskAudioCache : public AudioCache {
 public:
  // Files live under `dir` (created); existing entries are indexed at start, oldest access
  // first. `max_bytes` bounds the total size of the entries (AUDIO_CACHE_MAX_BYTES).
  DiskAudioCache(std::filesystem::path dir, uint64_t max_bytes, MetricsRegistry* metrics = nullptr);

  std::optional<audio::EncodedAudio> get(const std::string& key) override;
  void put(const std::string& key, const audio::EncodedAudio& audio) override;

  uint64_t size_bytes() const;
  std::size_t entries() const;

 private:
  struct Entry {
    uint64_t bytes = 0;
    std::list<std::string>::iterator position;  // in lru_, most recent at the front
  };
  std::filesystem::path path_of(const std::string& key) const;
  void evict_locked();

  std::filesystem::path dir_;
  uint64_t max_bytes_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> index_;
  std::list<std::string> lru_;
  uint64_t total_bytes_ = 0;
  Counter* hits_ = nullptr;
  Counter* misses_ = nullptr;
};

}  // namespace polyvox
