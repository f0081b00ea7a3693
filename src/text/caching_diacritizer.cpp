#include "text/caching_diacritizer.h"

namespace polyvox {

Result<std::string> CachingDiacritizer::diacritize(std::string_view text) {
  const std::string key(text);
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.second);
      ++hits_;
      return it->second.first;
    }
  }
  auto answer = inner_->diacritize(text);
  if (!answer) return answer;
  std::lock_guard lock(mutex_);
  if (!cache_.count(key)) {
    lru_.push_front(key);
    cache_.emplace(key, std::make_pair(*answer, lru_.begin()));
    while (cache_.size() > max_entries_ && !lru_.empty()) {
      cache_.erase(lru_.back());
      lru_.pop_back();
    }
  }
  return answer;
}

std::size_t CachingDiacritizer::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}

}  // namespace polyvox
