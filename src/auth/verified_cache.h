// A small cache of credentials verified against the stores, so that a client sending the same
// credential on every request costs one store read per max_age_ms rather than one per request.
// An entry is served only while younger than max_age_ms on the caller's clock (a clock that went
// back is no reason to trust it longer); the cache holds at most max_entries (the expired ones
// are dropped first when it is full, then everything). Revocation on this node erases entries;
// an erase also bumps the cache's generation, and a put made with a generation read before the
// erase is ignored, so a verification that raced a revocation cannot bring the entry back.
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace polyvox {

template <typename Value>
class VerifiedCache {
 public:
  VerifiedCache(int64_t max_age_ms, std::size_t max_entries)
      : max_age_ms_(max_age_ms), max_entries_(max_entries) {}

  // The value stored under `key` when it was verified less than max_age_ms before `now_ms`.
  std::optional<Value> find(const std::string& key, int64_t now_ms) const {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end() || !fresh(it->second, now_ms)) return std::nullopt;
    return it->second.value;
  }

  // What to pass to put(): read before the stores are.
  uint64_t generation() const {
    std::lock_guard lock(mutex_);
    return generation_;
  }

  // Stores `value`, verified at `now_ms`, unless an erase happened since `generation` was read.
  void put(const std::string& key, Value value, int64_t now_ms, uint64_t generation) {
    if (max_age_ms_ <= 0 || max_entries_ == 0) return;
    std::lock_guard lock(mutex_);
    if (generation != generation_) return;
    if (entries_.size() >= max_entries_ && !entries_.contains(key)) {
      std::erase_if(entries_, [&](const auto& entry) { return !fresh(entry.second, now_ms); });
      if (entries_.size() >= max_entries_) entries_.clear();
    }
    entries_.insert_or_assign(key, Entry{std::move(value), now_ms});
  }

  // Forgets `key` (and makes puts begun before this call ineffective).
  void erase(const std::string& key) {
    std::lock_guard lock(mutex_);
    entries_.erase(key);
    ++generation_;
  }

  // Forgets every entry whose value `matches` (as erase()).
  template <typename Predicate>
  void erase_if(Predicate matches) {
    std::lock_guard lock(mutex_);
    std::erase_if(entries_, [&](const auto& entry) { return matches(entry.second.value); });
    ++generation_;
  }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }

 private:
  struct Entry {
    Value value;
    int64_t verified_at_ms = 0;
  };

  bool fresh(const Entry& entry, int64_t now_ms) const {
    return now_ms >= entry.verified_at_ms && now_ms - entry.verified_at_ms < max_age_ms_;
  }

  const int64_t max_age_ms_;
  const std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // by credential hash
  uint64_t generation_ = 0;
};

}  // namespace polyvox
