#include "auth/api_key_service.h"

#include "auth/api_key_secret.h"
#include "core/ids.h"
#include "core/utf8.h"

namespace polyvox {
namespace {

constexpr std::size_t kMaxNameCharacters = 64;

Error unauthenticated(const std::string& why) {
  return Error{ErrorKind::kUnauthenticated, "Could not validate credentials: " + why, ""};
}

// True when `text` (valid UTF-8) holds a C0 or C1 control character or DEL.
bool has_control_character(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7F) return true;
    // U+0080..U+009F are encoded as C2 80..C2 9F.
    if (byte == 0xC2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) return true;
    }
  }
  return false;
}

}  // namespace

Status check_api_key_name(const std::string& name, const std::string& field) {
  if (!is_valid_utf8(name)) return invalid_input(field, "must be valid UTF-8");
  if (trim_utf8(name).empty()) return invalid_input(field, "must not be empty");
  if (utf8_length(name) > kMaxNameCharacters) {
    return invalid_input(field, "must be at most 64 characters");
  }
  if (has_control_character(name)) {
    return invalid_input(field, "must not contain control characters");
  }
  return Status::success();
}

Result<int64_t> api_key_expiry_in_days(int64_t days, int64_t now_ms, const std::string& field) {
  if (days < 1 || days > kMaxApiKeyLifetimeDays) {
    return invalid_input(field, "must be a whole number of days from 1 to " +
                                    std::to_string(kMaxApiKeyLifetimeDays));
  }
  return now_ms + days * kMillisecondsPerDay;
}

Result<IssuedApiKey> ApiKeyService::create(const std::string& user_id, const std::string& name,
                                           int64_t expires_at_ms) {
  if (Status s = check_api_key_name(name); !s) return s.error();
  const int64_t now = clock_.now_ms();
  if (expires_at_ms != 0 && expires_at_ms <= now) {
    return invalid_input("expires_at", "must be in the future");
  }
  if (expires_at_ms != 0 && expires_at_ms - now > kMaxApiKeyLifetimeDays * kMillisecondsPerDay) {
    return invalid_input(
        "expires_at", "must be at most " + std::to_string(kMaxApiKeyLifetimeDays) + " days ahead");
  }
  NewApiKeySecret secret = new_api_key_secret();
  ApiKey record{new_uuid4(), user_id, name,          std::move(secret.display_prefix),
                secret.hash, now,     expires_at_ms, 0};
  if (Status s = keys_.add_key(record, options_.max_keys_per_user); !s) return s.error();
  return IssuedApiKey{std::move(secret.key), std::move(record)};
}

Result<std::vector<ApiKey>> ApiKeyService::list(const std::string& user_id) {
  return keys_.list_keys(user_id);
}

Status ApiKeyService::revoke(const std::string& id, const std::string& owner_id) {
  Status revoked = keys_.revoke_key(id, owner_id);
  if (revoked) {
    std::lock_guard lock(cache_mutex_);
    std::erase_if(cache_, [&id](const auto& entry) { return entry.second.key.id == id; });
    ++generation_;
  }
  return revoked;
}

Result<User> ApiKeyService::authenticate(const std::string& key) {
  if (!is_api_key_form(key)) return unauthenticated("malformed API key");
  const std::string hash = api_key_hash(key);
  const int64_t now = clock_.now_ms();
  auto entry = verified(hash, now);
  if (!entry) return entry.take_error();
  if (entry->key.expires_at_ms != 0 && entry->key.expires_at_ms <= now) {
    return unauthenticated("API key expired");
  }
  record_use(*entry, hash, now);
  return std::move(entry->user);
}

Result<ApiKeyService::Verified> ApiKeyService::verified(const std::string& hash, int64_t now_ms) {
  uint64_t generation = 0;  // read before the stores are
  {
    std::lock_guard lock(cache_mutex_);
    generation = generation_;
    auto it = cache_.find(hash);
    // A clock that went back is no reason to trust an entry longer.
    if (it != cache_.end() && now_ms >= it->second.verified_at_ms &&
        now_ms - it->second.verified_at_ms < options_.cache_max_age_ms) {
      return it->second;
    }
  }
  auto key = keys_.find_key_by_hash(hash);
  if (!key) return key.take_error();
  if (!key->has_value()) return unauthenticated("unknown or revoked API key");
  auto user = users_.find_user_by_id((*key)->user_id);
  if (!user) return user.take_error();
  if (!user->has_value()) return unauthenticated("unknown user");
  Verified entry{std::move(**key), std::move(**user), now_ms};
  std::lock_guard lock(cache_mutex_);
  if (generation != generation_) return entry;  // a revocation raced this read: not cached
  if (cache_.size() >= options_.cache_entries) cache_.clear();
  cache_.insert_or_assign(hash, entry);
  return entry;
}

void ApiKeyService::record_use(const Verified& entry, const std::string& hash, int64_t now_ms) {
  if (now_ms - entry.key.last_used_at_ms < options_.use_record_interval_ms) return;
  // A failure (the store unreachable, or an I/O thread that may not wait: the request is then
  // run again where it may) leaves the entry as it was, so that the next use tries again.
  auto wrote = keys_.record_use(entry.key.id, now_ms, options_.use_record_interval_ms);
  if (!wrote) return;
  // Written now, or by another node within the interval: either way not due again before
  // now + interval (the store's own value comes back with the next read of the key).
  std::lock_guard lock(cache_mutex_);
  auto it = cache_.find(hash);
  if (it != cache_.end() && it->second.key.id == entry.key.id) {
    it->second.key.last_used_at_ms = now_ms;
  }
}

}  // namespace polyvox
