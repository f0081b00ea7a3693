// Values read from the Database kept for the hottest reads: the job a client polls and the user
// behind each bearer token, so that a repeated poll costs a lookup instead of two SQLite read
// transactions.
//
// Coherence: a value is served again only while no transaction has committed through this
// process's writer since it was read (the writer's generation, GroupCommitWriter::generation()),
// so what this process writes — every job and block change in embedded mode — is seen by the
// next read. What another process writes to the file (`polyvox users remove`) is seen within
// `max_age`, after which values are read again. Bounded: at most `max_cost` (units chosen by
// the caller's cost function) is kept; an insert beyond that empties the cache first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/clock.h"
#include "core/error.h"
#include "jobs/sqlite/sqlite_database.h"

namespace polyvox::sqlite {

template <typename V>
class ReadCache {
 public:
  ReadCache(const Clock& clock, int64_t max_age_ms, std::size_t max_cost)
      : clock_(clock), max_age_ms_(max_age_ms), max_cost_(max_cost) {}
  ReadCache(const ReadCache&) = delete;
  ReadCache& operator=(const ReadCache&) = delete;

  // Drops the entries that get() would read again anyway (older than max_age): after a burst of
  // polls the last job read would otherwise stay until the next insert. Thread-safe.
  void drop_expired() {
    const int64_t now = clock_.now_ms();
    std::lock_guard lock(mu_);
    std::erase_if(entries_, [&](const auto& entry) {
      if (now - entry.second.read_at_ms < max_age_ms_) return false;
      cost_ -= entry.second.cost;
      return true;
    });
  }

  // Entries kept, for tests. Thread-safe.
  std::size_t size() {
    std::lock_guard lock(mu_);
    return entries_.size();
  }

  // The value for `key`: a copy of the cached one when it is still valid (see above), else
  // what `load(Connection&)` (a Result<V>) reads in one read transaction of `db`, cached when
  // it succeeded and nothing was committed while it was read. `cost(const V&)` sizes it.
  // Errors are returned, never cached. Thread-safe.
  template <typename Load, typename Cost>
  Result<V> get(Database& db, const std::string& key, Load&& load, Cost&& cost) {
    const uint64_t generation = db.write_generation();
    const int64_t now = clock_.now_ms();
    if (generation % 2 == 0) {
      std::shared_ptr<const V> hit;
      {
        std::lock_guard lock(mu_);
        if (generation_ == generation) {
          auto it = entries_.find(key);
          if (it != entries_.end() && now - it->second.read_at_ms < max_age_ms_) {
            hit = it->second.value;
          }
        }
      }
      if (hit) return V(*hit);
    }
    Result<V> loaded = db.read(load);
    if (!loaded || generation % 2 != 0) return loaded;
    const std::size_t size = cost(*loaded);
    if (size > max_cost_) return loaded;
    auto value = std::make_shared<const V>(*loaded);
    std::lock_guard lock(mu_);
    // A commit that started after `generation` was read may have changed what was read.
    if (db.write_generation() != generation) return loaded;
    if (generation_ != generation || cost_ + size > max_cost_) {
      entries_.clear();  // entries of an older generation are all stale anyway
      cost_ = 0;
      generation_ = generation;
    }
    auto [it, inserted] = entries_.try_emplace(key);
    if (!inserted) cost_ -= it->second.cost;
    it->second = Entry{std::move(value), now, size};
    cost_ += size;
    return loaded;
  }

 private:
  struct Entry {
    std::shared_ptr<const V> value;
    int64_t read_at_ms = 0;
    std::size_t cost = 0;
  };

  const Clock& clock_;
  const int64_t max_age_ms_;
  const std::size_t max_cost_;
  std::mutex mu_;
  uint64_t generation_ = 0;                         // of every entry; guarded by mu_
  std::size_t cost_ = 0;                            // guarded by mu_
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_
};

}  // namespace polyvox::sqlite
