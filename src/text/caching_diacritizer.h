// A Diacritizer that remembers what another one answered, so that a text seen again (a repeated
// block, the same job resubmitted) is not diacritized twice. Bounded; least recently used first
// out. Wraps whichever diacritizer is configured.
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "text/diacritizer.h"

namespace polyvox {

class CachingDiacritizer : public Diacritizer {
 public:
  CachingDiacritizer(std::unique_ptr<Diacritizer> inner, std::size_t max_entries = 20'000)
      : inner_(std::move(inner)), max_entries_(max_entries) {}

  const std::string& name() const override { return inner_->name(); }

  // The cached answer, else the inner diacritizer's (remembered when it succeeds). Thread-safe.
  Result<std::string> diacritize(std::string_view text) override;

  std::size_t hits() const;

 private:
  std::unique_ptr<Diacritizer> inner_;
  std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::list<std::string> lru_;  // keys, most recent first
  std::unordered_map<std::string, std::pair<std::string, std::list<std::string>::iterator>> cache_;
  std::size_t hits_ = 0;
};

}  // namespace polyvox
