// A Diacritizer that remembers what another one answered, so that a text seen again (a repeated
// block, the same job resubmitted) is not diacritized twice. Bounded in bytes (the texts and
// answers it holds plus a per-entry overhead); least recently used first out. Wraps whichever
// diacritizer is configured.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "text/diacritizer.h"

namespace polyvox {

class CachingDiacritizer : public Diacritizer {
 public:
  // What one entry costs beyond its text and answer (list and map nodes, string headers), so
  // that many short texts are bounded too.
  static constexpr std::size_t kEntryOverhead = 160;

  // Holds at most `max_bytes` (DIACRITIZER_CACHE_MAX_BYTES); 0 caches nothing. An answer whose
  // entry alone is larger than that is returned but not kept.
  CachingDiacritizer(std::unique_ptr<Diacritizer> inner, std::size_t max_bytes = 32 << 20)
      : inner_(std::move(inner)), max_bytes_(max_bytes) {}

  const std::string& name() const override { return inner_->name(); }

  // The cached answer, else the inner diacritizer's (remembered when it succeeds). Thread-safe.
  Result<std::string> diacritize(std::string_view text) override;

  std::size_t hits() const;
  // What the entries held now cost, as counted against max_bytes. Thread-safe.
  std::size_t size_bytes() const;
  std::size_t entries() const;

 private:
  struct Entry {
    std::string answer;
    std::list<std::string>::iterator position;  // in lru_
  };
  static std::size_t cost(const std::string& text, const std::string& answer) {
    return text.size() + answer.size() + kEntryOverhead;
  }

  std::unique_ptr<Diacritizer> inner_;
  std::size_t max_bytes_;
  mutable std::mutex mutex_;
  std::list<std::string> lru_;  // keys, most recent first
  std::unordered_map<std::string, Entry> cache_;
  std::size_t bytes_ = 0;
  std::size_t hits_ = 0;
};

}  // namespace polyvox
