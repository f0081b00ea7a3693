#include "text/caching_diacritizer.h"

namespace polyvox {

Result<std::string> CachingDiacritizer::diacritize(std::string_view text) {
  std::string key(text);
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.position);
      ++hits_;
      return it->second.answer;
    }
  }
  auto answer = inner_->diacritize(text);
  if (!answer) return answer;
  const std::size_t bytes = cost(key, *answer);
  std::lock_guard lock(mutex_);
  if (bytes > max_bytes_ || cache_.count(key)) return answer;
  lru_.push_front(key);
  cache_.emplace(std::move(key), Entry{*answer, lru_.begin()});
  bytes_ += bytes;
  while (bytes_ > max_bytes_) {
    auto victim = cache_.find(lru_.back());
    bytes_ -= cost(victim->first, victim->second.answer);
    cache_.erase(victim);
    lru_.pop_back();
  }
  return answer;
}

std::size_t CachingDiacritizer::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}

std::size_t CachingDiacritizer::size_bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::size_t CachingDiacritizer::entries() const {
  std::lock_guard lock(mutex_);
  return cache_.size();
}

}  // namespace polyvox
